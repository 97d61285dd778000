"""The guards on search cost: the skill and location filters are index conditions; a big set's
facets come from a thinned sample; a statement timeout is answered with a message, never a 500."""

from __future__ import annotations

import re

import psycopg
import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jobs import selectors
from jobs.models import Job, JobSkill
from jobs.selectors import SearchParams, filtered_jobs, job_facets, search_total
from jobs.tests.conftest import postgres_only
from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory

pytestmark = [pytest.mark.django_db, postgres_only]


def test_the_skill_filter_is_an_index_condition_not_a_lookup_per_row():
    python, rust = SkillFactory(name="Python"), SkillFactory(name="Rust")
    company = CompanyFactory()
    jobs = Job.objects.bulk_create([
        Job(title=f"Developer {n}", slug=f"developer-{n}", description="Code.", company=company, source="test",
            external_id=f"bulk-{n}") for n in range(3000)
    ], batch_size=40)
    # Rust on every posting, Python on two: what the planner's statistics will say.
    JobSkill.objects.bulk_create([JobSkill(job=job, skill=rust) for job in jobs]
                                 + [JobSkill(job=job, skill=python) for job in jobs[:2]], batch_size=40)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE jobs_job")
    qs = filtered_jobs(SearchParams(skills=("python",)))
    assert sorted(qs.values_list("title", flat=True)) == ["Developer 0", "Developer 1"]
    plan = qs.values("pk").explain()
    assert f"Index Cond: (skill_ids @> '{{{python.pk}}}'::integer[])" in plan, plan
    assert "job_skill_ids_gin" in plan
    assert "jobs_jobskill" not in plan  # no lookup per row


def test_the_location_filter_reads_the_location_btree_for_the_known_locations_holding_the_text():
    company = CompanyFactory()
    places = ["Remote (Europe)", "Remote (US)", "Berlin, Germany"] + [f"City {n}" for n in range(40)]
    Job.objects.bulk_create([
        Job(title=f"Developer {n}", slug=f"developer-{n}", description="Code.", company=company, source="test",
            external_id=f"bulk-{n}", location=places[n % len(places)]) for n in range(4300)
    ], batch_size=100)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE jobs_job")
    qs = filtered_jobs(SearchParams(location="remote ("))
    # The same postings as a case-insensitive containment.
    assert qs.count() == Job.objects.filter(location__icontains="remote (").count() == 200
    plan = qs.values("pk").explain()
    assert "job_location_idx" in plan, plan
    assert "job_location_trgm_idx" not in plan and "~~" not in plan, plan  # no LIKE left
    assert filtered_jobs(SearchParams(location="berlin")).count() == 100
    assert filtered_jobs(SearchParams(location="Atlantis")).count() == 0


def test_a_posting_in_a_new_location_is_found_by_the_next_search(capture_commits):
    JobFactory(location="Berlin, Germany")
    assert filtered_jobs(SearchParams(location="lisbon")).count() == 0  # the known locations, now cached
    with capture_commits():
        JobFactory(title="Lisbon developer", location="Lisbon, Portugal")
    assert list(filtered_jobs(SearchParams(location="lisbon")).values_list("title", flat=True)) == ["Lisbon developer"]


def test_a_search_past_the_statement_timeout_gets_a_message_not_a_500(client, settings, caplog):
    settings.SEARCH_STATEMENT_TIMEOUT_MS = 300
    params = connection.get_connection_params()
    # Another session holds the table: every statement of the search waits on the lock
    # until the timeout cancels it (the test's own transaction has not touched jobs_job).
    with psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")},
                         autocommit=False) as other:
        other.execute("SET lock_timeout = '5s'")
        other.execute("LOCK TABLE jobs_job IN ACCESS EXCLUSIVE MODE")
        page = client.get("/jobs/?q=python&skills=python&remote=remote")
        api = client.get("/api/v1/jobs/?q=python")
        other.rollback()
    assert page.status_code == 503
    assert "This search took too long to answer" in page.content.decode()
    assert page["Retry-After"] == "10"
    assert page["X-Page-Cache"] == "skip"
    assert api.status_code == 503
    assert api.json()["detail"].startswith("This search took too long to answer")
    # and an operator reads which searches the guard refused
    refused = [r.getMessage() for r in caplog.records if r.name == "jobs.selectors" and r.levelname == "WARNING"]
    assert refused == ["search cancelled at its statement timeout (300ms): /jobs/?q=python&skills=python&remote=remote",
                       "search cancelled at its statement timeout (300ms): /api/v1/jobs/?q=python"]
    # and once the table is free, the same search is answered (nothing was cached of the failure)
    assert client.get("/jobs/?q=python&skills=python&remote=remote").status_code == 200


def test_within_a_company_the_other_filters_are_row_tests_on_its_postings():
    # Measured at 1,000,000 postings: with the company's id known, the planner ANDed the
    # company's ~1,700 postings with the bitmap of every python posting (58,000 entries,
    # ~20 ms) in each of the page's statements. Within a company only its index is read.
    python = SkillFactory(name="Python")
    small, big = CompanyFactory(), CompanyFactory()
    jobs = Job.objects.bulk_create([
        Job(title=f"Developer {n}", slug=f"developer-{n}", description="Code.", company=small if n < 20 else big,
            source="test", external_id=f"bulk-{n}", remote_policy="remote" if n % 2 else "onsite")
        for n in range(2000)
    ], batch_size=40)
    JobSkill.objects.bulk_create([JobSkill(job=job, skill=python) for job in jobs if job.pk % 3], batch_size=40)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE jobs_job")
    params = SearchParams(company=small.slug, skills=("python",), remote=("remote",))
    qs = filtered_jobs(params)
    expected = sorted(job.title for job in jobs[:20] if job.pk % 3 and job.remote_policy == "remote")
    assert expected and sorted(qs.values_list("title", flat=True)) == expected
    plan = qs.values("pk").explain()
    assert "job_skill_ids_gin" not in plan, plan
    assert "IS TRUE" in plan, plan  # the skill and the remote policy tested on the company's rows


def test_a_widened_match_tests_the_small_title_document_before_the_big_one():
    # PostgreSQL tests an OR's arms in the order written, on every row a bitmap rechecks: with
    # search_vector first, each of the 1,001 rows "js developer" counts decompressed a 1-2 kB
    # document it did not need (89 ms against 15 ms at a million postings).
    SkillFactory(name="JavaScript")
    sql = str(filtered_jobs(SearchParams(q="js developer")).query)
    assert "search_title" in sql and "search_vector" in sql, sql
    assert sql.index('"search_title" @@') < sql.index('"search_vector" @@'), sql


def _big_set_settings(monkeypatch, *, gin_limit: int = 300):
    """A catalogue of a few thousand postings steered as a million: past BIG_CATALOGUE, and
    a set past ESTIMATE_ONLY_ABOVE gets an estimated total and a thinned facet sample."""
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 1000)
    monkeypatch.setattr(selectors, "ESTIMATE_ONLY_ABOVE", 1000)
    monkeypatch.setattr(selectors, "FACET_FUZZY_LIMIT", gin_limit)
    monkeypatch.setattr(selectors, "FACET_BIG_SAMPLE", 200)
    monkeypatch.setattr(selectors, "FACET_MIN_SAMPLE", 50)


def _python_postings(n: int) -> None:
    """`n` postings with the word python (a third onsite, the rest remote), and `n` with rust."""
    companies = [CompanyFactory() for _ in range(4)]
    Job.objects.bulk_create([
        Job(title=f"Developer {i}", slug=f"developer-{i}", description="Python code." if i % 2 else "Rust code.",
            company=companies[i % 4], source="test", external_id=f"bulk-{i}",
            remote_policy="onsite" if i % 3 == 0 else "remote") for i in range(2 * n)
    ], batch_size=100)
    with connection.cursor() as cursor:
        # New entries wait in the GIN index's pending list, read whole by every scan, until a
        # VACUUM (or this) moves them into the index proper, where a big catalogue's are.
        cursor.execute("SELECT gin_clean_pending_list('job_search_vector_gin'::regclass)")
        cursor.execute("ANALYZE jobs_job")


def test_the_facets_of_a_big_set_come_from_a_random_sample_thinned_at_the_gin_index(monkeypatch):
    # Measured at 1,000,000 postings: a facet sample of 'design' (400,000 postings) built the
    # bitmap of every one of them to keep the first 1,000 (100 ms); thinned, 50,000 entries.
    _python_postings(3000)
    _big_set_settings(monkeypatch)
    params = SearchParams(q="python")
    total = search_total(params)
    assert total.is_estimate and total.big
    with CaptureQueriesContext(connection) as queries:
        facets = job_facets(params, total=total)
    sqls = [query["sql"] for query in queries.captured_queries]
    assert any("gin_fuzzy_search_limit" in sql for sql in sqls), sqls
    assert not any("EXPLAIN" in sql for sql in sqls), sqls  # scaled to the page's own estimate
    # The limit is set, the sample read and the limit put back: no savepoint around them.
    assert not any("SAVEPOINT" in sql for sql in sqls) and len(sqls) == 3, sqls
    counts = {value.value: value for value in facets["remote"]}
    # 1,000 onsite and 2,000 remote python postings: scaled from a random sample of ~200 of them.
    assert counts["remote"].approximate and counts["onsite"].approximate
    assert 1500 <= counts["remote"].count <= 2500, counts
    assert 600 <= counts["onsite"].count <= 1400, counts
    assert counts["remote"].count + counts["onsite"].count == pytest.approx(total.count, rel=0.05)
    # The thinning itself: under it a GIN index read returns about that many of its entries
    # (here the postings' word index, with no is_active condition for a partial index to serve).
    every_python = Job.objects.filter(search_vector=SearchQuery("python", config="english"))
    assert every_python.count() == 3000  # and nothing after the facets, in the same transaction, is thinned
    with selectors.bitmap_plans(every_python, total, gin_limit=300):
        assert "job_search_vector_gin" in every_python.values("pk").explain()
        assert 100 < every_python.count() < 1000


def test_a_thinned_facet_sample_too_small_is_read_again_whole(monkeypatch):
    _python_postings(3000)
    _big_set_settings(monkeypatch)
    # Several broad GIN conditions, each thinned, can leave too few rows: here any sample is too few.
    monkeypatch.setattr(selectors, "FACET_MIN_SAMPLE", selectors.FACET_BIG_SAMPLE + 1)
    params = SearchParams(q="python")
    total = search_total(params)
    with CaptureQueriesContext(connection) as queries:
        facets = job_facets(params, total=total)
    samples = [query["sql"] for query in queries.captured_queries if "COUNT(*)" in query["sql"]]
    assert len(samples) == 2, samples
    counts = {value.value: value.count for value in facets["remote"]}
    # The whole read stops at FACET_SAMPLE (1,000) rows and is scaled to the estimate.
    assert 1500 <= counts["remote"] <= 2500 and 600 <= counts["onsite"] <= 1400, counts


def test_a_chosen_facet_is_counted_from_a_thinned_sample_when_the_set_without_it_is_big(monkeypatch):
    # The page's own set is small and counted exactly; the set its chosen facet is counted
    # over (every facet filter off) is big: 'design' in Remote (Europe) as a senior contractor
    # is 300 postings at a million, and 18,600 without the two facets.
    _python_postings(3000)
    _big_set_settings(monkeypatch)
    monkeypatch.setattr(selectors, "ESTIMATE_ONLY_ABOVE", 2500)
    params = SearchParams(q="python", remote=("onsite",))
    total = search_total(params)
    assert not total.is_estimate and total.count == 1000
    with CaptureQueriesContext(connection) as queries:
        facets = job_facets(params, total=total)
    assert any("gin_fuzzy_search_limit" in query["sql"] for query in queries.captured_queries)
    counts = {value.value: value for value in facets["remote"]}
    assert counts["onsite"].selected and counts["remote"].approximate
    assert 1500 <= counts["remote"].count <= 2500 and 600 <= counts["onsite"].count <= 1400, counts


def _paid_python_postings(n: int, *, paid_every: int) -> None:
    """`n` postings with the word python (a third onsite, the rest remote), every `paid_every`-th
    of them paying 200,000 a year (the rest 50,000), and `n` with rust."""
    company = CompanyFactory()
    Job.objects.bulk_create([
        Job(title=f"Developer {i}", slug=f"developer-{i}", description="Python code." if i % 2 else "Rust code.",
            company=company, source="test", external_id=f"bulk-{i}", remote_policy="onsite" if i % 3 == 0 else "remote",
            salary_max_usd=200_000 if (i // 2) % paid_every == 0 else 50_000) for i in range(2 * n)
    ], batch_size=100)
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('job_search_vector_gin'::regclass)")
        cursor.execute("ANALYZE jobs_job")


def _sample_reads(queries) -> list[tuple[str, str]]:
    """(the GIN limit set, the sample's SQL) for each thinned facet sample of the captured queries."""
    reads, limit = [], None
    for query in queries.captured_queries:
        if "gin_fuzzy_search_limit" in query["sql"] and "enable_seqscan" in query["sql"]:
            limit = re.search(r"'gin_fuzzy_search_limit', '(\d+)'", query["sql"]).group(1)
        elif "COUNT(*) FROM (SELECT" in query["sql"] and limit is not None:
            reads.append((limit, query["sql"]))
            limit = None
    return reads


def test_a_one_word_facet_sample_keeps_the_index_entries_it_needs_and_tests_the_other_filters_per_row(monkeypatch):
    # Measured at 1,000,000 postings: the facet sample of 'regress' (85,000 postings) with a
    # salary floor kept 50,000 of the word's index entries and ANDed the floor's 167,000:
    # 40 ms of PostgreSQL CPU for 500 rows. Half the python postings here pay 200,000.
    _paid_python_postings(3000, paid_every=2)
    _big_set_settings(monkeypatch, gin_limit=2000)
    monkeypatch.setattr(selectors, "WORD_SAMPLE_MAX_WORD_SHARE", 1.0)  # python is in half the postings here
    params = SearchParams(q="python", salary_min=150_000)
    total = search_total(params)
    assert total.is_estimate and total.big
    with CaptureQueriesContext(connection) as queries:
        facets = job_facets(params, total=total)
    (read,) = _sample_reads(queries)
    limit, sql = read
    # Enough of the word's entries for twice the sample at the floor's share (a half):
    # 2 x 200 rows x 2, from the word's estimate (3,000) and the set's (~1,500).
    assert 600 <= int(limit) <= 1000, limit
    assert '("jobs_job"."salary_max_usd" >= 150000)) IS TRUE' in sql, sql  # a row test, not an index read
    # Only the word's thinned index read, never a walk of an index of the open postings testing
    # the word on each row (what the planner prefers for LIMIT 500 of a common word): and the
    # setting, like the limit, is put back for the transaction's later reads.
    steering = next(query["sql"] for query in queries.captured_queries if "enable_seqscan" in query["sql"])
    assert "'enable_indexscan', 'off'" in steering, steering
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_indexscan'), current_setting('gin_fuzzy_search_limit')")
        assert cursor.fetchone() == ("on", "0")
    counts = {value.value: value for value in facets["remote"]}
    assert counts["remote"].approximate and counts["onsite"].approximate
    assert 700 <= counts["remote"].count <= 1300 and 250 <= counts["onsite"].count <= 750, counts


def test_a_set_the_filters_keep_under_a_tenth_of_the_word_keeps_its_facet_sample(monkeypatch):
    # A thin share of the word would cost a heap row per posting tested: 'design' at one company
    # (2.7 % of the word) read 37,000 rows in 98 ms where the company's index reads 1,700.
    _paid_python_postings(3000, paid_every=20)
    _big_set_settings(monkeypatch, gin_limit=50_000)
    monkeypatch.setattr(selectors, "WORD_SAMPLE_MAX_WORD_SHARE", 1.0)
    monkeypatch.setattr(selectors, "ESTIMATE_ONLY_ABOVE", 100)
    params = SearchParams(q="python", salary_min=150_000)
    total = search_total(params)
    assert total.is_estimate and total.big
    with CaptureQueriesContext(connection) as queries:
        job_facets(params, total=total)
    (read,) = _sample_reads(queries)[:1]
    assert read[0] == "50000" and "IS TRUE" not in read[1], read


def test_a_word_in_a_fifth_of_the_open_postings_keeps_its_facet_sample(monkeypatch):
    # 'design' (40 % of the open postings at a million): its whole entry list is decompressed
    # however few are kept, and a walk finds 500 of its rows sooner (24 ms against 47-55).
    _paid_python_postings(3000, paid_every=2)  # python in half the postings
    _big_set_settings(monkeypatch, gin_limit=2000)
    params = SearchParams(q="python", salary_min=150_000)
    total = search_total(params)
    with CaptureQueriesContext(connection) as queries:
        job_facets(params, total=total)
    assert [limit for limit, _sql in _sample_reads(queries)][:1] == ["2000"]


def test_a_one_word_facet_sample_that_comes_back_short_is_read_as_before(monkeypatch):
    _paid_python_postings(3000, paid_every=2)
    _big_set_settings(monkeypatch, gin_limit=2000)
    monkeypatch.setattr(selectors, "WORD_SAMPLE_MAX_WORD_SHARE", 1.0)
    monkeypatch.setattr(selectors, "FACET_MIN_SAMPLE", selectors.FACET_BIG_SAMPLE + 1)  # any sample is short
    params = SearchParams(q="python", salary_min=150_000)
    total = search_total(params)
    with CaptureQueriesContext(connection) as queries:
        facets = job_facets(params, total=total)
    reads = _sample_reads(queries)
    assert [limit for limit, _sql in reads][1:] == ["2000"] and int(reads[0][0]) < 2000, reads
    counts = {value.value: value.count for value in facets["remote"]}
    assert 700 <= counts["remote"] <= 1300 and 250 <= counts["onsite"] <= 750, counts


@pytest.mark.parametrize("matching", [3, 5])
def test_the_count_read_ranks_and_dates_the_matches_only_when_it_holds_them_all(monkeypatch, matching):
    """The total reads up to COUNT_CAP + 1 matches. All of them (at most COUNT_CAP): each with its
    tier and posted_at, so the page is ordered from them. More: they are only the facets' sample,
    and neither is computed (a few document matches and a timestamp per row, for nothing)."""
    from jobs.selectors import Sort

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(selectors, "WHOLE_SET_FACTOR", 1)
    for n in range(matching):
        JobFactory(title=f"Data scientist {n}", remote_policy="remote")
    found: list = []
    total = search_total(SearchParams(q="data scientist", sort=Sort.RELEVANCE), candidates_out=found)
    (candidates,) = found
    assert candidates.complete is (matching <= 3)
    assert total.is_estimate is (matching > 3)
    assert len(candidates.rows) == min(matching, 4)
    assert {row.remote_policy for row in candidates.rows} == {"remote"}
    if candidates.complete:
        assert {row.tier for row in candidates.rows} == {selectors.RELEVANCE_TIERS}
        assert None not in {row.posted_at for row in candidates.rows}
    else:
        assert {(row.tier, row.posted_at) for row in candidates.rows} == {(None, None)}


def test_a_steered_read_within_the_search_transaction_sets_its_plan_settings_without_a_savepoint(monkeypatch):
    # A released savepoint keeps the settings made in it, so around each steered read (the
    # count, the rows, the facets) it only cost two round trips more.
    _python_postings(500)
    _big_set_settings(monkeypatch)
    monkeypatch.setattr(selectors, "ESTIMATE_ONLY_ABOVE", 5000)  # the 500 matches are counted
    with CaptureQueriesContext(connection) as queries:
        total = search_total(SearchParams(q="python"))
    sqls = [query["sql"] for query in queries.captured_queries]
    assert total.count == 500 and not total.is_estimate
    assert any("enable_seqscan" in sql for sql in sqls), sqls
    assert not any("SAVEPOINT" in sql for sql in sqls), sqls


def test_a_combination_of_facet_filters_is_one_range_of_a_composite_index():
    # Measured at 1,000,000 postings: contract (79,893 postings) and senior (306,709) were two
    # bitmaps ANDed, 47 ms in every statement building the set, for 25,519 postings holding both.
    company = CompanyFactory()
    Job.objects.bulk_create([
        Job(title=f"Developer {n}", slug=f"developer-{n}", description="Code.", company=company, source="test",
            external_id=f"bulk-{n}", job_type="contract" if n % 10 == 0 else "full_time",
            experience_level="senior" if n % 15 == 0 else "mid", remote_policy="remote" if n % 2 else "onsite",
            salary_max_usd=100_000 + n * 10)
        for n in range(3000)
    ], batch_size=100)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE jobs_job")
    contract_senior = filtered_jobs(SearchParams(job_type=("contract",), experience=("senior",)))
    assert contract_senior.count() == 100  # every 30th
    plan = contract_senior.values("pk").explain()
    assert "job_type_experience_remote_salary_idx" in plan, plan
    assert "job_experience_level_idx" not in plan, plan
    remote_paid = filtered_jobs(SearchParams(remote=("remote",), salary_min=125_000))
    assert remote_paid.count() == len([n for n in range(3000) if n % 2 and 100_000 + n * 10 >= 125_000])
    plan = remote_paid.values("pk").explain()
    assert "job_remote_salary_idx" in plan or "job_type_experience_remote_salary_idx" in plan, plan


def test_a_walk_of_the_newest_postings_tests_the_text_after_the_other_filters():
    # Walking the posted_at index for a word's newest postings in a location, PostgreSQL
    # tested the text first on every row walked (a 1-2 kB document decompressed) and the
    # location only on the rows holding the word: at a million postings 'regress' in one
    # location decompressed 5,463 documents to keep 21 (27,000 buffers, 29-150 ms).
    company = CompanyFactory()
    jobs = Job.objects.bulk_create([
        Job(title=f"Developer {n}", slug=f"developer-{n}", description="Regression tests." if n % 2 else ("Zebra code." if n == 4 else "Code."),
            company=company, source="test", external_id=f"bulk-{n}", location="Berlin" if n % 3 else "Paris")
        for n in range(600)
    ], batch_size=100)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE jobs_job")
    newest = filtered_jobs(SearchParams(q="regression", location="Paris")).order_by("-posted_at", "-id")
    expected = [job.pk for job in sorted(jobs, key=lambda job: (job.posted_at, job.pk), reverse=True)
                if job.pk and job.location == "Paris" and "Regression" in job.description][:5]
    assert expected and list(newest.values_list("pk", flat=True)[:5]) == expected
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")  # the walk, as at a million postings
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = newest.values("pk")[:5].explain()
    filter_line = next(line for line in plan.splitlines() if "Filter:" in line and "search_vector" in line)
    assert filter_line.index("location") < filter_line.index("search_vector"), plan
    # The planner still knows a rare word is rare, and the GIN index can still serve it.
    rare = Job.objects.search("zebra").values("pk")
    with transaction.atomic(), connection.cursor() as cursor:
        # (a released savepoint keeps SET LOCAL: bitmaps are turned back on)
        cursor.execute("SET LOCAL enable_bitmapscan = on")
        cursor.execute("SET LOCAL enable_indexscan = off")  # 600 rows: else any plan will do
        plan = rare.explain()
    assert "Index Cond: (search_vector @@ jobs_tested_last" in plan and "rows=1 " in plan, plan
    assert list(rare) == [{"pk": jobs[4].pk}]


def test_a_steered_read_prices_index_entries_ten_times_dearer(monkeypatch):
    # At a million postings the count read of 'coo' (783 postings) in remote jobs ANDed its
    # bitmap with the remote policy's 283,590 entries to spare ~500 heap rows: 80-90 ms against
    # 1 ms for the word's bitmap alone and a test of each row's policy (EXPLAIN ANALYZE at full
    # size; a test catalogue is too small for the planner to weigh the two the same way).
    _python_postings(50)
    _big_set_settings(monkeypatch)
    qs = filtered_jobs(SearchParams(q="python", remote=("remote",)))

    def price() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW cpu_index_tuple_cost")
            return cursor.fetchone()[0]

    default = price()
    with selectors.bitmap_plans(qs, selectors.Total(0, big=False)):  # a small catalogue: not steered
        assert price() == default
    with selectors.bitmap_plans(qs, selectors.Total(0, big=True)):
        # (set_config(..., true): it ends with the transaction, the page's under search_deadline)
        assert price() == "0.05" != default
        assert qs.count() == 33


def _tier_reads(query: str, want: int) -> tuple[list[int], list[str]]:
    """A big catalogue's relevance order for `query` (best tier first, each read whole while
    the better ones come back short), and the plan of each statement it ran."""
    from jobs.search import current_aliases, parse_query

    params = SearchParams(q=query, sort=selectors.Sort.RELEVANCE)
    with CaptureQueriesContext(connection) as queries:
        ranked = selectors._ranked_ids(filtered_jobs(params), parse_query(query, current_aliases()), want,
                                       unmatched=filtered_jobs(SearchParams()), stepwise=True)
    assert ranked == selectors.exhaustive_ranked_ids(params, limit=want), query
    plans = []
    for query_run in queries.captured_queries:
        if '"jobs_job"' not in query_run["sql"]:  # the search aliases
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + query_run["sql"])
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return ranked, plans


def test_the_stemmed_tier_is_not_read_again_when_every_word_is_its_own_stem():
    # Tier 2 (exact or stemmed words in the title or skills) is read only when tier 3 (exact)
    # came back whole and short of the page. For 'design' with remote, salary >= 150k and python
    # at a million postings it was the same bitmaps as tier 3's again (22-27 ms under load) for
    # no new row: 'design' is its own stem. PostgreSQL now skips that read before it starts.
    title_match = JobFactory(title="Python developer")
    anywhere = JobFactory(title="Rust engineer", description="Some python scripts.")
    ranked, plans = _tier_reads("python", want=5)
    assert ranked == [title_match.pk, anywhere.pk]
    assert len(plans) == 4, plans  # tiers 4, 3, 2 and the whole match, none of them skipped by the code
    assert "One-Time Filter: false" in plans[2] and "Scan" not in plans[2], plans[2]  # no index, no row read
    assert not any("One-Time Filter" in plan for plan in plans[:2] + plans[3:]), plans


def test_the_stemmed_tier_is_read_when_a_stem_finds_what_the_exact_word_does_not():
    exact = JobFactory(title="Developers wanted")
    stem_only = JobFactory(title="Senior developer")  # english 'develop', not the word 'developers'
    ranked, plans = _tier_reads("developers", want=5)
    assert ranked == [exact.pk, stem_only.pk]
    assert not any("One-Time Filter" in plan for plan in plans), plans


def test_a_tier_the_newest_postings_hold_too_few_of_is_read_by_its_bitmaps_for_that_read_alone(monkeypatch):
    # At a million postings 'design' in the titles of python postings (none; estimated 1,717 by
    # the planner, which multiplies the two as if independent) was read by a walk of the
    # posted_at index: 851,226 rows and 808,000 buffers, 5.2 s, cancelled at the statement
    # timeout. The window of newest postings had shown the tier thin there; its bitmaps answer
    # in 53 ms. The whole match's read after it is a big set's, still free to walk (11 ms).
    from datetime import timedelta

    from django.utils import timezone

    company, now = CompanyFactory(), timezone.now()
    # The newest 100 hold the word only in their descriptions; 20 older ones in their titles.
    Job.objects.bulk_create([
        Job(title="Rust engineer" if i < 100 else f"Python developer {i}", slug=f"posting-{i}", description="Python code.",
            company=company, source="test", external_id=f"bulk-{i}", posted_at=now - timedelta(minutes=i))
        for i in range(120)
    ], batch_size=100)
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('job_search_vector_gin'::regclass)")
        cursor.execute("ANALYZE jobs_job")
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 10)
    monkeypatch.setattr(selectors, "ESTIMATE_ONLY_ABOVE", 10)
    monkeypatch.setattr(selectors, "RECENT_WINDOW", 50)
    params = SearchParams(q="python", sort=selectors.Sort.RELEVANCE, page_size=5)
    with CaptureQueriesContext(connection) as queries:
        page = selectors.search_jobs(params)
    assert page.total.is_estimate and page.total.big
    assert [job.pk for job in page.items] == selectors.exhaustive_ranked_ids(params, limit=5)
    assert all(job.title.startswith("Python developer") for job in page.items)
    sqls = [query["sql"] for query in queries.captured_queries]
    steered = [i for i, sql in enumerate(sqls) if "'enable_indexscan', 'off'" in sql]
    assert len(steered) == 1, sqls
    tier_read = sqls[steered[0] + 1]
    assert "jobs_title_words(jobs_job.title)" in tier_read and "LIMIT 6" in tier_read, tier_read
    # Put back right after it: no later read of the page's transaction is steered.
    assert "set_config" in sqls[steered[0] + 2] and "current_setting" not in sqls[steered[0] + 2], sqls
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_indexscan'), current_setting('enable_seqscan')")
        assert cursor.fetchone() == ("on", "on")


def _count_read(params: SearchParams) -> tuple[str, list[int]]:
    """The count read's SQL for `params`, and the ids it found (the page's candidates)."""
    found: list = []
    with CaptureQueriesContext(connection) as queries:
        total = search_total(params, candidates_out=found)
    (sql,) = [query["sql"] for query in queries.captured_queries if "count(*) OVER ()" in query["sql"]]
    assert not total.is_estimate and found[0].complete, total
    return sql, sorted(row.pk for row in found[0].rows)


def test_the_count_read_tests_a_broad_filter_on_a_rare_words_postings_and_keeps_a_narrow_filters_bitmap(monkeypatch):
    # At a million postings the count read of 'coo' (783 postings) ANDed the bitmap of
    # salary >= 150k (167,316 entries): 73-81 ms, against 1 ms for the word's own bitmap and a
    # test of each of its rows. A narrow filter keeps its bitmap: contract jobs beside
    # 'kubernetes' (26,000 postings) read 14 ms ANDed and 235 ms tested row by row.
    company = CompanyFactory()
    Job.objects.bulk_create([
        Job(title=f"Developer {i}", slug=f"developer-{i}", description="Zebra code." if i % 100 == 0 else "Python code.",
            company=company, source="test", external_id=f"bulk-{i}", salary_max_usd=200_000 if i % 2 else 50_000,
            job_type="contract" if i % 50 == 1 else "full_time") for i in range(3000)
    ], batch_size=100)
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('job_search_vector_gin'::regclass)")
        cursor.execute("ANALYZE jobs_job")
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 100)
    rare_and_broad = SearchParams(q="zebra", salary_min=150_000, job_type=("full_time",))
    sql, ids = _count_read(rare_and_broad)
    assert '"salary_max_usd" >= 150000' in sql and ")) IS TRUE)" in sql, sql  # row tests on the word's postings
    assert ids == sorted(filtered_jobs(rare_and_broad).values_list("pk", flat=True))  # the same matches
    common_and_narrow = SearchParams(q="python", job_type=("contract",))
    sql, ids = _count_read(common_and_narrow)
    assert "IS TRUE" not in sql, sql
    assert ids == sorted(filtered_jobs(common_and_narrow).values_list("pk", flat=True)) and len(ids) == 60


def _broad_filter_postings(n: int) -> None:
    """`n` postings, every seventh with the word zebra; half remote, nine in ten paid 200,000 and nine
    in ten full time, every twentieth a senior contract, two in five in 'Remote (Europe)'."""
    company = CompanyFactory()
    Job.objects.bulk_create([
        Job(title=f"Developer {i}", slug=f"developer-{i}", description="Zebra code." if i % 7 == 0 else "Python code.",
            company=company, source="test", external_id=f"bulk-{i}", remote_policy="remote" if i % 2 else "onsite",
            location="Remote (Europe)" if i % 5 in (1, 3) else "Berlin", salary_max_usd=200_000 if i % 10 != 3 else 50_000,
            job_type="contract" if i % 20 == 1 else "full_time" if i % 10 else "part_time",
            experience_level="senior" if i % 20 == 1 else "mid") for i in range(n)
    ], batch_size=200)
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('job_search_vector_gin'::regclass)")
        cursor.execute("ANALYZE jobs_job")


def _row_tested_in(sql: str) -> str:
    """The part of a read's WHERE tested on each row (_RowTest), '' when none is."""
    found = re.search(r"\(\((.*)\) IS TRUE\)", sql.split(" WHERE ", 1)[1])
    return found.group(1) if found else ""


def test_the_count_read_weighs_several_broad_filters_by_the_sum_of_their_entries(monkeypatch):
    # The rule saw one share for all the filters beside a text (what they keep together, here
    # 0.5 x 0.9 x 0.9 of the word's postings) and ANDed every bitmap. Weighed filter by filter,
    # full time (nine postings in ten) costs more entries than the word's few postings it would
    # spare, so it is tested on each; remote + salary (one scan of the composite index, under
    # half the postings) keep their index read.
    _broad_filter_postings(3000)
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 100)
    params = SearchParams(q="zebra", remote=("remote",), salary_min=150_000, job_type=("full_time",))
    sql, ids = _count_read(params)
    tested = _row_tested_in(sql)
    assert '"job_type" IN' in tested and "remote_policy" not in tested and "salary_max_usd" not in tested, sql
    assert '"remote_policy" IN' in sql and '"salary_max_usd" >= 150000' in sql
    assert ids == sorted(filtered_jobs(params).values_list("pk", flat=True)) and ids  # the same matches


def test_the_count_read_tests_a_broad_location_on_the_postings_of_a_narrow_composite_scan(monkeypatch):
    # At a million postings the count read of remote locations as senior contractors ANDed the
    # location's 283,590 entries (70 ms) to the 25,519 of contract + senior (one composite scan),
    # where testing the location on 5,500 of those postings found the 1,001 it stops at in 13 ms.
    # No text here: one filter at least keeps its index read.
    _broad_filter_postings(3000)
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 100)
    params = SearchParams(location="Remote", job_type=("contract",), experience=("senior",))
    sql, ids = _count_read(params)
    tested = _row_tested_in(sql)
    assert '"location" IN' in tested and "job_type" not in tested and "experience_level" not in tested, sql
    assert ids == sorted(filtered_jobs(params).values_list("pk", flat=True)) and ids


def test_a_narrow_filter_keeps_its_bitmap_and_a_lone_filter_is_never_a_row_test(monkeypatch):
    _broad_filter_postings(3000)
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 100)
    # The word is in a seventh of the postings, senior contracts a twentieth: testing them on
    # the word's 430 postings costs more than their composite scan's 150 entries.
    narrow = SearchParams(q="zebra", job_type=("contract",), experience=("senior",))
    assert selectors._row_tested(narrow, selectors._planned_rows(filtered_jobs(narrow)), selectors.COUNT_CAP + 1) == frozenset()
    assert selectors._row_tested(SearchParams(remote=("remote",)), 1500, selectors.COUNT_CAP + 1) == frozenset()


def test_a_chosen_facets_sample_tests_a_broad_filter_per_row(monkeypatch):
    # 'regress' + python + remote + salary >= 150k at a million postings: the sample of the set
    # without the chosen remote facet ANDed the salary floor's 167,316 entries (52 ms of 107).
    # Here the salary floor keeps nine postings in ten; the location two in five keeps its bitmap.
    _broad_filter_postings(3000)
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 100)
    params = SearchParams(q="zebra", remote=("remote",), salary_min=150_000, location="Remote")
    with CaptureQueriesContext(connection) as queries:
        facets = job_facets(params)
    (sample,) = [query["sql"] for query in queries.captured_queries if "GROUP BY col0" in query["sql"]]
    tested = _row_tested_in(sample)
    assert '"salary_max_usd" >= 150000' in tested and "location" not in tested and '"remote_policy" IN' not in sample, sample
    remote_count = {value.value: value.count for value in facets["remote"]}["remote"]
    assert remote_count == filtered_jobs(params).count() > 0  # a set this small is counted whole: exact


@pytest.mark.parametrize("postings", [1500, 3000])
@pytest.mark.parametrize("params,budget", [
    # The deadline (SAVEPOINT, statement timeout, RELEASE: 3), the distinct locations, the open
    # postings' and the set's estimates, the filters' own estimates (one EXPLAIN), the count
    # read between its settings and the index walks put back (3), the cards, their skills; the
    # facets: the set without its chosen facets' estimate, its filters' own, the steered
    # settings and the sample (4).
    (SearchParams(location="Remote", job_type=("contract",), experience=("senior",)), 16),
    # The deadline (3), the aliases, the open postings' and the set's estimates, its filters' own,
    # the word's; the count read (3), the cards, their skills; the facets:
    # the set without its chosen facets' estimate, its filters' own, the word's, the sample
    # between its settings and the index walks put back (3).
    (SearchParams(q="zebra", sort="relevance", remote=("remote",), salary_min=150_000, job_type=("full_time",)), 19),
], ids=["location+type+experience", "word+remote+salary+type"])
def test_a_page_whose_reads_test_filters_per_row_has_a_fixed_query_budget(monkeypatch, django_assert_num_queries,
                                                                       postings, params, budget):
    _broad_filter_postings(postings)
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 100)
    # A posting tested priced as one index entry: the broad filters are row tests at both sizes,
    # whatever a small catalogue's estimates (the decision itself is asserted above).
    monkeypatch.setattr(selectors, "ROW_TEST_COST", 1)
    # The page's own set counted, whatever the set without its chosen facets holds (read in its
    # place when small: its own budget is in test_search_unchosen_read).
    monkeypatch.setattr(selectors, "UNCHOSEN_READ_MAX", 0)
    with django_assert_num_queries(budget):
        with selectors.search_deadline():
            page = selectors.search_jobs(params)
            job_facets(params, candidates=page.candidates, total=page.total)
    assert page.items


def test_a_big_sets_facet_sample_tests_a_broad_filter_per_row(monkeypatch):
    # At a million postings the set of a chosen remote facet beside salary >= 150k and python (no
    # text: its total an estimate, so a thinned sample of 500) ANDed the floor's 167,316 entries,
    # 33-57 ms, to keep 500 rows. Here the floor keeps nine postings in ten; the location two in
    # five keeps its bitmap.
    _broad_filter_postings(3000)
    _big_set_settings(monkeypatch)
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 100)
    monkeypatch.setattr(selectors, "ESTIMATE_ONLY_ABOVE", 100)
    params = SearchParams(remote=("remote",), salary_min=150_000, location="Remote")
    total = search_total(params)
    assert total.is_estimate and total.big
    with CaptureQueriesContext(connection) as queries:
        facets = job_facets(params, total=total)
    (sample,) = [query["sql"] for query in queries.captured_queries if "GROUP BY col0" in query["sql"]]
    assert "LIMIT 200" in sample, sample  # the big set's thinned sample (FACET_BIG_SAMPLE)
    tested = _row_tested_in(sample)
    assert '"salary_max_usd" >= 150000' in tested and "location" not in tested and '"remote_policy" IN' not in sample, sample
    counts = {value.value: value for value in facets["remote"]}
    # 900 postings in 'Remote (Europe)' paid 200,000, a third of them remote: scaled from the sample.
    assert counts["remote"].approximate and 200 <= counts["remote"].count <= 450, counts
    assert counts["remote"].count + counts["onsite"].count == pytest.approx(selectors._planned_rows(
        filtered_jobs(SearchParams(salary_min=150_000, location="Remote"))), rel=0.05)


def _words_postings(matching: int, others: int = 40) -> None:
    """`matching` postings with the word zebra (a third remote, every fourth with it in the title),
    and `others` without."""
    company = CompanyFactory()
    Job.objects.bulk_create([
        Job(title=f"Zebra keeper {i}" if i % 4 == 0 else f"Keeper {i}", slug=f"zebra-{i}", description="Zebra care.",
            company=company, source="test", external_id=f"zebra-{i}", remote_policy="remote" if i % 3 == 0 else "onsite")
        for i in range(matching)
    ] + [
        Job(title=f"Developer {i}", slug=f"developer-{i}", description="Python code.", company=company, source="test",
            external_id=f"bulk-{i}") for i in range(others)
    ], batch_size=100)
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('job_search_vector_gin'::regclass)")
        cursor.execute("ANALYZE jobs_job")


@pytest.mark.parametrize("matching", [15, 19])
def test_a_set_expected_under_twice_the_count_cap_is_read_whole_and_its_page_ordered_from_it(
        monkeypatch, django_assert_num_queries, matching):
    # At a million postings 'time' + remote + salary >= 150k + python was estimated at 697 and
    # held 1,168 matches: counted to 1,001 and then ranked by a walk of the newest postings and
    # each tier's reads, python's and remote + salary's bitmaps built again for each (29
    # statements a page). Read whole by the count read, the page is ordered from it.
    from jobs.selectors import Sort

    _words_postings(matching)
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    params = SearchParams(q="zebra", sort=Sort.RELEVANCE, page_size=5)
    # The deadline (3), the aliases, the open postings' and the set's estimates, the count read,
    # the cards, their skills: no window walk and no tier read, at either size.
    with django_assert_num_queries(9):
        with selectors.search_deadline():
            page = selectors.search_jobs(params)
    assert page.candidates.complete and len(page.candidates.rows) == matching
    assert page.total.is_estimate and str(page.total) == "10+" and page.total.count == matching  # "1,000+", as before
    assert [job.pk for job in page.items] == selectors.exhaustive_ranked_ids(params, 5)
    assert page.has_next
    facets = job_facets(params, candidates=page.candidates, total=page.total)
    remote = {value.value: value for value in facets["remote"]}["remote"]
    assert remote.count == len(range(0, matching, 3)) and not remote.approximate  # counted, not scaled


def test_a_set_expected_past_twice_the_count_cap_is_still_counted_only_to_it(monkeypatch):
    _words_postings(30)
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    found: list = []
    total = search_total(SearchParams(q="zebra"), candidates_out=found)
    (candidates,) = found
    assert not candidates.complete and len(candidates.rows) == 11
    assert total.is_estimate and str(total) == "10+"
