"""The guards on search cost: the skill and location filters are index conditions; a statement
timeout is answered with a message, never a 500."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from jobs.models import Job, JobSkill
from jobs.selectors import SearchParams, filtered_jobs
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


def test_a_search_past_the_statement_timeout_gets_a_message_not_a_500(client, settings):
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


@pytest.mark.parametrize("matching", [3, 5])
def test_the_count_read_ranks_and_dates_the_matches_only_when_it_holds_them_all(monkeypatch, matching):
    """The total reads up to COUNT_CAP + 1 matches. All of them (at most COUNT_CAP): each with its
    tier and posted_at, so the page is ordered from them. More: they are only the facets' sample,
    and neither is computed (a few document matches and a timestamp per row, for nothing)."""
    from jobs import selectors
    from jobs.selectors import Sort, search_total

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
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
