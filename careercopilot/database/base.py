"""django-prometheus's PostgreSQL backend, failing fast for a moment after a failed connection.

With the database away, a request waits up to DATABASE_POOL_TIMEOUT for the pool before its 503.
A request can touch the database more than once on the way to that 503 (the view, then a
middleware that asks who the user is), and every request of a busy worker would wait in turn.
So for DATABASE_FAIL_FAST_SECONDS after a connection attempt on an alias failed, this process
refuses new connections to that alias at once (the same OperationalError, so the same 503); the
first attempt after the window tries the database again, so a database that returns is used
again within that window. A pool that is only full (every connection lent out) is not a failure.

The pool's check as it lends a connection (CONN_HEALTH_CHECKS) is `check_connection` below: it
makes no round trip for a connection that is plainly healthy, and the pool's own (an empty query)
for one that is not.
"""

from __future__ import annotations

import datetime as dt
import select
import threading
import time
from bisect import bisect_left
from functools import lru_cache
from time import perf_counter

from django.conf import settings
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from django.db.utils import OperationalError
from django_prometheus.db import errors_total, execute_total, query_duration_seconds
from django_prometheus.db.backends.postgresql.base import DatabaseWrapper as PrometheusDatabaseWrapper
from django_prometheus.db.common import ExportingCursorWrapper
from psycopg import adapt, pq
from psycopg_pool import ConnectionPool

from careercopilot.observability import requests as request_metrics

_counting_cursors: dict[tuple, type] = {}  # (cursor class, alias, vendor) -> django-prometheus's counting subclass
_failures: dict[str, tuple[float, str]] = {}  # alias → (monotonic time of the failure, what failed)
_lock = threading.Lock()


def fail_fast_seconds() -> float:
    return float(getattr(settings, "DATABASE_FAIL_FAST_SECONDS", 2.0))


def failed_recently(alias: str, within: float) -> bool:
    """Whether a connection attempt on `alias` failed less than `within` seconds ago (the replica
    router skips a replica that did)."""
    failure = _failures.get(alias)
    return failure is not None and time.monotonic() - failure[0] < within


def forget_failures() -> None:
    with _lock:
        _failures.clear()


def _readable(fd: int) -> bool:
    if hasattr(select, "poll"):  # no FD_SETSIZE limit, unlike select()
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])


def check_connection(conn) -> None:
    """The pool's check of a connection it is about to lend, without a round trip when the answer
    is already known. An idle connection the server ended (a restart, a stop, a terminated backend,
    an idle timeout) has something to read on its socket: the server's last message, then the end
    of the stream; a healthy idle one has nothing, as nothing is asked of the server between
    requests. So a connection that libpq reports open, outside a transaction, with nothing to read,
    is lent at once; any other goes through the pool's own check (an empty query), which raises for a
    broken one, and the pool discards it and lends another. The empty query could not catch more:
    the server can end a connection between any check and the query that follows it. It saves a
    round trip per request (~30-45 us of the worker's time and the server's own work)."""
    pgconn = conn.pgconn
    if (pgconn.status == pq.ConnStatus.OK and pgconn.transaction_status == pq.TransactionStatus.IDLE
            and not _readable(pgconn.socket)):
        return
    ConnectionPool.check_connection(conn)


def counting_cursor(cursor_class: type, alias: str, vendor: str, pending=None) -> type:
    """django-prometheus's counting cursor class (ExportingCursorWrapper) whose `execute` counts the
    same series (`django_db_execute_total`, `django_db_query_duration_seconds`, `django_db_errors_total`
    by exception type) in process, written with the request metrics at most a second later
    (careercopilot.observability.requests.PENDING: a scrape is late by that second, never short).
    Theirs calls `labels()` three times a statement, and in multiprocess mode (gunicorn) writes the
    counter, the histogram's sum and a bucket to their mmap files behind a lock and a pid check:
    ~47 K of a statement's ~290 K instructions on the client. `executemany` stays theirs."""
    base = ExportingCursorWrapper(cursor_class, alias, vendor)
    executed = execute_total.labels(alias, vendor)._value
    duration = query_duration_seconds.labels(alias, vendor)
    # What Histogram.observe writes: the sum, and the count of the first bucket whose bound is >= the amount.
    bounds, buckets, total = list(duration._upper_bounds), list(duration._buckets), duration._sum
    add = (pending or request_metrics.PENDING).add

    class CountingCursor(base):
        def execute(self, *args, **kwargs):
            started = perf_counter()
            try:
                return super(base, self).execute(*args, **kwargs)  # past theirs: it would count again
            except BaseException as exc:  # as their ExceptionCounterByType: any exception, by its type's name
                errors_total.labels(alias, vendor, type(exc).__name__).inc()
                raise
            finally:
                elapsed = perf_counter() - started
                add(((executed, 1.0), (total, elapsed), (buckets[bisect_left(bounds, elapsed)], 1.0)))

    CountingCursor.__name__ = CountingCursor.__qualname__ = "CursorWrapper"
    return CountingCursor


_UTC = dt.timezone.utc
_from_iso = dt.datetime.fromisoformat


class TimestamptzLoader(BaseTzLoader):
    """Django's timestamptz loader (psycopg's pure-Python parser, a regular expression and eight
    int() a value, then the zone replaced), reading a UTC value as one C call instead: a search
    page built on a miss reads ~330 timestamps, ~1 M instructions that way. A connection talking
    UTC (Django sets the session's TimeZone to UTC with USE_TZ) writes `2026-12-02 05:00:00.123+00`,
    which datetime.fromisoformat reads to the same aware datetime, `timezone.utc` its zone. Anything
    else (another zone, a non-ISO DateStyle, BC, infinity, a year past 9999) goes through Django's
    loader, which answers or refuses it as before."""

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        # psycopg's loader keeps the session's zone as _timezone; Django's keeps the one it wants as timezone.
        self._utc_iso = self.timezone is _UTC and getattr(self, "_timezone", None) is _UTC

    def load(self, data):
        if self._utc_iso:
            try:
                value = _from_iso(bytes(data).decode())
            except ValueError:
                value = None
            if value is not None and value.tzinfo is _UTC:
                return value
        return super().load(data)


@lru_cache(maxsize=8)
def _adapters(template: adapt.AdaptersMap, timezone) -> adapt.AdaptersMap:
    """Django's adapters for a connection (its template per USE_TZ and zone), with the loader
    above for timestamptz. Its `timezone` is Django's, so a cursor finds the loader it expects
    and registers no other (DatabaseWrapper.create_cursor)."""
    adapters = adapt.AdaptersMap(template)
    adapters.register_loader("timestamptz", type("TimestamptzLoader", (TimestamptzLoader,), {"timezone": timezone, "__module__": __name__}))
    return adapters


class DatabaseWrapper(PrometheusDatabaseWrapper):
    def get_connection_params(self):
        """django-prometheus's: Django's, the cursor class its counting subclass. It makes that
        subclass anew on every call, and Django calls this on every connect, so on every request
        with the pool (whose connections do not even use the answer): ~8 of its ~11 us. Made once,
        counting in process (counting_cursor). The adapters read timestamps faster (TimestamptzLoader).
        Once this alias's pool is made the answer is only handed to the pool's getconn, which
        ignores it: the one made then is given again (~30 K instructions a request)."""
        if self.settings_dict["OPTIONS"].get("pool") and self.alias in self._connection_pools:
            made = self.__dict__.get("_pooled_params")
            if made is not None and made[0] is self._connection_pools[self.alias]:
                return made[1]
            params = self._connection_params()
            self._pooled_params = (self._connection_pools[self.alias], params)
            return params
        return self._connection_params()

    def _connection_params(self):
        conn_params = super(PrometheusDatabaseWrapper, self).get_connection_params()
        if settings.USE_TZ and "context" in conn_params:
            conn_params["context"] = _adapters(conn_params["context"], self.timezone)
        key = (conn_params["cursor_factory"], self.alias, self.vendor)
        counting = _counting_cursors.get(key)
        if counting is None:
            counting = _counting_cursors.setdefault(key, counting_cursor(*key))
        conn_params["cursor_factory"] = counting
        return conn_params

    def _set_autocommit(self, autocommit):
        """Django's, without psycopg's setter when the connection is idle and already so: Django
        sets autocommit on every connect, so on every request with the pool, whose connections are
        lent in autocommit (~10 K instructions). In a transaction, or changing, psycopg's setter
        answers (or refuses) as before."""
        connection = self.connection
        if connection.autocommit == bool(autocommit) and connection.pgconn.transaction_status == pq.TransactionStatus.IDLE:
            return
        super()._set_autocommit(autocommit)

    @property
    def pool(self):
        created = self.alias not in self._connection_pools
        pool = super().pool
        # Django gives the pool psycopg_pool's round-trip check when CONN_HEALTH_CHECKS is on and
        # has no setting for another: the cheaper one above, set once, as the pool is made.
        if created and pool is not None and pool._check is ConnectionPool.check_connection:
            pool._check = check_connection
        return pool

    def get_new_connection(self, conn_params):
        failure = _failures.get(self.alias)
        if failure is not None:
            ago = time.monotonic() - failure[0]
            if ago < fail_fast_seconds():
                raise OperationalError(f"database {self.alias!r} failed {ago:.1f} s ago ({failure[1]}); not retried yet")
        try:
            connection = super().get_new_connection(conn_params)
        except Exception as exc:
            if not self._pool_was_busy(exc):
                with _lock:
                    _failures[self.alias] = (time.monotonic(), f"{type(exc).__name__}: {exc}"[:200])
            raise
        if failure is not None:
            with _lock:
                _failures.pop(self.alias, None)
        return connection

    def _pool_was_busy(self, exc: Exception) -> bool:
        """A wait for the pool that timed out while every connection of a full pool was lent out:
        the database is busy, not away, and this process must not refuse everyone for it (a
        burst of concurrent requests on a loaded machine did exactly that). With the database
        away the pool holds fewer connections than its maximum: broken ones are discarded and
        new ones fail."""
        if type(exc).__name__ != "PoolTimeout" or not self.settings_dict["OPTIONS"].get("pool"):
            return False
        stats = self.pool.get_stats()
        return stats.get("pool_size", 0) >= stats.get("pool_max", 1) and stats.get("pool_available", 0) == 0
