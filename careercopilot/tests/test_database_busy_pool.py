"""A pool that is merely full is not a database that is down (careercopilot/database/)."""

import psycopg_pool
import pytest
from django.db import connection
from django.db.utils import OperationalError

from careercopilot.database.base import DatabaseWrapper, failed_recently, forget_failures

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("pool"),
                       reason="the connection pool is PostgreSQL's (psycopg_pool)"),
]

ALIAS = "busy_pool_test"


@pytest.fixture
def small_pool():
    """Our backend on the test database with a pool of its own: two connections, a 0.5 s wait."""
    settings_dict = {**connection.settings_dict,
                     "OPTIONS": {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 0, "max_size": 2, "timeout": 0.5}}}
    wrapper = DatabaseWrapper(settings_dict, alias=ALIAS)
    forget_failures()
    yield wrapper
    wrapper.close_pool()
    forget_failures()


def test_a_full_pool_that_times_out_does_not_make_the_process_refuse_the_database(small_pool):
    params = small_pool.get_connection_params()
    lent = [small_pool.get_new_connection(params) for _ in range(2)]  # every connection of the pool is lent out

    with pytest.raises(psycopg_pool.PoolTimeout):  # the wait times out: that request gets its 503
        small_pool.get_new_connection(params)
    assert not failed_recently(ALIAS, within=60)  # ...but nothing marks the database as down

    for conn in lent:
        small_pool.pool.putconn(conn)  # back to the pool, as Django does when a request ends
    served = small_pool.get_new_connection(params)  # at once, not "failed 0.5 s ago; not retried yet"
    with served.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    small_pool.pool.putconn(served)


def test_a_database_that_cannot_be_reached_is_refused_at_once_for_a_moment(small_pool):
    small_pool.settings_dict["PORT"] = 1  # nothing listens there: every connection attempt fails
    small_pool.settings_dict["OPTIONS"]["pool"] = {"min_size": 0, "max_size": 2, "timeout": 0.5}
    params = small_pool.get_connection_params()

    with pytest.raises(psycopg_pool.PoolTimeout):  # the pool could not connect in time
        small_pool.get_new_connection(params)
    assert failed_recently(ALIAS, within=60)
    with pytest.raises(OperationalError, match="not retried yet"):
        small_pool.get_new_connection(params)
