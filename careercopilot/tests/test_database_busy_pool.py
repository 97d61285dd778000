"""A pool that is merely full is not a database that is down (careercopilot/database/)."""

import threading

import pytest
from django.db import connection, connections
from django.db.utils import OperationalError

from careercopilot.database.base import failed_recently, forget_failures

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("pool"),
                       reason="the connection pool is PostgreSQL's (psycopg_pool)"),
]


def _in_thread(work):
    """Run `work` on a thread of its own (its own Django connection), return what it returned or raised."""
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except Exception as exc:  # handed back to the test
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_full_pool_that_times_out_does_not_make_the_process_refuse_the_database():
    forget_failures()
    connection.close()  # the test's own connection goes back: the threads below take the whole pool
    pool_max = connection.pool.get_stats()["pool_max"]
    holding, release = threading.Barrier(pool_max + 1), threading.Event()

    def hold():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            holding.wait(timeout=30)
            release.wait(timeout=30)

    holders = [_in_thread(hold) for _ in range(pool_max)]
    try:
        holding.wait(timeout=30)  # every connection of the pool is lent out now

        def one_more():
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")

        waiter, outcome = _in_thread(one_more)
        waiter.join(timeout=30)
        assert isinstance(outcome.get("error"), OperationalError), outcome  # the wait timed out: a 503 for that request
        assert not failed_recently("default", within=60)  # ...but nothing marks the database as down
    finally:
        release.set()
        for thread, _ in holders:
            thread.join(timeout=30)

    def read():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0]

    reader, outcome = _in_thread(read)
    reader.join(timeout=30)
    assert outcome == {"value": 1}  # served at once, not "failed 0.5 s ago; not retried yet"
