"""Read notifications and finished deliveries are forgotten after 30 days, in chunks; nothing
a seeker still needs (unread, recent, pending) goes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import cleanup, tasks
from notifications.models import Delivery, Notification

pytestmark = pytest.mark.django_db


def notification(user, *, days_ago: int, read: bool) -> Notification:
    at = timezone.now() - timedelta(days=days_ago)
    return Notification.objects.create(user=user, kind="system", title=f"{days_ago} days", created_at=at,
                                       read_at=at if read else None)


def delivery(user, *, days_ago: int, status: str, run: int = 0) -> Delivery:
    day = timezone.now().date() - timedelta(days=days_ago)
    return Delivery.objects.create(user=user, kind="digest", day=day, run=run, status=status)


def test_it_forgets_old_read_notifications_and_finished_deliveries_only(alice, bob):
    old_read = [notification(user, days_ago=40, read=True) for user in (alice, bob)]
    kept = [notification(alice, days_ago=40, read=False), notification(alice, days_ago=5, read=True)]
    old_sent = [delivery(alice, days_ago=40, status="sent"), delivery(bob, days_ago=40, status="skipped")]
    kept += [delivery(alice, days_ago=41, status="pending"), delivery(alice, days_ago=5, status="sent")]

    pruned = cleanup.notifications_prune()

    assert (pruned.notifications, pruned.deliveries, pruned.more) == (2, 2, False)
    assert not Notification.objects.filter(pk__in=[n.pk for n in old_read]).exists()
    assert not Delivery.objects.filter(pk__in=[d.pk for d in old_sent]).exists()
    assert Notification.objects.count() + Delivery.objects.count() == len(kept)


def test_it_deletes_in_chunks_and_stops_at_its_budget(alice):
    for _ in range(5):
        notification(alice, days_ago=40, read=True)
    assert cleanup.notifications_prune(chunk=2).notifications == 5  # three chunks: 2, 2, 1
    for _ in range(3):
        notification(alice, days_ago=40, read=True)
    spent = cleanup.notifications_prune(budget_s=0)
    assert (spent.notifications, spent.more) == (0, True)  # out of time before the first chunk: the next run's


def test_the_task_queues_the_next_run_while_rows_remain(alice, monkeypatch):
    for _ in range(5):
        notification(alice, days_ago=40, read=True)
    monkeypatch.setattr(cleanup, "CHUNK", 2)
    real = cleanup.notifications_prune
    budgets = iter([0.0, 1000.0])  # the first run has no time left; the one it queues finishes
    monkeypatch.setattr(cleanup, "notifications_prune", lambda: real(budget_s=next(budgets), chunk=2))

    assert tasks.prune_old_notifications.delay().get()["more"] is True  # tasks run eagerly in tests: the next ran inline
    assert not Notification.objects.exists()
