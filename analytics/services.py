"""Writes for analytics. The applications app calls `request_metrics_refresh` after every change."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from analytics import compute
from analytics.models import UserMetrics

BATCH_SIZE = 2000

METRIC_FIELDS = [
    field.name for field in UserMetrics._meta.concrete_fields if field.name not in ("user",)
]


def request_metrics_refresh(*, user_id: int) -> None:
    """Ask for the user's metrics to be recomputed once the surrounding transaction commits.

    Safe to call inside `transaction.atomic`: a rolled-back change enqueues nothing.
    """
    from analytics.tasks import refresh_user_metrics

    transaction.on_commit(lambda: refresh_user_metrics.delay(user_id))


def _rows_for(user_ids: list[int]) -> dict[int, list[compute.Row]]:
    from applications.models import Application

    rows: dict[int, list[compute.Row]] = defaultdict(list)
    queryset = (
        Application.objects.filter(user_id__in=user_ids)
        .annotate(
            company=Coalesce(NullIf(F("company_name"), Value("")), F("job__company__name"), Value("")),
            display=Coalesce(NullIf(F("title"), Value("")), F("job__title"), Value("")),
        )
        .order_by()
        .values_list(
            "user_id", "id", "status", "created_at", "applied_at", "interview_at", "offer_at",
            "closed_at", "next_follow_up", "company", "display",
        )
    )
    for user_id, *fields in queryset.iterator(chunk_size=5000):
        rows[user_id].append(compute.Row(*fields))
    return rows


def _skills_for(user_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    from jobs.models import JobSkill

    reached_applied = Q(job__applications__status__in=compute.PAST_APPLIED) | Q(job__applications__applied_at__isnull=False)
    skills: dict[int, list[tuple[str, int]]] = defaultdict(list)
    queryset = (
        JobSkill.objects.filter(Q(job__applications__user_id__in=user_ids) & reached_applied)
        .values_list("job__applications__user_id", "skill__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    for user_id, name, count in queryset:
        skills[user_id].append((name, count))
    return skills


def _recompute_batch(user_ids: list[int], *, now) -> int:
    today = now.date()
    rows = _rows_for(user_ids)
    skills = _skills_for(user_ids)
    snapshots = []
    for user_id in user_ids:
        figures = compute.user_metrics_from_rows(rows.get(user_id, []), skills.get(user_id, []), today=today)
        snapshots.append(UserMetrics(user_id=user_id, computed_at=now, **figures))
    UserMetrics.objects.bulk_create(
        snapshots, update_conflicts=True, unique_fields=["user"], update_fields=METRIC_FIELDS
    )
    return len(snapshots)


def user_metrics_recompute(*, user_ids: Iterable[int], batch_size: int = BATCH_SIZE, progress=None) -> int:
    """Recompute and upsert the metrics of these users, a batch at a time; returns how many."""
    from django.contrib.auth import get_user_model

    ids = sorted(set(user_ids))
    # Only users that exist: a deleted user's id in a queued task is not an error.
    existing = []
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        existing.extend(get_user_model().objects.filter(id__in=chunk).order_by("id").values_list("id", flat=True))
    done = 0
    for start in range(0, len(existing), batch_size):
        batch = existing[start : start + batch_size]
        with transaction.atomic():
            done += _recompute_batch(batch, now=timezone.now())
        if progress:
            progress(len(batch))
    return done
