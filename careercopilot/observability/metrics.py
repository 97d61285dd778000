"""The project's own metrics, beyond django-prometheus's requests, latency, cache and database
counts. Each is written by the process that sees the event; multiprocess.py adds them up.

The cache layers' hits and misses are counted where they are read (jobs/cache.py,
`cache_layer_requests_total`), since the catalogue cannot import the project.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, Histogram

# --- Celery tasks ---------------------------------------------------------------------------
TASKS = Counter("celery_tasks_total", "Celery tasks run, by task name and outcome", ["task", "outcome"])
TASK_DURATION = Histogram(
    "celery_task_duration_seconds", "Celery task run time, by task name", ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)

# --- Database -------------------------------------------------------------------------------
QUERIES = Counter("db_queries_total", "SQL statements run, by what ran them (URL name, task or command)", ["view"])
SLOW_QUERIES = Counter(
    "db_slow_queries_total", "SQL statements over SLOW_QUERY_MS, by what ran them (URL name, task or command)", ["view"]
)
# Live gauges: a dead worker's pool no longer counts (multiprocess.mark_dead).
POOL_SIZE = Gauge("db_pool_size", "Connections the psycopg pools hold, open or opening", ["alias"],
                  multiprocess_mode="livesum")
POOL_IN_USE = Gauge("db_pool_in_use", "Pool connections handed out", ["alias"], multiprocess_mode="livesum")
POOL_WAITING = Gauge("db_pool_waiting", "Requests waiting for a pool connection", ["alias"], multiprocess_mode="livesum")
POOL_MAX = Gauge("db_pool_max_size", "The pools' configured maximum size", ["alias"], multiprocess_mode="livesum")
POOL_WAIT = Counter("db_pool_wait_seconds_total", "Time spent waiting for a pool connection", ["alias"])
POOL_ERRORS = Counter("db_pool_errors_total", "Pool requests that failed (timed out waiting)", ["alias"])


POOL_GAUGES_EVERY = 1.0  # seconds: a scrape every 15 s needs nothing fresher
_pool_gauges_at = [0.0]


def update_pool_gauges(*, now: float | None = None) -> None:
    """This process's psycopg pools (Django's `pool` option), as psycopg_pool reports them.

    Called at the end of every request, but read at most once every POOL_GAUGES_EVERY seconds:
    six labelled writes per request were a tenth of /health/'s time (issue 11). The wait and
    error counters lose nothing (pop_stats() hands over everything since the last read)."""
    now = time.monotonic() if now is None else now
    if now - _pool_gauges_at[0] < POOL_GAUGES_EVERY:
        return
    _pool_gauges_at[0] = now
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        pools = getattr(type(connection), "_connection_pools", None)
        if not pools or connection.alias not in pools:
            continue  # no pool (SQLite, CONN_MAX_AGE) or not opened yet in this process
        pool = pools[connection.alias]
        stats = pool.pop_stats()
        alias = connection.alias
        size = stats.get("pool_size", 0)
        POOL_SIZE.labels(alias).set(size)
        POOL_IN_USE.labels(alias).set(size - stats.get("pool_available", 0))
        POOL_WAITING.labels(alias).set(stats.get("requests_waiting", 0))
        POOL_MAX.labels(alias).set(pool.max_size)
        # Counted from zero, so a rate or an alert sees the series before the first wait or timeout.
        POOL_WAIT.labels(alias).inc(stats.get("requests_wait_ms", 0) / 1000)
        POOL_ERRORS.labels(alias).inc(stats.get("requests_errors", 0))


# --- Signal handlers (connected in careercopilot/apps.py) ------------------------------------
_started: dict[str, float] = {}


def task_published(headers=None, **kwargs) -> None:
    # The broker keeps no time of arrival: the message carries its own, for the queue-age gauge.
    if headers is not None:
        headers.setdefault("sent_at", time.time())


def task_started(task_id=None, task=None, **kwargs) -> None:
    from careercopilot.observability import slow_queries

    _started[task_id] = time.perf_counter()
    slow_queries.enter(f"task:{task.name}")


def task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    from careercopilot.observability import slow_queries

    began = _started.pop(task_id, None)
    if began is not None:
        TASK_DURATION.labels(task.name).observe(time.perf_counter() - began)
    TASKS.labels(task.name, (state or "unknown").lower()).inc()
    slow_queries.leave()
    update_pool_gauges()


def worker_started(**kwargs) -> None:
    from careercopilot.observability import multiprocess

    multiprocess.start_group("celery")


def worker_child_exiting(pid=None, **kwargs) -> None:
    import os

    from careercopilot.observability import multiprocess

    multiprocess.mark_dead(pid or os.getpid())
