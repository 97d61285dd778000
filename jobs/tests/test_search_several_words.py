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


@pytest.mark.parametrize("size", [400, 800])
@pytest.mark.parametrize("remote", [(), ("remote",)])
def test_it_reads_a_thin_tier_of_several_words_in_the_wider_window_by_its_index_not_a_walk(steered_as_big, size, remote):
    # Two of the 40 newest are titled so (a page of 5 wants 6: a third, so the wider window is
    # tried), the rest of the six within the 160 newest; the same whatever the catalogue's size.
    _catalogue([0, 2, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 300], size, "Senior data engineer")
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
    # Steered to bitmaps for that read alone (the title words' index ANDed with the range).
    steered = sqls.index(read) - 1
    assert "'enable_indexscan', 'off'" in sqls[steered], sqls[steered]
    assert "set_config" in sqls[steered + 2] and "current_setting" not in sqls[steered + 2], sqls


def test_it_reads_the_whole_tier_when_the_wider_window_holds_too_few(steered_as_big):
    _catalogue([0, 2, 300, 310, 320, 330, 340], 400, "Senior data engineer")
    params = SearchParams(q="senior data engineer", sort=Sort.RELEVANCE, page_size=5)
    with CaptureQueriesContext(connection) as queries:
        page = search_jobs(params)
    assert [job.pk for job in page.items] == exhaustive_ranked_ids(params, limit=5)
    assert [BOUND in sql for sql in _title_reads(queries)] == [True, False]


def test_it_still_walks_the_wider_window_for_one_word(steered_as_big):
    _catalogue([0, 2, 50, 60, 70, 80, 90, 100], 400, "Engineer")
    params = SearchParams(q="engineer", sort=Sort.RELEVANCE, page_size=5)
    with CaptureQueriesContext(connection) as queries:
        page = search_jobs(params)
    assert [job.pk for job in page.items] == exhaustive_ranked_ids(params, limit=5)
    assert any(WIDER_WALK in query["sql"] for query in queries.captured_queries)
    assert not any(BOUND in sql for sql in _title_reads(queries))
