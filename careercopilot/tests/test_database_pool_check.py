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


def test_once_the_pool_is_made_its_parameters_are_not_worked_out_again(one_connection_pool, monkeypatch):
    one_connection_pool.pool.putconn(_lend(one_connection_pool))  # the pool made, as the first connect makes it
    first = one_connection_pool.get_connection_params()
    worked_out = []
    monkeypatch.setattr(type(one_connection_pool), "_connection_params",
                        lambda self: worked_out.append(1) or {"made": "again"})
    assert one_connection_pool.get_connection_params() is first and worked_out == []
    one_connection_pool.close_pool()  # a new pool (new settings, say) gets its parameters worked out anew
    one_connection_pool.__dict__.pop("_pooled_params", None)
    assert one_connection_pool.get_connection_params() == {"made": "again"}


def test_autocommit_is_set_on_a_lent_connection_only_when_it_changes(one_connection_pool, monkeypatch):
    import psycopg

    one_connection_pool.connection = _lend(one_connection_pool)  # lent in autocommit, as the pool lends
    sets = []
    setter = psycopg.Connection.autocommit.fset
    monkeypatch.setattr(psycopg.Connection, "autocommit", property(psycopg.Connection.autocommit.fget,
                                                                   lambda conn, value: sets.append(value) or setter(conn, value)))
    one_connection_pool.set_autocommit(True)  # as Django does on every connect: already so
    assert sets == []
    one_connection_pool.set_autocommit(False)
    one_connection_pool.set_autocommit(True)
    assert sets == [False, True] and one_connection_pool.connection.autocommit
    one_connection_pool.pool.putconn(one_connection_pool.connection)
    one_connection_pool.connection = None
