"""Task contracts: ids in, idempotent, late ack, retries on transient errors, time limits."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import OperationalError, connection, connections

from analytics import tasks
from analytics.models import UserMetrics
from analytics.cache import claim_refresh_window
from analytics.services import user_metrics_recompute

ALL_TASKS = [
    tasks.refresh_user_metrics, tasks.refresh_active_user_metrics, tasks.recompute_all_user_metrics,
    tasks.refresh_platform_stats, tasks.refresh_trending, tasks.mark_ghosted_applications,
    tasks.refresh_metrics_at_local_midnight,
]


@pytest.mark.parametrize("task", ALL_TASKS, ids=lambda task: task.name)
def test_it_acknowledges_late_retries_transient_errors_and_has_time_limits(task):
    assert task.acks_late and task.reject_on_worker_lost
    assert OperationalError in task.autoretry_for
    assert task.retry_backoff and task.max_retries
    assert 0 < task.soft_time_limit < task.time_limit <= 4 * 60  # under the 5-minute visibility timeout


@pytest.mark.django_db
def test_it_refreshes_after_an_application_change_commits(alice, django_capture_on_commit_callbacks):
    from applications.services import application_create

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        application_create(user=alice, company_name="Acme", title="Engineer", status="applied")
    assert not UserMetrics.objects.filter(user=alice).exists()  # nothing before the commit

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    assert UserMetrics.objects.get(user=alice).applied == 1


@pytest.mark.django_db
def test_it_enqueues_nothing_for_a_change_that_rolls_back(alice, django_capture_on_commit_callbacks):
    from django.db import transaction

    from applications.services import application_create

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            application_create(user=alice, company_name="Acme", title="Engineer")
            raise RuntimeError("the rest of the request failed")

    assert not UserMetrics.objects.filter(user=alice).exists()


def test_it_lets_only_the_first_change_of_a_burst_schedule_the_refresh():
    assert claim_refresh_window(41, seconds=5) is True
    assert claim_refresh_window(41, seconds=5) is False
    assert claim_refresh_window(42, seconds=5) is True  # another seeker has their own window


@pytest.mark.django_db(transaction=True)
def test_it_leaves_the_same_rows_when_two_recomputations_run_at_once(alice, bob, make_application):
    if connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_FULL_STACK") == "1":
            pytest.fail("needs PostgreSQL")
        pytest.skip("two writers at once need PostgreSQL (SQLite's test database is per connection)")
    for user in (alice, bob):
        make_application(user, "applied", created="2026-01-01", applied="2026-01-02", company="Acme")
        make_application(user, "rejected", created="2026-01-01", applied="2026-01-02", closed="2026-01-09", company="Beta")
    start = threading.Barrier(2, timeout=30)
    errors = []

    def recompute():
        try:
            start.wait()
            user_metrics_recompute(user_ids=[alice.id, bob.id])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=recompute) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = list(UserMetrics.objects.order_by("user_id").values_list("user_id", "total", "responded", "response_rate"))
    assert rows == [(alice.id, 2, 1, 0.5), (bob.id, 2, 1, 0.5)]


@pytest.mark.django_db
def test_it_runs_the_refresh_task_twice_with_the_same_result(alice, make_application):
    make_application(alice, "applied", created="2026-01-01", applied="2026-01-02", company="Acme")

    tasks.refresh_user_metrics.delay(alice.id)
    first = UserMetrics.objects.values().get(user=alice)
    tasks.refresh_user_metrics.delay(alice.id)
    second = UserMetrics.objects.values().get(user=alice)

    first.pop("computed_at"), second.pop("computed_at")
    assert first == second and UserMetrics.objects.count() == 1


@pytest.mark.django_db
def test_it_treats_a_deleted_users_refresh_as_nothing_to_do():
    assert tasks.refresh_user_metrics.delay(987654).get() == 0
