"""The pool's check as it lends a connection (careercopilot/database/base.py `check_connection`):
a connection the server ended is never lent, and a healthy one is lent without a round trip."""

import time

import pytest
from django.db import connection

from careercopilot.database.base import DatabaseWrapper, check_connection, forget_failures
from careercopilot.observability import requests as request_metrics

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("pool"),
                       reason="the connection pool is PostgreSQL's (psycopg_pool)"),
]


@pytest.fixture
def one_connection_pool():
    """Our backend on the test database with a pool of one connection, checked as settings check it."""
    settings_dict = {**connection.settings_dict, "CONN_HEALTH_CHECKS": True,
                     "OPTIONS": {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 0, "max_size": 1, "timeout": 2}}}
    wrapper = DatabaseWrapper(settings_dict, alias="pool_check_test")
    forget_failures()
    yield wrapper
    wrapper.close_pool()
    forget_failures()


def _lend(wrapper):
    return wrapper.get_new_connection(wrapper.get_connection_params())


def _last_activity(pid: int):
    """When the backend `pid` last changed state (idle -> running a statement -> idle), as the server saw it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # this test's transaction would keep the first answer
        cursor.execute("SELECT state_change FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def test_the_pool_uses_the_check_that_needs_no_round_trip(one_connection_pool):
    assert one_connection_pool.pool._check is check_connection


def test_a_connection_the_server_ended_is_replaced_never_lent(one_connection_pool):
    conn = _lend(one_connection_pool)
    ended = conn.info.backend_pid
    one_connection_pool.pool.putconn(conn)
    with connection.cursor() as cursor:  # as a restart or an administrator would
        cursor.execute("SELECT pg_terminate_backend(%s)", [ended])
    time.sleep(0.2)  # the server's goodbye reaches the idle connection's socket

    conn = _lend(one_connection_pool)
    try:
        assert conn.info.backend_pid != ended
        assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        one_connection_pool.pool.putconn(conn)


def test_a_healthy_idle_connection_is_lent_without_asking_the_server(one_connection_pool):
    conn = _lend(one_connection_pool)
    pid = conn.info.backend_pid
    one_connection_pool.pool.putconn(conn)
    before = _last_activity(pid)
    time.sleep(0.01)

    conn = _lend(one_connection_pool)
    try:
        assert conn.info.backend_pid == pid  # the same connection, lent again
        assert _last_activity(pid) == before  # nothing was sent to the server to lend it
        conn.execute("")  # what the pool's own check sends: the server sees it
        assert _last_activity(pid) > before
    finally:
        one_connection_pool.pool.putconn(conn)


def test_queries_are_still_counted_by_django_prometheus_with_one_cursor_class(one_connection_pool):
    from django_prometheus.db.metrics import execute_total

    params = one_connection_pool.get_connection_params()
    assert one_connection_pool.get_connection_params()["cursor_factory"] is params["cursor_factory"]  # made once
    one_connection_pool.pool.putconn(_lend(one_connection_pool))  # made (and configured) before counting
    request_metrics.flush()  # what earlier statements left pending
    counted = execute_total.labels("pool_check_test", "postgresql")
    before = counted._value.get()
    conn = _lend(one_connection_pool)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        one_connection_pool.pool.putconn(conn)
    request_metrics.flush()  # counted in process, written with the request metrics (counting_cursor)
    assert counted._value.get() == before + 1
