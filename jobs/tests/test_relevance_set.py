"""The relevance test set: judged queries over a fixed catalogue, NDCG@10 must not drop.

RECORDED is the mean NDCG@10 of this code; BEFORE what the search gave before issue 14
(the same file run against that code: websearch_to_tsquery on the stemmed document, ts_rank
over the first 500 matches). Raise RECORDED when the ranking improves; it may never fall.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.selectors import SearchParams, Sort, exhaustive_ranked_ids, search_jobs
from jobs.tests.conftest import postgres_only
from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory
from jobs.relevance_set import CATALOGUE, JUDGEMENTS, ndcg_at_10

pytestmark = [pytest.mark.django_db, postgres_only]

BEFORE = 0.7648  # main at a11134e, this same file (notes/search.md)
RECORDED = 0.9375  # 0.9393 while aliases also widened the stemmed side; 0.0018 traded for bounded cost (notes)


def build_catalogue() -> None:
    now = timezone.now()
    company = CompanyFactory(name="Relevance Test Co")
    skills: dict[str, object] = {}
    for title, skill_names, description, days in CATALOGUE:
        for name in skill_names:
            if name not in skills:
                slug = name.lower().replace("+", "p").replace("#", "sharp").replace(".", "dot").replace(" ", "-")
                skills[name] = SkillFactory(name=name, slug=slug)
        JobFactory(title=title, company=company, description=description, posted_at=now - timedelta(days=days),
                   skills=[skills[name] for name in skill_names])


def shown_titles(query: str) -> list[str]:
    page = search_jobs(SearchParams(q=query, sort=Sort.RELEVANCE, page_size=10))
    return [job.title for job in page.items]


def test_the_set_is_big_enough():
    assert len(JUDGEMENTS) >= 40
    titles = {title for title, *_ in CATALOGUE}
    assert all(title in titles for grades in JUDGEMENTS.values() for title in grades)


def test_ndcg_at_10_does_not_drop(capsys):
    build_catalogue()
    scores = {query: ndcg_at_10(shown_titles(query), grades) for query, grades in JUDGEMENTS.items()}
    mean = sum(scores.values()) / len(scores)
    with capsys.disabled():
        print(f"\nNDCG@10 over {len(scores)} queries: {mean:.4f}")
        for query, score in sorted(scores.items(), key=lambda item: item[1])[:10]:
            print(f"  {score:.3f}  {query!r}: {shown_titles(query)[:5]}")
    assert mean >= RECORDED - 1e-9


def test_the_shown_top_10_is_the_exhaustive_ranking_top_10():
    build_catalogue()
    for query in JUDGEMENTS:
        shown = [job.pk for job in search_jobs(SearchParams(q=query, sort=Sort.RELEVANCE, page_size=10)).items]
        assert shown == exhaustive_ranked_ids(SearchParams(q=query), limit=10), query


def test_both_ways_to_a_page_show_the_same_rows(monkeypatch):
    """A small set's page is ordered from the matches the total read (Candidates); a big set's,
    or one whose total came from the cache, from the tiers' bounded index reads. Same order."""
    from jobs import cache as jobs_cache
    from jobs import selectors

    build_catalogue()
    asked = [SearchParams(q=query, sort=sort, page_size=size, page=number) for query in [*JUDGEMENTS, ""]
             for sort in (Sort.RELEVANCE, Sort.NEWEST) for size, number in ((10, 1), (3, 2))]
    from_candidates = {}
    for params in asked:
        jobs_cache.bump_catalogue_generation()  # the total computed afresh, not from the cache
        page = search_jobs(params)
        assert page.candidates is not None, params
        from_candidates[params] = ([job.pk for job in page.items], page.has_next, page.next_cursor)
    monkeypatch.setattr(selectors, "ESTIMATE_ONLY_ABOVE", 0)  # every total an estimate: no candidates
    for params in asked:
        page = search_jobs(params)
        assert page.candidates is None, params
        assert ([job.pk for job in page.items], page.has_next, page.next_cursor) == from_candidates[params], params


@pytest.mark.parametrize("batch", [1, 100])
@pytest.mark.parametrize("window", [3, 12, 5000])
def test_a_tier_read_among_the_newest_postings_gives_the_same_rows(monkeypatch, window, batch):
    """A big set's tiers are first looked for among the RECENT_WINDOW newest postings; a window
    holding too few falls back to the whole tier. Either way, the same first rows as the exhaustive order."""
    from jobs import selectors
    from jobs.search import current_aliases, parse_query

    build_catalogue()
    monkeypatch.setattr(selectors, "RECENT_WINDOW", window)
    monkeypatch.setattr(selectors, "WINDOW_BATCH", batch)
    for query in JUDGEMENTS:
        for want in (3, 11):
            params = SearchParams(q=query, sort=Sort.RELEVANCE)
            qs = selectors.filtered_jobs(params)
            unmatched = selectors.filtered_jobs(SearchParams())
            parsed = parse_query(query, current_aliases())
            windowed = selectors._ranked_ids(qs, parsed, want, unmatched=unmatched, window=True)
            assert windowed == exhaustive_ranked_ids(params, limit=want), (query, want)


def test_the_window_walk_reads_no_row_past_the_best_tiers_last_needed_one(monkeypatch):
    """Once `want` rows of the best tier are read, the page is answered: the walk stops there
    (its later rows are never converted), and the page is still the exhaustive one."""
    from jobs import selectors
    from jobs.search import current_aliases, parse_query

    build_catalogue()
    monkeypatch.setattr(selectors, "WINDOW_BATCH", 1)
    read: list[list] = []
    original = selectors._newest_window_rows

    def recorded(*args, **kwargs):
        rows = original(*args, **kwargs)
        read.append(rows)
        return rows

    monkeypatch.setattr(selectors, "_newest_window_rows", recorded)
    query, want = "engineer", 2
    params = SearchParams(q=query, sort=Sort.RELEVANCE)
    parsed = parse_query(query, current_aliases())
    windowed = selectors._ranked_ids(selectors.filtered_jobs(params), parsed, want,
                                     unmatched=selectors.filtered_jobs(SearchParams()), window=True)
    assert windowed == exhaustive_ranked_ids(params, limit=want)
    walk = read[0]
    best = [row for row in walk if row[2] == selectors.RELEVANCE_TIERS]
    assert len(best) == want and walk[-1] == best[-1], walk
    every = selectors.filtered_jobs(params).filter(title__icontains="engineer").count()
    assert len(walk) < every


@pytest.mark.parametrize("in_a_transaction", [
    pytest.param(True, id="in-a-transaction"),
    pytest.param(False, id="autocommit", marks=pytest.mark.django_db(transaction=True)),
])
def test_the_window_walk_is_a_server_side_cursor_so_the_database_stops_where_the_reading_does(monkeypatch, in_a_transaction):
    """The walk's rows come WINDOW_BATCH at a time from a cursor the database keeps open: it
    computes no row past the batch holding the last one needed (a client-side cursor computed
    all 5,000). Not WITH HOLD, which would compute them all at the first commit: the read
    opens a transaction of its own when none is open (a page runs under search_deadline's)."""
    from django.db import connection, transaction

    from jobs import selectors
    from jobs.search import current_aliases, parse_query

    build_catalogue()
    monkeypatch.setattr(selectors, "WINDOW_BATCH", 1)
    seen: list[tuple] = []
    original = selectors._newest_window_rows

    def watched(read, size, enough=None, **kwargs):
        def looking(row):
            with connection.cursor() as cursor:
                cursor.execute("SELECT is_holdable FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
                seen.extend(cursor.fetchall())
            return enough(row)

        return original(read, size, looking if enough else None, **kwargs)

    monkeypatch.setattr(selectors, "_newest_window_rows", watched)
    query, want = "engineer", 2
    params = SearchParams(q=query, sort=Sort.RELEVANCE)

    def ranked():
        return selectors._ranked_ids(selectors.filtered_jobs(params), parse_query(query, current_aliases()), want,
                                     unmatched=selectors.filtered_jobs(SearchParams()), window=True)

    if in_a_transaction:
        with transaction.atomic():
            windowed = ranked()
    else:
        windowed = ranked()
        assert connection.get_autocommit() and not connection.in_atomic_block
    assert windowed == exhaustive_ranked_ids(params, limit=want)
    assert seen and set(seen) == {(False,)}


def test_the_window_walk_asks_first_for_the_pages_rows_and_never_past_the_windows_end(monkeypatch):
    """Each fetch is a round trip and makes the database walk on until it has that many rows: the
    first asks for the page's rows (they may be all it takes), the next ones as many as the best
    tier's share of the rows read says will complete the page (all the rest when none of it came
    yet), and a fetch that comes back short is the window's end: no fetch more to learn it."""
    from django.db import connection

    from jobs import selectors
    from jobs.search import current_aliases, parse_query

    build_catalogue()
    fetches: list[list[tuple[int, int]]] = []
    chunked_cursor = connection.chunked_cursor

    class Recorded:
        def __init__(self, cursor):
            self.cursor = cursor
            fetches.append([])

        def __enter__(self):
            self.cursor.__enter__()
            return self

        def __exit__(self, *exc):
            return self.cursor.__exit__(*exc)

        def execute(self, *args):
            return self.cursor.execute(*args)

        def fetchmany(self, size):
            rows = self.cursor.fetchmany(size)
            fetches[-1].append((size, len(rows)))
            return rows

    monkeypatch.setattr(connection, "chunked_cursor", lambda: Recorded(chunked_cursor()))
    want = 3
    for query in JUDGEMENTS:
        params = SearchParams(q=query, sort=Sort.RELEVANCE)
        windowed = selectors._ranked_ids(selectors.filtered_jobs(params), parse_query(query, current_aliases()), want,
                                         unmatched=selectors.filtered_jobs(SearchParams()), window=True)
        assert windowed == exhaustive_ranked_ids(params, limit=want), query
        walk = fetches[-1]
        assert walk[0][0] == want, (query, walk)
        assert all(got == asked for asked, got in walk[:-1]), (query, walk)  # only the last may come back short
    assert any(len(walk) > 1 for walk in fetches)


def test_the_tiers_read_one_by_one_give_the_same_rows():
    """A big catalogue reads the tiers best first and stops once they fill the page (stepwise)."""
    from jobs import selectors
    from jobs.search import current_aliases, parse_query

    build_catalogue()
    for query in JUDGEMENTS:
        for want in (1, 3, 11, 40):
            params = SearchParams(q=query, sort=Sort.RELEVANCE)
            args = (selectors.filtered_jobs(params), parse_query(query, current_aliases()), want)
            unmatched = selectors.filtered_jobs(SearchParams())
            stepwise = selectors._ranked_ids(*args, unmatched=unmatched, stepwise=True)
            assert stepwise == selectors._ranked_ids(*args, unmatched=unmatched) == exhaustive_ranked_ids(params, limit=want), (query, want)
