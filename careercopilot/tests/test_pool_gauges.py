"""The database pool gauges are read at most once a second, not after every request (issue 11:
six labelled writes a request were a tenth of /health/)."""

from __future__ import annotations

import pytest
from django.db import connection

from careercopilot.observability import metrics

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("pool"),
                       reason="needs psycopg's pool"),
]


def _max_size() -> float:
    return metrics.POOL_MAX.labels(connection.alias)._value.get()


def test_pool_gauges_are_refreshed_at_most_once_a_second():
    connection.ensure_connection()
    metrics._pool_gauges_at[0] = 0.0  # whatever earlier requests in this process left
    metrics.update_pool_gauges(now=10_000.0)
    assert _max_size() > 0

    metrics.POOL_MAX.labels(connection.alias).set(-1)
    metrics.update_pool_gauges(now=10_000.5)
    assert _max_size() == -1  # within the second: not read again

    metrics.update_pool_gauges(now=10_001.1)
    assert _max_size() > 0
