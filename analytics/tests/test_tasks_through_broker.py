"""Tasks through a real Celery worker and the Redis broker (REDIS_URL), not eagerly."""

from __future__ import annotations

import time
from datetime import date

import pytest
from prometheus_client import REGISTRY

from analytics.models import UserMetrics

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def _wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("the worker did not get there in time")


def _computations() -> float:
    return REGISTRY.get_sample_value("analytics_user_metrics_computed_total") or 0.0


def test_it_stores_metrics_computed_by_a_worker_that_took_the_task_from_redis(worker, bob):
    from analytics.tasks import refresh_user_metrics
    from applications.models import Application

    Application.objects.create(user=bob, company_name="Acme", status="applied")

    refresh_user_metrics.delay(bob.id)

    metrics = _wait_for(lambda: UserMetrics.objects.filter(user=bob).first())
    assert (metrics.total, metrics.applied) == (1, 1)


def test_it_computes_a_burst_of_changes_for_one_seeker_once(worker, alice):
    from applications.services import (
        application_add_note,
        application_change_status,
        application_create,
        application_set_follow_up,
    )

    before = _computations()
    application = application_create(user=alice, company_name="Acme", title="Engineer", status="applied")
    application_change_status(application=application, to_status="interviewing", by=alice)
    application_add_note(application=application, text="Second round on Friday", by=alice)
    application_change_status(application=application, to_status="offer", by=alice)
    other = application_create(user=alice, company_name="Beta", title="Analyst")
    application_set_follow_up(application=other, on=date(2030, 1, 15), by=alice)

    metrics = _wait_for(lambda: UserMetrics.objects.filter(user=alice, offer=1).first())

    assert (metrics.total, metrics.saved, metrics.reached_interviewing) == (2, 1, 1)
    assert metrics.follow_ups[0]["date"] == "2030-01-15"
    time.sleep(1)  # room for a stray second run to show up
    assert _computations() - before == 1
