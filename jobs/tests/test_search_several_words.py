"""A relevance tier of several words that the newest postings hold some but too few of is read
in the wider window by its own index ANDed with the posted_at range, not by a walk of the window:
at a million postings the walk fetched each of the 20,000 newest postings from the heap ('senior
data engineer' in remote titles: 18,379 buffers, 56 ms), the bounded read the 83 postings in both
the three words' short list and the range (515 buffers, 15 ms)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs import selectors
from jobs.models import Job
from jobs.search import parse_query
from jobs.selectors import SearchParams, Sort, exhaustive_ranked_ids, search_jobs, several_words
from jobs.tests.conftest import postgres_only
from jobs.tests.factories import CompanyFactory

pytestmark = [pytest.mark.django_db, postgres_only]

WINDOW = 40
BOUND = '"jobs_job"."posted_at" >= '
WIDER_WALK = f'LIMIT {WINDOW * selectors.WINDOW_GROWTH}) AS "jobs_job"'  # the wider window's walk


@pytest.fixture
def steered_as_big(monkeypatch):
    """A catalogue of hundreds read as a million's is: its sets big and their totals estimates."""
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 10)
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(selectors, "ESTIMATE_ONLY_ABOVE", 100_000)
    monkeypatch.setattr(selectors, "RECENT_WINDOW", WINDOW)


def _catalogue(titled_at, size: int, title: str) -> None:
    """`size` postings, newest first, `title` at the positions `titled_at`; every posting holds
    its words in the description, so the match is the whole catalogue and the title tiers few."""
    company, now, titled_at = CompanyFactory(), timezone.now(), set(titled_at)
    Job.objects.bulk_create([
        Job(title=f"{title} {i}" if i in titled_at else f"Backend developer {i}", slug=f"posting-{i}",
            description=f"We look for a {title.lower()}.", company=company, source="test", external_id=f"bulk-{i}",
            remote_policy="remote" if i % 2 == 0 else "onsite", posted_at=now - timedelta(minutes=i))
        for i in range(size)
    ], batch_size=200)
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('job_search_vector_gin'::regclass)")
        cursor.execute("ANALYZE jobs_job")


def _title_reads(queries) -> list[str]:
    return [query["sql"] for query in queries.captured_queries
            if query["sql"].startswith('SELECT "jobs_job"."id" AS "pk", "jobs_job"."posted_at" AS "posted_at" FROM')
            and "jobs_title_words(jobs_job.title) @@" in query["sql"] and "CASE WHEN" not in query["sql"]]


def test_it_knows_a_query_of_several_words():
    assert several_words(parse_query("senior data engineer"))
    assert several_words(parse_query("data analyst"))
    assert not several_words(parse_query("engineer"))
    assert not several_words(parse_query("data -analyst"))  # an exclusion: its tiers test the match again


@pytest.mark.parametrize("size", [1600, 3200])
@pytest.mark.parametrize("remote", [(), ("remote",)])
def test_it_reads_a_thin_tier_of_several_words_in_the_wider_window_by_its_index_not_a_walk(steered_as_big, monkeypatch,
                                                                                          size, remote):
    # Whatever a small table's plan (its statistics move with the tests before): the plan's
    # check is asserted apart (test_it_finds_whether_a_plan_ands_the_range).
    monkeypatch.setattr(selectors, "_ands_the_range", lambda plan: True)
    # Two of the 40 newest are titled so (a page of 5 wants 6: a third, so the wider window is
    # tried), the rest of the six within the 160 newest, and a third of the older postings: a
    # tier PostgreSQL knows is big, whose bitmap it ANDs with the range's.
    _catalogue([0, 2, *range(50, 150, 10), *range(400, size, 3)], size, "Senior data engineer")
    params = SearchParams(q="senior data engineer", sort=Sort.RELEVANCE, page_size=5, remote=remote)
    with CaptureQueriesContext(connection) as queries:
        page = search_jobs(params)
    assert page.total.is_estimate and page.total.big
    assert [job.pk for job in page.items] == exhaustive_ranked_ids(params, limit=5)
    assert all(job.title.startswith("Senior data engineer") for job in page.items)
    sqls = [query["sql"] for query in queries.captured_queries]
    assert not any(WIDER_WALK in sql for sql in sqls), sqls
    (read,) = _title_reads(queries)
    assert BOUND in read and read.endswith("LIMIT 6"), read
    # Steered to bitmaps for that read alone, its plan asked first in the same scope (the title
    # words' index ANDed with the range), the settings put back right after.
    at = sqls.index(read)
    assert "'enable_indexscan', 'off'" in sqls[at - 2] and sqls[at - 1] == "EXPLAIN (FORMAT json) " + read, sqls
    assert "set_config" in sqls[at + 1] and "current_setting" not in sqls[at + 1], sqls


def test_it_reads_the_whole_tier_when_the_wider_window_holds_too_few(steered_as_big, monkeypatch):
    monkeypatch.setattr(selectors, "_ands_the_range", lambda plan: True)  # whatever this small table's plan
    _catalogue([0, 2, *range(300, 1600, 3)], 1600, "Senior data engineer")
    params = SearchParams(q="senior data engineer", sort=Sort.RELEVANCE, page_size=5)
    with CaptureQueriesContext(connection) as queries:
        page = search_jobs(params)
    assert [job.pk for job in page.items] == exhaustive_ranked_ids(params, limit=5)
    assert [BOUND in sql for sql in _title_reads(queries)] == [True, False]


def test_it_walks_the_wider_window_when_postgresql_would_not_and_the_range(steered_as_big, monkeypatch):
    # Words that go together are multiplied as if independent: expecting a short list, the
    # planner fetches every posting of the tier rather than AND the range's bitmap ('machine
    # learning engineer' in titles at a million postings: estimated 70, 11,825 heap rows, 119 ms).
    monkeypatch.setattr(selectors, "_ands_the_range", lambda plan: False)
    _catalogue([0, 2, *range(50, 150, 10), 300], 400, "Senior data engineer")
    params = SearchParams(q="senior data engineer", sort=Sort.RELEVANCE, page_size=5)
    with CaptureQueriesContext(connection) as queries:
        page = search_jobs(params)
    assert [job.pk for job in page.items] == exhaustive_ranked_ids(params, limit=5)
    sqls = [query["sql"] for query in queries.captured_queries]
    asked = [sql for sql in sqls if sql.startswith("EXPLAIN (FORMAT json) ") and BOUND in sql]
    assert len(asked) == 1, asked
    assert any(WIDER_WALK in sql for sql in sqls), sqls
    assert not any(BOUND in sql for sql in _title_reads(queries))


def test_it_finds_whether_a_plan_ands_the_range():
    range_scan = {"Node Type": "Bitmap Index Scan", "Index Cond": "(posted_at >= '2026-11-30 20:50:30+00')"}
    words = {"Node Type": "Bitmap Index Scan", "Index Cond": "(jobs_title_words(title) @@ '...')"}
    anded = [{"Plan": {"Node Type": "Limit", "Plans": [{"Node Type": "Sort", "Plans": [
        {"Node Type": "Bitmap Heap Scan", "Plans": [{"Node Type": "BitmapAnd", "Plans": [words, range_scan]}]}]}]}}]
    alone = [{"Plan": {"Node Type": "Limit", "Plans": [{"Node Type": "Bitmap Heap Scan", "Plans": [words]}]}}]
    assert selectors._ands_the_range(anded)
    assert not selectors._ands_the_range(alone)


def test_it_still_walks_the_wider_window_for_one_word(steered_as_big):
    _catalogue([0, 2, 50, 60, 70, 80, 90, 100], 400, "Engineer")
    params = SearchParams(q="engineer", sort=Sort.RELEVANCE, page_size=5)
    with CaptureQueriesContext(connection) as queries:
        page = search_jobs(params)
    assert [job.pk for job in page.items] == exhaustive_ranked_ids(params, limit=5)
    assert any(WIDER_WALK in query["sql"] for query in queries.captured_queries)
    assert not any(BOUND in sql for sql in _title_reads(queries))
