"""Fifty requests at once for one seeker's dashboard, with nothing cached: one computation.

Real threads against PostgreSQL and Redis, so the lock is the cache's own (SET NX in Redis).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from prometheus_client import REGISTRY

from analytics.models import UserMetrics
from analytics.services import user_metrics_recompute

pytestmark = [pytest.mark.django_db(transaction=True)]

REQUESTS = 50


@pytest.fixture(autouse=True)
def _full_stack_only():
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        if os.environ.get("REQUIRE_FULL_STACK") == "1":
            pytest.fail("needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
        pytest.skip("needs PostgreSQL and Redis: threads share neither SQLite's test database nor locmem")


@pytest.fixture(autouse=True)
def _patient_pool(_full_stack_only):
    """Fifty threads share this one process's pool of 8 connections (a gunicorn sync worker never
    has more than one request at a time); what is tested is one computation, not the pool's
    1.5 s wait, which a loaded CI machine can exceed while the threads queue for a connection."""
    pool = connection.pool
    if pool is None:
        yield
        return
    waited, pool.timeout = pool.timeout, 15.0
    yield
    pool.timeout = waited


def _computations() -> float:
    return REGISTRY.get_sample_value("analytics_user_metrics_computed_total") or 0.0


def _fifty_dashboards_at_once(user) -> list[tuple[int, str]]:
    signed_in = Client()
    signed_in.force_login(user)  # one session, shared: the threads only read it
    cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    start = threading.Barrier(REQUESTS, timeout=30)

    def one_request(_):
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
        try:
            start.wait()
            response = client.get("/dashboard/")
            return response.status_code, response.content.decode()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        return list(pool.map(one_request, range(REQUESTS)))


def _applications(user, n: int):
    from applications.models import Application

    Application.objects.bulk_create(
        Application(user=user, company_name=f"Company {i}", status="applied" if i % 2 else "saved") for i in range(n)
    )


def test_it_computes_a_never_seen_seekers_metrics_once_for_fifty_concurrent_requests(alice):
    _applications(alice, 40)
    assert not UserMetrics.objects.filter(user=alice).exists()
    before = _computations()

    responses = _fifty_dashboards_at_once(alice)

    assert _computations() - before == 1
    assert [status for status, _ in responses] == [200] * REQUESTS
    assert all('<dd id="figure-total">40</dd>' in html for _, html in responses)
    assert UserMetrics.objects.filter(user=alice).count() == 1


def test_it_computes_nothing_when_the_row_is_stored_and_only_the_cache_is_cold(alice):
    _applications(alice, 10)
    user_metrics_recompute(user_ids=[alice.id])
    before = _computations()

    responses = _fifty_dashboards_at_once(alice)

    assert _computations() == before
    assert all('<dd id="figure-total">10</dd>' in html for _, html in responses)
