"""Measure the job search where it matters: on PostgreSQL, with the whole catalogue.

    DATABASE_URL=postgres://.../cc_bench manage.py benchmark_search
    manage.py benchmark_search --common engineer --rare zeppelin --repeat 50

Times, server side and with every cache bypassed (so each run does all its SQL):
- a rare term and a common term (≥ 5% of postings) sorted by relevance;
- the naive way to rank the common term (ts_rank over every match + COUNT(*)), for the ratio;
- newest-first page 1 and page N (keyset cursor), and N by OFFSET for contrast;
- the common term newest-first and with filters; facets; a whole /jobs/ page render.
Then prints EXPLAIN (ANALYZE, BUFFERS) of each hot query and the indexes it used.
Read-only: it writes nothing to the database.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from contextlib import contextmanager

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchRank
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import F
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from jobs import cache as jobs_cache
from jobs import selectors
from jobs.models import Job, search_query
from jobs.selectors import Cursor, SearchParams, Sort, search_jobs
from jobs.api import JobListAPI
from jobs.views import job_list

INDEX_RE = re.compile(r"(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)")


@contextmanager
def caches_bypassed():
    """Every accessor computes afresh: a benchmark of the cache would measure Redis.

    Except the catalogue's size (one EXPLAIN kept for ten minutes): it is no part of a search.
    """
    original = jobs_cache.cached_value
    jobs_cache.cached_value = lambda key, timeout, compute, **kwargs: (
        original(key, timeout, compute, **kwargs) if key == jobs_cache.active_planned_key() else compute()
    )
    try:
        yield
    finally:
        jobs_cache.cached_value = original


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class Command(BaseCommand):
    help = "Benchmark job search on PostgreSQL: p50/p95 per scenario, naive-ranking ratio, EXPLAIN of hot queries."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=40, help="Timed runs per scenario (after 3 warm-ups).")
        parser.add_argument("--common", help="A word matching at least 5%% of postings (default: the one nearest 10%% in a sample).")
        parser.add_argument("--rare", help="A word matching a handful of postings (default: picked from a sample).")
        parser.add_argument("--deep-page", type=int, default=5000)
        parser.add_argument("--naive-repeat", type=int, default=5, help="Runs of the slow naive query.")
        parser.add_argument("--no-explain", action="store_true")

    def handle(self, *args, repeat: int, common: str | None, rare: str | None, deep_page: int, naive_repeat: int,
               no_explain: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("benchmark_search measures PostgreSQL full-text search; set DATABASE_URL.")
        self.repeat = repeat
        total = Job.objects.count()
        active = Job.objects.active().count()
        self.stdout.write(f"Load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        self.stdout.write(f"Database {connection.settings_dict['NAME']}: {total:,} jobs, {active:,} active; "
                          f"{selectors.RELEVANCE_CANDIDATES:,} relevance candidates, count cap {selectors.COUNT_CAP:,}.")
        if total < 1000:
            raise CommandError("Too few jobs to measure anything; seed the database first.")
        common = common or self._pick_term(share=0.10)
        very_common = self._pick_term(share=0.40)
        rare = rare or self._pick_term(share=0.0)
        for label, word in (("common", common), ("very common", very_common), ("rare", rare)):
            matches = Job.objects.active().search(word).count()
            self.stdout.write(f"  {label} term {word!r}: {matches:,} active matches ({matches / active:.1%})")

        page_size = 20
        sample_job = Job.objects.active().select_related("company").order_by("-posted_at")[1000]
        deep_cursor = self._cursor_before_row((deep_page - 1) * page_size)
        scenarios: list[tuple[str, Callable[[], object]]] = [
            ("rare term, relevance", lambda: search_jobs(SearchParams(q=rare, sort=Sort.RELEVANCE))),
            ("common term, relevance", lambda: search_jobs(SearchParams(q=common, sort=Sort.RELEVANCE))),
            ("very common term, relevance", lambda: search_jobs(SearchParams(q=very_common, sort=Sort.RELEVANCE))),
            ("common term, relevance, page 10", lambda: search_jobs(SearchParams(q=common, sort=Sort.RELEVANCE, page=10))),
            ("common term, newest", lambda: search_jobs(SearchParams(q=common, sort=Sort.NEWEST))),
            ("newest, page 1", lambda: search_jobs(SearchParams(sort=Sort.NEWEST))),
            (f"newest, page {deep_page:,} (cursor)", lambda: search_jobs(SearchParams(sort=Sort.NEWEST, page=deep_page, cursor=deep_cursor))),
            ("newest, remote + contract", lambda: search_jobs(SearchParams(sort=Sort.NEWEST, remote=("remote",), job_type=("contract",)))),
            ("salary, page 1", lambda: search_jobs(SearchParams(sort=Sort.SALARY))),
            ("salary at least 150,000 USD a year, by salary", lambda: search_jobs(SearchParams(sort=Sort.SALARY, salary_min=150_000))),
            ("facets, common term", lambda: selectors.job_facets(SearchParams(q=common))),
            ("job detail: job, skills, similar jobs", lambda: selectors.similar_jobs(selectors.job_for_detail(sample_job.pk))),
            (f"company page ({sample_job.company.name}), newest", lambda: search_jobs(SearchParams(company=sample_job.company.slug, sort=Sort.NEWEST))),
        ]
        results = {}
        with caches_bypassed():
            for name, run in scenarios:
                results[name] = self._time(name, run, repeat)
            results["naive"] = self._time("NAIVE common term: rank every match + COUNT(*)", lambda: self._naive(common), naive_repeat)
            page_request = RequestFactory().get("/jobs/", {"q": common})
            page_request.user = AnonymousUser()
            self._time("whole /jobs/?q=common page (view + template, no cache)", lambda: job_list.__wrapped__(page_request), repeat)
            api_view = JobListAPI.as_view(throttle_classes=[])
            self._time("API /api/v1/jobs/?q=common (view + JSON, no cache)",
                       lambda: api_view(APIRequestFactory().get("/api/v1/jobs/", {"q": common})).render(), repeat)

        self.stdout.write("")
        relevance = results["common term, relevance"]
        naive = results["naive"]
        self.stdout.write(f"Naive ranking / bounded ranking, common term: {percentile(naive, 50) / percentile(relevance, 50):.1f}x at p50, "
                          f"{percentile(naive, 95) / percentile(relevance, 95):.1f}x at p95")
        self.stdout.write(f"Newest page {deep_page:,} / page 1 (p95): "
                          f"{percentile(results[f'newest, page {deep_page:,} (cursor)'], 95) / percentile(results['newest, page 1'], 95):.2f}x")
        self._time(f"OFFSET page {deep_page:,} for contrast (not used by the site)",
                   lambda: list(Job.objects.active().for_cards().order_by("-posted_at", "-id")[(deep_page - 1) * page_size:deep_page * page_size]), 5)

        self.stdout.write(f"Load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

        if not no_explain:
            self.stdout.write("\nEXPLAIN (ANALYZE, BUFFERS) of the hot queries")
            with caches_bypassed():
                for name, run in scenarios:
                    self._explain(name, run)

    # --- helpers ----------------------------------------------------------------------------

    def _pick_term(self, *, share: float) -> str:
        """The word whose share of postings in a 1% block sample is closest to `share`."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM jobs_job TABLESAMPLE SYSTEM (1) REPEATABLE (42)")
            (sampled,) = cursor.fetchone()
            cursor.execute(
                "SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM jobs_job TABLESAMPLE SYSTEM (1) REPEATABLE (42)') "
                "WHERE length(word) >= 3 AND word ~ '^[a-z]+$'"
            )
            words = cursor.fetchall()
        if not words or not sampled:
            raise CommandError("Could not sample words; pass --common and --rare.")
        return min(words, key=lambda row: (abs(row[1] / sampled - share), row[0]))[0]

    def _cursor_before_row(self, offset: int) -> Cursor:
        row = Job.objects.active().order_by("-posted_at", "-id").values("posted_at", "pk")[offset - 1 : offset].get()
        return Cursor(after=True, posted_at=row["posted_at"], pk=row["pk"])

    def _naive(self, word: str):
        query = search_query(word)
        matches = Job.objects.active().search(word)
        rows = list(matches.for_cards().annotate(rank=SearchRank(F("search_vector"), query)).order_by("-rank", "-id")[:20])
        return rows, matches.count()

    def _time(self, name: str, run: Callable[[], object], repeat: int) -> list[float]:
        for _ in range(3 if repeat > 3 else 1):
            run()
        samples = []
        with CaptureQueriesContext(connection) as queries:
            for _ in range(repeat):
                began = time.perf_counter()
                run()
                samples.append((time.perf_counter() - began) * 1000)
        per_run = len(queries) / repeat
        self.stdout.write(f"{name:<58} p50 {percentile(samples, 50):8.2f} ms  p95 {percentile(samples, 95):8.2f} ms  "
                          f"max {max(samples):8.2f} ms  ({per_run:.0f} queries/run, n={repeat})")
        return samples

    def _explain(self, name: str, run: Callable[[], object]) -> None:
        with CaptureQueriesContext(connection) as queries:
            run()
        self.stdout.write(f"\n=== {name}")
        settings_sql = None  # a transaction-local SET in force for the queries that follow it
        for captured in queries.captured_queries:
            sql = captured["sql"].strip()
            verb = sql.split(None, 1)[0].upper()
            if verb in ("COMMIT", "RELEASE", "ROLLBACK"):
                settings_sql = None
            if "set_config(" in sql:
                settings_sql = sql
            if verb != "SELECT" or "set_config(" in sql:
                continue
            with transaction.atomic(), connection.cursor() as cursor:
                if settings_sql:
                    cursor.execute(settings_sql)
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            indexes = sorted(set(INDEX_RE.findall(plan)))
            self.stdout.write(f"--- {sql[:200]}{'…' if len(sql) > 200 else ''}")
            if settings_sql:
                self.stdout.write(f"    under: {settings_sql}")
            self.stdout.write(f"    indexes used: {', '.join(indexes) or 'none'}")
            self.stdout.write("    " + plan.replace("\n", "\n    "))
