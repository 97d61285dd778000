"""A big set's first relevance tier (the match itself) is looked for among the newest postings
first, by a bound on posted_at: a company's name is in no title, so the match is all its tier,
and reading it whole fetched every posting of the company (at a million postings 'Fern Games':
26,889 heap rows, 100-330 ms) for the newest twenty."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs import selectors
from jobs.models import Job
from jobs.selectors import SearchParams, Sort, exhaustive_ranked_ids, search_jobs
from jobs.tests.conftest import postgres_only
from jobs.tests.factories import CompanyFactory

pytestmark = [pytest.mark.django_db, postgres_only]

WINDOW = 40
BOUND = '"jobs_job"."posted_at" >= '  # the bound on the newest postings (no other condition of a page compares posted_at so)


def _catalogue(fern_at, size: int) -> None:
    """`size` postings, newest first, Fern Games' at the positions `fern_at`, the others of
    companies sharing a word of its name (Fern Labs, Oak Games); no title holds either word."""
    fern, labs, oak = (CompanyFactory(name=name) for name in ("Fern Games", "Fern Labs", "Oak Games"))
    now, fern_at = timezone.now(), set(fern_at)
    Job.objects.bulk_create([
        Job(title=f"Backend developer {i}", slug=f"posting-{i}", description="Code.",
            company=fern if i in fern_at else (labs, oak)[i % 2], source="test", external_id=f"bulk-{i}",
            posted_at=now - timedelta(minutes=i))
        for i in range(size)
    ], batch_size=200)
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('job_search_vector_gin'::regclass)")
        cursor.execute("ANALYZE jobs_job")


@pytest.fixture
def steered_as_big(monkeypatch):
    """A catalogue of hundreds read as a million's is: its sets big, counted past COUNT_CAP (their
    totals estimates) where the planner expected fewer than ESTIMATE_ONLY_ABOVE."""
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 10)
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(selectors, "ESTIMATE_ONLY_ABOVE", 100_000)
    monkeypatch.setattr(selectors, "RECENT_WINDOW", WINDOW)


def _match_reads(queries) -> list[str]:
    """The page's reads of the match itself, newest first (not a tier's, not the count read)."""
    return [query["sql"] for query in queries.captured_queries
            if '"search_vector" @@' in query["sql"] and query["sql"].startswith('SELECT "jobs_job"."id" AS "pk", "jobs_job"."posted_at"')
            and "ORDER BY 2 DESC" in query["sql"] and "CASE WHEN" not in query["sql"]]


@pytest.mark.parametrize("size", [600, 1200])
def test_a_dense_company_search_reads_its_newest_postings_among_the_newest_only(steered_as_big, size):
    _catalogue(range(0, size, 3), size)  # a third of the catalogue, at either size
    params = SearchParams(q="Fern Games", sort=Sort.RELEVANCE, page_size=5)
    with CaptureQueriesContext(connection) as queries:
        page = search_jobs(params)
    assert page.total.is_estimate and page.total.big
    assert [job.pk for job in page.items] == exhaustive_ranked_ids(params, limit=5)
    assert {job.company.name for job in page.items} == {"Fern Games"}
    # One read of the match, bounded to the WINDOW newest open postings: the same at either size.
    (read,) = _match_reads(queries)
    assert BOUND in read and read.endswith("LIMIT 6"), read
    newest = Job.objects.filter(is_active=True).order_by("-posted_at", "-id").values_list("posted_at", flat=True)
    assert selectors._recent_since(WINDOW) == newest[WINDOW - 1]
    assert selectors._recent_since(WINDOW * selectors.WINDOW_GROWTH) == newest[WINDOW * selectors.WINDOW_GROWTH - 1]


@pytest.mark.parametrize(("fern_at", "bounded", "whole"), [
    pytest.param(range(10), 1, 0, id="dense: the window answers"),
    pytest.param([0, 1, 50, 60, 70, 80], 2, 0, id="some in the window: the wider one answers"),
    pytest.param([0, 1, *range(300, 310)], 2, 1, id="too few in both: read whole"),
    pytest.param(range(300, 310), 1, 1, id="none in the window: read whole"),
])
def test_a_match_the_newest_postings_hold_too_few_of_is_read_in_a_wider_window_then_whole(
        steered_as_big, fern_at, bounded, whole):
    # A page of 5 wants 6 rows: the WINDOW (40) newest first; when they hold a third of that
    # or more but too few, the wider window (WINDOW_GROWTH x); then the whole match.
    _catalogue(fern_at, 400)
    params = SearchParams(q="Fern Games", sort=Sort.RELEVANCE, page_size=5)
    with CaptureQueriesContext(connection) as queries:
        page = search_jobs(params)
    assert [job.pk for job in page.items] == exhaustive_ranked_ids(params, limit=5)
    reads = _match_reads(queries)
    assert [BOUND in sql for sql in reads] == [True] * bounded + [False] * whole, reads


def test_a_stale_bound_still_gives_the_exhaustive_page(steered_as_big, monkeypatch):
    """Any time is a correct bound (posted_at >= it is a prefix of the newest-first order): one
    read minutes ago, before newer postings came, only holds more of them."""
    _catalogue(range(0, 400, 3), 400)
    stale = timezone.now() - timedelta(days=1)
    monkeypatch.setattr(selectors, "_recent_since", lambda rows: stale)
    params = SearchParams(q="Fern Games", sort=Sort.RELEVANCE, page_size=5)
    assert [job.pk for job in search_jobs(params).items] == exhaustive_ranked_ids(params, limit=5)


def test_a_set_the_planner_knows_is_big_is_read_as_before(steered_as_big, monkeypatch):
    """Estimated past ESTIMATE_ONLY_ABOVE, a set's newest rows are a walk of the posted_at index
    for the planner: cheaper than the bounded read's bitmap of all its words' entries."""
    _catalogue(range(0, 600, 3), 600)
    monkeypatch.setattr(selectors, "ESTIMATE_ONLY_ABOVE", 10)
    params = SearchParams(q="Fern Games", sort=Sort.RELEVANCE, page_size=5)
    with CaptureQueriesContext(connection) as queries:
        page = search_jobs(params)
    assert page.total.is_estimate and page.total.count >= 10
    assert [job.pk for job in page.items] == exhaustive_ranked_ids(params, limit=5)
    (read,) = _match_reads(queries)
    assert BOUND not in read, read


WALKED = 'FROM (SELECT * FROM "jobs_job" WHERE "jobs_job"."is_active" ORDER BY'  # a walk of the newest postings


@pytest.mark.parametrize(("contracts", "walked"), [
    pytest.param((3, 4), True, id="contract on three postings in four: walked"),
    pytest.param((1, 20), False, id="contract on one posting in twenty: bounded"),
])
@pytest.mark.parametrize("size", [1200, 2400])
def test_beside_a_broad_filter_the_match_is_looked_for_by_a_walk_of_the_newest_postings(steered_as_big, size,
                                                                                       contracts, walked):
    # At a million postings the bounded read built the bitmap of contract jobs (79,893 entries)
    # beside 'debt' to keep the few hundred of the 5,000 newest postings, 10-11 ms of 15; a walk
    # of those postings testing the job type, then the text, on each found the newest 21 in 3-4.
    # A filter whose bitmap costs less than the window's rows keeps the bounded read.
    _catalogue(range(0, size, 3), size)
    contract = [pk for i, pk in enumerate(Job.objects.order_by("-posted_at").values_list("pk", flat=True))
                if i % contracts[1] < contracts[0]]
    Job.objects.filter(pk__in=contract).update(job_type="contract")
    Job.objects.exclude(pk__in=contract).update(job_type="full_time")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE jobs_job")
    params = SearchParams(q="Fern Games", job_type=("contract",), sort=Sort.RELEVANCE, page_size=5)
    with CaptureQueriesContext(connection) as queries:
        page = search_jobs(params)
    assert page.total.is_estimate and page.total.big
    assert [job.pk for job in page.items] == exhaustive_ranked_ids(params, limit=5)
    read = _match_reads(queries)[0]  # the first window's (a wider one, or the whole match, may follow)
    assert (WALKED in read, BOUND in read) == (walked, not walked), read
