"""Forgetting what nobody reads any more: read notifications and finished deliveries after
KEPT_DAYS. The matches leave nothing to clean (a search keeps only its newest few postings).

Deletes go in chunks of CHUNK rows, each its own short transaction, oldest first along the
primary key, for at most a time budget; the task queues the next run at once if rows remain, so
no run nears the tasks' 4-minute limit and no transaction holds many locks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from notifications.models import Delivery, Notification

KEPT_DAYS = 30
CHUNK = 5_000
BUDGET_S = 90.0


@dataclass
class Pruned:
    notifications: int = 0
    deliveries: int = 0
    more: bool = False  # the budget ran out with rows left: run again


def _old_rows(now: datetime) -> list[QuerySet]:
    cutoff = now - timedelta(days=KEPT_DAYS)
    return [
        # Unread ones stay: the bell counts them, and the seeker has not seen them yet.
        Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff),
        # Pending ones stay: the send task still owes them; a finished one's key is long past.
        Delivery.objects.filter(status__in=[Delivery.Status.SENT, Delivery.Status.SKIPPED], day__lt=cutoff.date()),
    ]


def _delete_chunk(rows: QuerySet, size: int) -> int:
    with transaction.atomic():
        ids = list(rows.order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return 0
        deleted, _ = rows.model.objects.filter(pk__in=ids).delete()  # nothing refers to these rows: one DELETE
        return deleted


def notifications_prune(*, now: datetime | None = None, budget_s: float = BUDGET_S, chunk: int = CHUNK) -> Pruned:
    now = now or timezone.now()
    deadline = time.monotonic() + budget_s
    pruned = Pruned()
    for rows, field in zip(_old_rows(now), ("notifications", "deliveries")):
        while True:
            if time.monotonic() >= deadline:
                pruned.more = True
                return pruned
            deleted = _delete_chunk(rows, chunk)
            setattr(pruned, field, getattr(pruned, field) + deleted)
            if deleted < chunk:
                break
    return pruned
