"""A page with facets chosen reads its set without them, when small, in its own set's place: its
matches are the rows with the chosen values, and the chosen facets are counted off all the rows,
so the facets read nothing again (at a million postings 'senior data engineer' + remote + salary
>= 150k + python counted its 256 matches in 54 ms, then sampled the 784 without the remote
filter in 59 ms, both reads of the three words' entries)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs import selectors
from jobs.models import Job
from jobs.search import aliases_read_once
from jobs.selectors import SearchParams, Sort, filtered_jobs, job_facets, search_jobs
from jobs.tests.conftest import postgres_only
from jobs.tests.factories import CompanyFactory

pytestmark = [pytest.mark.django_db, postgres_only]

POLICIES = ("remote", "onsite", "hybrid")
REMOTE_FILTER, TYPE_FILTER = '"jobs_job"."remote_policy" IN', '"jobs_job"."job_type" IN'
TYPES = ("full_time", "contract")
BUDGET = 12


def _postings(n: int, every: int = 3) -> None:
    """`n` postings, one in `every` with the word zebra, remote policies and job types in turn."""
    company = CompanyFactory()
    Job.objects.bulk_create([
        Job(title=f"Developer {i}", slug=f"developer-{i}", description="Zebra code." if i % every == 0 else "Python code.",
            company=company, source="test", external_id=f"bulk-{i}", remote_policy=POLICIES[i % 5 % 3],
            job_type=TYPES[i % 7 % 2]) for i in range(n)
    ], batch_size=100)
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('job_search_vector_gin'::regclass)")
        cursor.execute("ANALYZE jobs_job")


@pytest.fixture
def catalogue():
    _postings(120)


def _page(params: SearchParams):
    with CaptureQueriesContext(connection) as queries, aliases_read_once():
        page = search_jobs(params)
        facets = job_facets(params, candidates=page.candidates, total=page.total)
    sqls = [query["sql"] for query in queries.captured_queries]
    counted = {name: {value.value: value.count for value in values if value.count} for name, values in facets.items()}
    return page, counted, sqls


def _expected(params: SearchParams) -> tuple[list[int], dict]:
    """The page's matches, and each chosen facet's counts without its own filter (the rule of the facets)."""
    ids = sorted(filtered_jobs(params).values_list("pk", flat=True))
    chosen = [name for name in selectors.FACETS if getattr(params, name)]
    facets = {}
    for name in chosen:
        column = selectors.FACETS[name][0]
        others = SearchParams(**{**{field: getattr(params, field) for field in ("q", "remote", "job_type", "experience")}, name: ()})
        values = list(filtered_jobs(others).values_list(column, flat=True))
        facets[name] = {value: values.count(value) for value in set(values)}
    return ids, facets


@pytest.mark.parametrize("params", [
    SearchParams(q="zebra", remote=("remote",), sort=Sort.RELEVANCE),
    SearchParams(q="zebra", remote=("remote", "hybrid"), job_type=("contract",), sort=Sort.NEWEST),
], ids=["one facet chosen", "two facets chosen"])
def test_it_reads_the_set_without_the_chosen_facets_once_for_the_page_and_its_facets(monkeypatch, catalogue, params):
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 10)
    monkeypatch.setattr(selectors, "COUNT_CAP", 50)
    monkeypatch.setattr(selectors, "UNCHOSEN_READ_MAX", 50)
    page, facets, sqls = _page(params)
    ids, expected = _expected(params)
    assert not page.total.is_estimate and page.total.count == len(ids)
    assert sorted(row.pk for row in page.candidates.rows) == ids
    assert {name: facets[name] for name in expected} == expected
    # One read of the matches, without the chosen filters; no facet sample after it.
    reads = [sql for sql in sqls if "count(*) OVER ()" in sql]
    assert len(reads) == 1 and REMOTE_FILTER not in reads[0] and TYPE_FILTER not in reads[0], reads
    assert not any("COUNT(*) FROM (SELECT" in sql for sql in sqls), sqls


def test_it_reads_the_pages_own_set_when_the_set_without_the_chosen_facets_is_bigger_than_counted(monkeypatch, catalogue):
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 10)
    monkeypatch.setattr(selectors, "COUNT_CAP", 30)  # zebra: 40 postings, 16 remote
    monkeypatch.setattr(selectors, "WHOLE_SET_FACTOR", 1)  # a set read whole up to COUNT_CAP only
    monkeypatch.setattr(selectors, "UNCHOSEN_READ_MAX", 1000)  # however many the planner expects
    params = SearchParams(q="zebra", remote=("remote",), sort=Sort.RELEVANCE)
    page, facets, sqls = _page(params)
    ids, expected = _expected(params)
    assert not page.total.is_estimate and page.total.count == len(ids)
    assert [job.pk for job in page.items] == selectors.exhaustive_ranked_ids(params, limit=20)
    reads = [sql for sql in sqls if "count(*) OVER ()" in sql]
    assert len(reads) == 2 and REMOTE_FILTER not in reads[0] and REMOTE_FILTER in reads[1], reads
    assert facets["remote"] == expected["remote"]  # from the facets' own sample, as before


def test_it_reads_the_pages_own_set_when_the_planner_expects_the_set_without_the_chosen_facets_big(monkeypatch, catalogue):
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 10)
    monkeypatch.setattr(selectors, "COUNT_CAP", 50)
    monkeypatch.setattr(selectors, "UNCHOSEN_READ_MAX", 5)
    params = SearchParams(q="zebra", remote=("remote",), sort=Sort.RELEVANCE)
    page, facets, sqls = _page(params)
    ids, expected = _expected(params)
    assert page.total.count == len(ids) and facets["remote"] == expected["remote"]
    reads = [sql for sql in sqls if "count(*) OVER ()" in sql]
    assert len(reads) == 1 and REMOTE_FILTER in reads[0], reads


@pytest.mark.parametrize("postings", [240, 960])
def test_a_page_read_with_its_chosen_facets_unset_has_a_fixed_query_budget(monkeypatch, django_assert_num_queries, postings):
    _postings(postings, every=12)  # 20 or 80 with the word
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 10)
    monkeypatch.setattr(selectors, "COUNT_CAP", 200)
    monkeypatch.setattr(selectors, "UNCHOSEN_READ_MAX", 200)
    params = SearchParams(q="zebra", remote=("remote",), sort=Sort.RELEVANCE)
    # The deadline (3), the aliases, the open postings' estimate, the page's set's, the set's
    # without its chosen facet and the word's; the count read of that set and its settings (2);
    # the cards, their skills. The facets nothing.
    with django_assert_num_queries(BUDGET):
        with selectors.search_deadline(), aliases_read_once():
            page = search_jobs(params)
            job_facets(params, candidates=page.candidates, total=page.total)
    assert page.items and page.candidates.unchosen


def test_it_serves_a_page_past_count_cap_from_the_set_without_the_chosen_facets_read_whole(monkeypatch, catalogue):
    monkeypatch.setattr(selectors, "BIG_CATALOGUE", 10)
    monkeypatch.setattr(selectors, "COUNT_CAP", 15)  # zebra: 40 postings, 16 remote
    monkeypatch.setattr(selectors, "WHOLE_SET_FACTOR", 3)  # the 40 read whole
    monkeypatch.setattr(selectors, "UNCHOSEN_READ_MAX", 50)
    params = SearchParams(q="zebra", remote=("remote",), sort=Sort.RELEVANCE, page_size=5)
    page, facets, sqls = _page(params)
    ids, expected = _expected(params)
    assert str(page.total) == "15+" and page.total.count == len(ids) == 16
    assert [job.pk for job in page.items] == selectors.exhaustive_ranked_ids(params, limit=5)
    assert facets["remote"] == expected["remote"]
    assert len([sql for sql in sqls if "count(*) OVER ()" in sql]) == 1
