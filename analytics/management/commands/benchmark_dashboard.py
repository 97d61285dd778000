"""Measure /dashboard/: latency percentiles, throughput, queries per request, snapshot cache hits.

In-process (Django's test client, default) or over HTTP against a running server (--base-url),
for a sample of users that have stored metrics. Sessions are made for the sampled users and
removed afterwards; nothing else is written.
"""

from __future__ import annotations

import random
import re
import statistics
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.test import Client
from prometheus_client import REGISTRY

from analytics.models import UserMetrics
from analytics.cache import bump_all_user_metrics

PATH = "/dashboard/"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect (to the login page: the server did not accept the session) is a failure, not a page."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(share * (len(sorted_values) - 1))))
    return sorted_values[index]


def _cache_counts_local() -> tuple[float, float]:
    hit = REGISTRY.get_sample_value("analytics_user_metrics_cache_total", {"result": "hit"}) or 0.0
    miss = REGISTRY.get_sample_value("analytics_user_metrics_cache_total", {"result": "miss"}) or 0.0
    return hit, miss


def _cache_counts_remote(base_url: str) -> tuple[float, float] | None:
    try:
        text = urllib.request.urlopen(f"{base_url}/metrics", timeout=5).read().decode()
    except OSError:
        return None
    found = dict(re.findall(r'analytics_user_metrics_cache_total\{result="(\w+)"\} ([0-9.e+]+)', text))
    return float(found.get("hit", 0)), float(found.get("miss", 0))


class Command(BaseCommand):
    help = ("Benchmark /dashboard/ for a sample of users (in-process, or --base-url against gunicorn; "
            "the server must share this process's SECRET_KEY, database and cache to accept the sessions).")

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=200, help="how many users to sample")
        parser.add_argument("--requests", type=int, default=2000, help="total requests")
        parser.add_argument("--concurrency", type=int, default=4)
        parser.add_argument("--warmup", type=int, default=1, help="warm-up requests per user before measuring")
        parser.add_argument("--cold", action="store_true", help="retire every cached snapshot first (no warm-up)")
        parser.add_argument("--base-url", default="", help="e.g. http://127.0.0.1:23001 (default: in-process client)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, users, requests, concurrency, warmup, cold, base_url, seed, **options):
        if users < 1 or requests < 1 or concurrency < 1:
            raise CommandError("--users, --requests and --concurrency must be at least 1.")
        rng = random.Random(seed)
        user_ids = self._sample(users, rng)
        sessions = self._sessions(user_ids)
        base_url = base_url.rstrip("/")
        try:
            if cold:
                bump_all_user_metrics()
            elif warmup:
                self._run([(key, uid) for key, uid in sessions.items()] * warmup, concurrency, base_url)
            plan = [rng.choice(list(sessions.items())) for _ in range(requests)]
            before = _cache_counts_remote(base_url) if base_url else _cache_counts_local()
            started = time.perf_counter()
            latencies, queries, errors = self._run(plan, concurrency, base_url)
            elapsed = time.perf_counter() - started
            after = _cache_counts_remote(base_url) if base_url else _cache_counts_local()
        finally:
            for key in sessions:
                SessionStore(session_key=key).delete()
        self._report(latencies, queries, errors, elapsed, before, after, base_url, concurrency, len(user_ids))

    def _sample(self, users: int, rng: random.Random) -> list[int]:
        ids = list(UserMetrics.objects.order_by("user_id").values_list("user_id", flat=True)[:200_000])
        if not ids:
            raise CommandError("No stored metrics: run `manage.py recompute_metrics --all` first.")
        return rng.sample(ids, min(users, len(ids)))

    def _sessions(self, user_ids: list[int]) -> dict[str, int]:
        sessions = {}
        for user in get_user_model().objects.filter(id__in=user_ids):
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            sessions[store.session_key] = user.pk
        return sessions

    def _run(self, plan, concurrency: int, base_url: str):
        latencies, queries, errors = [], [], []
        lock = threading.Lock()
        local = threading.local()

        def count_queries(execute, sql, params, many, context):
            local.queries += 1
            return execute(sql, params, many, context)

        def one(item):
            session_key, _ = item
            local.queries = 0
            began = time.perf_counter()
            try:
                if base_url:
                    request = urllib.request.Request(
                        base_url + PATH, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"})
                    with _opener.open(request, timeout=30) as response:
                        response.read()
                        status = response.status
                else:
                    client = Client()
                    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
                    with connection.execute_wrapper(count_queries):
                        status = client.get(PATH).status_code
            except Exception as exc:  # noqa: BLE001 - counted and reported
                status = repr(exc)
            took = time.perf_counter() - began
            with lock:
                if status == 200:
                    latencies.append(took)
                    queries.append(local.queries)
                else:
                    errors.append(status)

        def worker(items):
            try:
                for item in items:
                    one(item)
            finally:
                connections.close_all()  # each thread's own connections

        if concurrency == 1:
            for item in plan:
                one(item)
            return latencies, queries, errors
        shares = [plan[i::concurrency] for i in range(concurrency)]
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(worker, shares))
        return latencies, queries, errors

    def _report(self, latencies, queries, errors, elapsed, before, after, base_url, concurrency, users):
        ms = sorted(value * 1000 for value in latencies)
        where = f"HTTP {base_url}" if base_url else "in-process test client"
        self.stdout.write(f"GET {PATH} via {where}: {len(ms)} ok, {len(errors)} failed, {users} users, concurrency {concurrency}")
        if errors:
            self.stdout.write(f"  first failure: {errors[0]}")
        if ms:
            self.stdout.write(
                f"  latency ms: p50 {percentile(ms, .5):.1f}  p90 {percentile(ms, .9):.1f}  p95 {percentile(ms, .95):.1f}"
                f"  p99 {percentile(ms, .99):.1f}  max {ms[-1]:.1f}  mean {statistics.fmean(ms):.1f}")
            self.stdout.write(f"  throughput: {len(ms) / elapsed:.0f} requests/s over {elapsed:.1f}s")
        if not base_url and queries:
            self.stdout.write(f"  queries per request: min {min(queries)}, max {max(queries)}, mean {statistics.fmean(queries):.2f}")
        if before is not None and after is not None:
            hits, misses = after[0] - before[0], after[1] - before[1]
            lookups = hits + misses
            if hits < 0 or misses < 0:
                # Each gunicorn worker counts for itself and a different one answered each scrape.
                self.stdout.write("  snapshot cache: n/a over HTTP with several workers (use GUNICORN_WORKERS=1)")
            else:
                rate = f"{hits / lookups:.1%}" if lookups else "n/a"
                note = " (counted by the worker that answered /metrics)" if base_url else ""
                self.stdout.write(f"  snapshot cache: {hits:.0f} hits, {misses:.0f} misses, hit rate {rate}{note}")
