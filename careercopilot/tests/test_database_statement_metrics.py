"""Statements counted in process (careercopilot/database/base.py `counting_cursor`): the same
series django-prometheus's cursor wrapper writes — statements, their durations' histogram, errors by
type — reaching prometheus_client when the request metrics are written, and nothing written before."""

import psycopg
import pytest
from django.db import connection
from django_prometheus.db import errors_total, execute_total, query_duration_seconds
from django_prometheus.db.common import ExportingCursorWrapper

from careercopilot.database.base import counting_cursor
from careercopilot.observability import requests as request_metrics

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the counting cursor is our PostgreSQL backend's"),
]

ALIAS, VENDOR = "statement_metrics_test", "postgresql"


@pytest.fixture
def pending():
    """Writes held until the test says so (no flushing thread in between)."""
    return request_metrics.PendingWrites(every=3600)


def _series():
    histogram = query_duration_seconds.labels(ALIAS, VENDOR)
    buckets = [bucket.get() for bucket in histogram._buckets]
    return execute_total.labels(ALIAS, VENDOR)._value.get(), histogram._sum.get(), buckets


def _run(cursor_class, sql: str, params=None) -> None:
    connection.ensure_connection()
    with cursor_class(connection.connection) as cursor:
        cursor.execute(sql, params)


def test_it_counts_what_django_prometheus_counts_once_written(pending):
    ours = counting_cursor(psycopg.ClientCursor, ALIAS, VENDOR, pending)
    theirs = ExportingCursorWrapper(psycopg.ClientCursor, ALIAS, VENDOR)
    bounds = list(query_duration_seconds.labels(ALIAS, VENDOR)._upper_bounds)
    executed, total, buckets = _series()

    _run(theirs, "SELECT pg_sleep(0.003)")
    their_count, their_sum, their_buckets = _series()
    their_time = their_sum - total
    assert their_count == executed + 1 and their_time > 0.003
    assert [b - a for a, b in zip(buckets, their_buckets)] == [1.0 if i == _bucket(bounds, their_time) else 0.0
                                                               for i in range(len(bounds))]

    _run(ours, "SELECT pg_sleep(0.003)")
    assert _series() == (their_count, their_sum, their_buckets)  # nothing written per statement
    pending.flush()
    count, total_after, buckets_after = _series()
    our_time = total_after - their_sum
    assert count == their_count + 1
    assert 0.003 < our_time < 2  # its duration, in seconds, as theirs
    assert [b - a for a, b in zip(their_buckets, buckets_after)] == [1.0 if i == _bucket(bounds, our_time) else 0.0
                                                                     for i in range(len(bounds))]  # one bucket, non-cumulative


def _bucket(bounds: list[float], amount: float) -> int:
    """The bucket Histogram.observe adds to: the first whose bound is at least the amount."""
    return next(i for i, bound in enumerate(bounds) if amount <= bound)


def test_a_failed_statement_is_counted_with_its_error_type(pending):
    ours = counting_cursor(psycopg.ClientCursor, ALIAS, VENDOR, pending)
    errors = errors_total.labels(ALIAS, VENDOR, "UndefinedTable")
    before, executed = errors._value.get(), _series()[0]
    with pytest.raises(psycopg.errors.UndefinedTable):
        _run(ours, "SELECT * FROM no_such_table_here")
    assert errors._value.get() == before + 1  # errors are rare: written at once, as theirs
    pending.flush()
    assert _series()[0] == executed + 1  # and the statement counted, as theirs counts it


def test_every_connection_counts_with_it():
    connection.ensure_connection()
    assert connection.connection.cursor_factory.execute.__qualname__.startswith("counting_cursor.")
