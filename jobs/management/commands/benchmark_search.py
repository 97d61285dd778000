"""Measure the job search where it matters: on PostgreSQL, with the whole catalogue.

    DATABASE_URL=postgres://.../cc_bench manage.py benchmark_search
    manage.py benchmark_search --common engineer --rare zeppelin --repeat 50

Times, server side and with every cache bypassed (so each run does all its SQL):
- a rare term and a common term (≥ 5% of postings) sorted by relevance;
- the naive way to rank the common term (ts_rank over every match + COUNT(*)), for the ratio;
- newest-first page 1 and page N (keyset cursor), and N by OFFSET for contrast;
- the common term newest-first and with filters; facets; a whole /jobs/ page render.
Then prints EXPLAIN (ANALYZE, BUFFERS) of each hot query and the indexes it used.

    manage.py benchmark_search --matrix --relevance --no-scenarios --no-explain

--matrix: term frequency (none, rare, mid ~10%, common ~40%, three words) x filters
(location, remote, job type, experience, salary, company, skills, posted within, and
combinations): what a /jobs/ page computes (rows and facets, under the search's statement
timeout), caches bypassed, p50/p95 per cell.
--relevance: the judged queries of jobs/relevance_set.py at full size: p50/p95 and the share
of queries whose shown top 10 equals an exhaustive ranking's top 10 (the same ordering,
computed over every match with no bound).
--vocabulary 21-2020: the first anonymous page of each vocabulary term of those frequency ranks
(jobs.SearchTerm: titles, companies, skills, most postings first; the crowd's rarer searches are
ranks 21-2,020), built once each as the view builds it (rows, total, facets, "did you mean"; not
the template), caches bypassed: p50/p95/p99/max, the share of the time spent in the database,
each kind's figures and the slowest terms with their dearest statements. --vocabulary-step 25
takes every 25th rank; --vocabulary-out FILE writes each term's figures and results (ids, total,
facets) as JSON lines, so two trees' runs can be compared term by term.
Read-only: it writes nothing to the database. Runs on older code too (features it lacks are
skipped), so one copy of the catalogue gives before/after figures from the same run.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import time
from collections.abc import Callable
from contextlib import contextmanager, nullcontext

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchRank
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
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

    Except what is the catalogue's, not a search's: its size (one EXPLAIN kept for ten minutes)
    and when its newest few thousand postings begin (jobs.selectors._recent_since, read for minutes).
    """
    original = jobs_cache.cached_value
    kept = {jobs_cache.active_planned_key()}
    recent_since_key = getattr(jobs_cache, "recent_since_key", None)  # older code: none
    jobs_cache.cached_value = lambda key, timeout, compute, **kwargs: (
        original(key, timeout, compute, **kwargs)
        if key in kept or (recent_since_key is not None and key.startswith(recent_since_key(()))) else compute()
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
        parser.add_argument("--very-common", help="A word matching ~40%% of postings (default: picked from a sample).")
        parser.add_argument("--rare", help="A word matching a handful of postings (default: picked from a sample).")
        parser.add_argument("--deep-page", type=int, default=5000)
        parser.add_argument("--naive-repeat", type=int, default=5, help="Runs of the slow naive query.")
        parser.add_argument("--no-explain", action="store_true")
        parser.add_argument("--no-scenarios", action="store_true", help="Skip the scenario list (and its EXPLAINs).")
        parser.add_argument("--matrix", action="store_true", help="Term frequency x filters, p50/p95 per cell.")
        parser.add_argument("--matrix-repeat", type=int, default=10)
        parser.add_argument("--matrix-rows", help="Only these filter rows of the matrix (comma-separated names, e.g. 'skills,remote+salary+skills').")
        parser.add_argument("--relevance", action="store_true", help="The relevance set's queries: latency and top-10 agreement.")
        parser.add_argument("--three-words", default="senior data engineer")
        parser.add_argument("--vocabulary", metavar="FIRST-LAST",
                            help="The first search page of each vocabulary term of these frequency ranks (1 = most postings), e.g. 21-2020.")
        parser.add_argument("--vocabulary-step", type=int, default=1, help="Every Nth rank of --vocabulary.")
        parser.add_argument("--vocabulary-out", metavar="FILE", help="Each term's figures and results as JSON lines.")
        parser.add_argument("--slowest", type=int, default=10, help="How many of the slowest vocabulary terms to detail.")

    def handle(self, *args, repeat: int, common: str | None, rare: str | None, deep_page: int, naive_repeat: int,
               no_explain: bool, no_scenarios: bool = False, matrix: bool = False, matrix_repeat: int = 10,
               relevance: bool = False, three_words: str = "senior data engineer", very_common: str | None = None,
               matrix_rows: str | None = None, vocabulary: str | None = None, vocabulary_step: int = 1,
               vocabulary_out: str | None = None, slowest: int = 10, **options):
        if connection.vendor != "postgresql":
            raise CommandError("benchmark_search measures PostgreSQL full-text search; set DATABASE_URL.")
        self.repeat = repeat
        total = Job.objects.count()
        active = Job.objects.active().count()
        self.stdout.write(f"Load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        self.stdout.write(f"Database {connection.settings_dict['NAME']}: {total:,} jobs, {active:,} active; "
                          f"count cap {selectors.COUNT_CAP:,}.")
        if total < 1000:
            raise CommandError("Too few jobs to measure anything; seed the database first.")
        if vocabulary:
            self._vocabulary(_ranks(vocabulary), step=vocabulary_step, out=vocabulary_out, slowest=slowest)
            if no_scenarios and not (matrix or relevance):
                self.stdout.write(f"Load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
                return
        common = common or self._pick_term(share=0.10)
        very_common = very_common or self._pick_term(share=0.40)
        rare = rare or self._pick_term(share=0.0)
        for label, word in (("common", common), ("very common", very_common), ("rare", rare)):
            matches = Job.objects.active().search(word).count()
            self.stdout.write(f"  {label} term {word!r}: {matches:,} active matches ({matches / active:.1%})")

        if matrix:
            self._matrix(rare=rare, mid=common, common=very_common, three_words=three_words, repeat=matrix_repeat,
                         rows=matrix_rows.split(",") if matrix_rows else None)
        if relevance:
            self._relevance(repeat=matrix_repeat)
        if no_scenarios:
            self.stdout.write(f"Load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            return
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

    # --- the matrix and the relevance set ----------------------------------------------------

    def _page_work(self, params: SearchParams) -> Callable[[], object]:
        """What /jobs/ computes for these parameters: rows and facets, under the deadline if any,
        in one page scope as the view has them (jobs.views.job_list: what a page reads once, such
        as the aliases and the planner's estimates, is read once for the rows and the facets)."""
        from jobs import search as search_module

        deadline = getattr(selectors, "search_deadline", None)
        one_page = getattr(search_module, "aliases_read_once", nullcontext)  # older code: none

        def page():
            results = search_jobs(params)
            candidates = getattr(results, "candidates", None)  # older code: none
            if "total" in inspect.signature(selectors.job_facets).parameters:  # as the view calls it
                return results, selectors.job_facets(params, candidates=candidates, total=results.total)
            return results, (selectors.job_facets(params, candidates=candidates) if candidates is not None
                             else selectors.job_facets(params))

        def run():
            with deadline() if deadline is not None else nullcontext(), one_page():
                return page()

        return run

    def _filter_values(self) -> dict[str, dict]:
        """Filter values a seeker would pick, read from the catalogue (a mid-sized company, a common skill)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT c.slug FROM jobs_company c JOIN jobs_job j ON j.company_id = c.id "
                           "WHERE j.id IN (SELECT id FROM jobs_job TABLESAMPLE SYSTEM (1) REPEATABLE (7)) "
                           "GROUP BY c.slug ORDER BY count(*) DESC, c.slug LIMIT 1")
            company = cursor.fetchone()[0]
            cursor.execute("SELECT s.slug FROM jobs_skill s WHERE s.slug IN ('python', 'sql', 'javascript') ORDER BY s.slug <> 'python', s.slug LIMIT 1")
            row = cursor.fetchone()
            cursor.execute("SELECT location FROM jobs_job TABLESAMPLE SYSTEM (1) REPEATABLE (7) WHERE location <> '' "
                           "GROUP BY location ORDER BY count(*) DESC, location LIMIT 1")
            location = cursor.fetchone()[0]
        skill = row[0] if row else Job.objects.values_list("skills__slug", flat=True).exclude(skills__slug=None).first()
        single = {
            "location": {"location": location.split(",")[0][:20]},
            "remote": {"remote": ("remote",)},
            "job type": {"job_type": ("contract",)},
            "experience": {"experience": ("senior",)},
            "salary >= 150k": {"salary_min": 150_000},
            "company": {"company": company},
            "skills": {"skills": (skill,)},
            "posted within 7d": {"posted_within": 7},
        }
        combos = {
            "remote+salary+skills": {**single["remote"], **single["salary >= 150k"], **single["skills"]},
            "location+type+experience": {**single["location"], **single["job type"], **single["experience"]},
            "all eight": {key: value for values in single.values() for key, value in values.items()},
        }
        return {"none": {}, **single, **combos}

    def _matrix(self, *, rare: str, mid: str, common: str, three_words: str, repeat: int, rows: list[str] | None = None) -> None:
        filters = self._filter_values()
        if rows:
            unknown = set(rows) - set(filters)
            if unknown:
                raise CommandError(f"Unknown matrix rows {sorted(unknown)}; known: {', '.join(filters)}")
            filters = {name: filters[name] for name in rows} | {"all eight": filters["all eight"]}
        terms = {"no term": "", f"rare '{rare}'": rare, f"mid '{mid}'": mid, f"common '{common}'": common,
                 f"3 words '{three_words}'": three_words}
        self.stdout.write(f"\nMatrix: rows + facets per page (relevance with a term, newest without), caches bypassed, "
                          f"n={repeat}; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        self.stdout.write("  filter values: " + "; ".join(f"{k}={v}" for k, v in filters["all eight"].items()))
        if rows and "all eight" not in rows:
            del filters["all eight"]
        header = f"{'filters':<26}" + "".join(f"{name[:28]:>30}" for name in terms)
        self.stdout.write(header + "\n" + f"{'':<26}" + "".join(f"{'p50 / p95 / SQL p95 ms (q)':>30}" for _ in terms))
        with caches_bypassed():
            for filter_name, values in filters.items():
                cells = []
                for term in terms.values():
                    params = SearchParams(q=term, sort=Sort.RELEVANCE if term else Sort.NEWEST, **values)
                    try:
                        samples, queries, sql = self._samples(self._page_work(params), repeat, sql_time=True)
                    except Exception as error:  # the statement timeout (SearchTimedOut) or any other failure
                        cells.append(f"{type(error).__name__[:30]}")
                        continue
                    cells.append(f"{percentile(samples, 50):.0f} / {percentile(samples, 95):.0f} / {percentile(sql, 95):.0f} ({queries:.0f})")
                self.stdout.write(f"{filter_name:<26}" + "".join(f"{cell:>30}" for cell in cells))

    def _samples(self, run: Callable[[], object], repeat: int, *, sql_time: bool = False):
        """Page ms of each run and statements per run; with `sql_time`, also each run's ms
        spent in the database (its statements' round trips, timed by an execute wrapper)."""
        run()
        samples, sql = [], []
        spent = [0.0]

        def timed(execute, *args):
            began = time.perf_counter()
            try:
                return execute(*args)
            finally:
                spent[0] += time.perf_counter() - began

        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timed):
            for _ in range(repeat):
                spent[0] = 0.0
                began = time.perf_counter()
                run()
                samples.append((time.perf_counter() - began) * 1000)
                sql.append(spent[0] * 1000)
        if sql_time:
            return samples, len(queries) / repeat, sql
        return samples, len(queries) / repeat

    def _exhaustive_top(self, query: str, limit: int) -> list[int]:
        exhaustive = getattr(selectors, "exhaustive_ranked_ids", None)
        if exhaustive is not None:
            return exhaustive(SearchParams(q=query), limit)
        # Code before issue 14: ts_rank over every match, ties by recency then id.
        ranked = (Job.objects.active().search(query).annotate(rank=SearchRank(F("search_vector"), search_query(query)))
                  .order_by("-rank", "-posted_at", "-id"))
        return list(ranked.values_list("pk", flat=True)[:limit])

    def _relevance(self, *, repeat: int) -> None:
        from jobs.relevance_set import JUDGEMENTS

        self.stdout.write(f"\nRelevance set at full size: {len(JUDGEMENTS)} queries, sort=relevance, page of 10, "
                          f"caches bypassed, n={repeat} each; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        everything, agree, slowest = [], 0, []
        with caches_bypassed():
            for query in JUDGEMENTS:
                params = SearchParams(q=query, sort=Sort.RELEVANCE, page_size=10)
                samples, _ = self._samples(lambda: search_jobs(params), repeat)
                everything += samples
                slowest.append((percentile(samples, 95), query))
                shown = [job.pk for job in search_jobs(params).items]
                same = shown == self._exhaustive_top(query, 10)
                agree += same
                if not same:
                    self.stdout.write(f"  top 10 differs from the exhaustive ranking: {query!r}")
        self.stdout.write(f"  all queries: p50 {percentile(everything, 50):.1f} ms, p95 {percentile(everything, 95):.1f} ms; "
                          f"slowest p95: " + ", ".join(f"{q!r} {ms:.0f} ms" for ms, q in sorted(slowest, reverse=True)[:5]))
        self.stdout.write(f"  shown top 10 = exhaustive top 10: {agree}/{len(JUDGEMENTS)} ({agree / len(JUDGEMENTS):.0%})")
        try:
            from jobs import vocabulary
        except ImportError:  # code before issue 14: no suggestions
            return
        prefixes = sorted({query[:n] for query in JUDGEMENTS for n in (2, 3, 4, 6) if len(query) >= n})
        samples = []
        for _ in range(repeat):
            for prefix in prefixes:
                began = time.perf_counter()
                vocabulary._compute_suggestions(prefix, vocabulary.SUGGESTIONS)  # the query, no cache
                samples.append((time.perf_counter() - began) * 1000)
        self.stdout.write(f"  suggestions ({len(prefixes)} prefixes of those queries, uncached): "
                          f"p50 {percentile(samples, 50):.2f} ms, p95 {percentile(samples, 95):.2f} ms")

    # --- the vocabulary ---------------------------------------------------------------------

    def _vocabulary(self, ranks: tuple[int, int], *, step: int, out: str | None, slowest: int) -> None:
        from jobs.models import SearchTerm

        first, last = ranks
        terms = list(SearchTerm.objects.order_by("-frequency", "key").values_list("term", "kind", "frequency")[first - 1 : last])
        chosen = [(first + i, *term) for i, term in enumerate(terms) if i % max(step, 1) == 0]
        if not chosen:
            raise CommandError(f"No vocabulary terms at ranks {first}-{last}; run refresh_search_terms.")
        self.stdout.write(f"\nVocabulary ranks {first:,}-{last:,}" + (f", one rank in {step}" if step > 1 else "")
                          + f": {len(chosen):,} terms, each term's first anonymous page once (rows, total, facets, "
                          f"did you mean), caches bypassed; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        built = []
        with caches_bypassed(), open(out, "w") if out else _nowhere() as lines:
            for rank, term, kind, frequency in chosen:
                page = _first_page_measured(term)
                page.update(rank=rank, term=term, kind=kind, frequency=frequency)
                built.append(page)
                if lines is not None:
                    lines.write(json.dumps(page) + "\n")
        timed = [page["ms"] for page in built]
        sql = [page["sql_ms"] for page in built]
        spent, in_sql = sum(timed), sum(sql)
        self.stdout.write(f"  page ms: p50 {percentile(timed, 50):.1f}, p95 {percentile(timed, 95):.1f}, "
                          f"p99 {percentile(timed, 99):.1f}, max {max(timed):.1f}; statements a page p50 "
                          f"{percentile([page['statements'] for page in built], 50):.0f}")
        self.stdout.write(f"  SQL ms: p50 {percentile(sql, 50):.1f}, p95 {percentile(sql, 95):.1f}, p99 {percentile(sql, 99):.1f}, "
                          f"max {max(sql):.1f}; time in the database {in_sql / spent:.0%}, in Python {1 - in_sql / spent:.0%} "
                          f"(total {spent / 1000:.1f} s)")
        timed_out = [page["term"] for page in built if page["timed_out"]]
        self.stdout.write(f"  cancelled at the statement timeout: {len(timed_out)}" + (f" ({', '.join(timed_out[:10])})" if timed_out else ""))
        for kind in sorted({page["kind"] for page in built}):
            of_kind = [page["ms"] for page in built if page["kind"] == kind]
            self.stdout.write(f"  {kind:<8} n={len(of_kind):<5} p50 {percentile(of_kind, 50):6.1f}  p95 {percentile(of_kind, 95):6.1f}  "
                              f"max {max(of_kind):6.1f} ms")
        self.stdout.write(f"  slowest {min(slowest, len(built))}:")
        for page in sorted(built, key=lambda page: page["ms"], reverse=True)[:slowest]:
            self.stdout.write(f"    {page['term']!r} ({page['kind']}, rank {page['rank']:,}, {page['frequency']:,} postings): "
                              f"{page['ms']:.1f} ms, SQL {page['sql_ms']:.1f} ms in {page['statements']} statements, total {page['total']}")
            for ms, sql_text in page["dearest"]:
                self.stdout.write(f"      {ms:7.1f} ms  {sql_text}")

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


def _ranks(text: str) -> tuple[int, int]:
    """'21-2020' -> (21, 2020), frequency ranks counted from 1."""
    first, _, last = text.partition("-")
    try:
        ranks = int(first), int(last or first)
    except ValueError:
        raise CommandError(f"--vocabulary takes FIRST-LAST ranks, e.g. 21-2020, not {text!r}") from None
    if not 1 <= ranks[0] <= ranks[1]:
        raise CommandError(f"--vocabulary takes ranks 1 <= FIRST <= LAST, not {text!r}")
    return ranks


@contextmanager
def _nowhere():
    yield None


@contextmanager
def _statements_timed(spent: list[list]):
    """Each statement's SQL and the ms spent on it: its execute and, for a server-side cursor
    (a window walk), the fetches of its rows, where the database computes them."""
    by_cursor: dict[int, list] = {}
    fetchmany = CursorWrapper.fetchmany if "fetchmany" in vars(CursorWrapper) else None

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            record = [sql, (time.perf_counter() - began) * 1000]
            spent.append(record)
            by_cursor[id(context["cursor"])] = record

    def timed_fetchmany(self, *args, **kwargs):
        began = time.perf_counter()
        try:
            with self.db.wrap_database_errors:  # as CursorWrapper's own: a cancelled fetch is an OperationalError
                return self.cursor.fetchmany(*args, **kwargs)
        finally:
            if id(self) in by_cursor:
                by_cursor[id(self)][1] += (time.perf_counter() - began) * 1000

    CursorWrapper.fetchmany = timed_fetchmany
    try:
        with connection.execute_wrapper(timed):
            yield
    finally:
        if fetchmany is None:
            del CursorWrapper.fetchmany
        else:
            CursorWrapper.fetchmany = fetchmany


DEAREST_SHOWN = 3
_WHITESPACE = re.compile(r"\s+")


def _first_page_measured(term: str) -> dict:
    """A term's first anonymous /jobs/ page as the view builds it (jobs.views.job_list, less the
    template): its ms, its ms in the database, its dearest statements and what it showed."""
    from jobs.forms import JobSearchForm
    from jobs.search import aliases_read_once
    from jobs.vocabulary import FEW_RESULTS, did_you_mean

    form = JobSearchForm({"q": term})
    if not form.is_valid():
        raise CommandError(f"The vocabulary term {term!r} is not a valid search: {form.errors.as_text()}")
    params = form.params()
    spent: list[list] = []
    page: dict = {"timed_out": False, "ids": [], "total": "", "facets": {}}
    began = time.perf_counter()
    with _statements_timed(spent):
        try:
            with selectors.search_deadline(search=term), aliases_read_once():
                results = search_jobs(params)
                facets = selectors.job_facets(params, candidates=results.candidates, total=results.total)
                if params.q and results.total.count < FEW_RESULTS and not results.total.is_estimate:
                    did_you_mean(params.q)
            page.update(ids=[job.pk for job in results.items], total=str(results.total),
                        facets={name: {value.value: value.count for value in values if value.count}
                                for name, values in facets.items()})
        except selectors.SearchTimedOut:
            page["timed_out"] = True
    page["ms"] = (time.perf_counter() - began) * 1000
    page["sql_ms"] = sum(ms for _sql, ms in spent)
    page["statements"] = len(spent)
    page["dearest"] = [(round(ms, 1), _WHITESPACE.sub(" ", sql)[:220]) for sql, ms in sorted(spent, key=lambda s: s[1], reverse=True)[:DEAREST_SHOWN]]
    return page
