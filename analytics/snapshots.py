"""Per-user metric snapshots: computed set-based and stored, for the reads and the writes alike.

The dashboard's cold-cache path (selectors) and every recompute (services, tasks, commands)
come through here, so reads never call into the write services. One statement per batch of
users on PostgreSQL (analytics/sql.py), one read per batch on SQLite (analytics/compute.py),
and an upsert either way, so running twice, or twice at once, leaves the same rows.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from prometheus_client import Counter, Histogram

from analytics import compute, sql
from analytics.cache import bump_all_user_metrics, bump_user_metrics
from accounts.models import Profile
from accounts.time_zones import DEFAULT as DEFAULT_TIME_ZONE
from accounts.time_zones import is_time_zone
from analytics.models import UserMetrics
from applications.models import Application
from jobs.models import JobSkill

BATCH_SIZE = 2000

USERS_COMPUTED = Counter("analytics_user_metrics_computed_total", "User metric snapshots computed")
BATCH_SECONDS = Histogram("analytics_user_metrics_batch_seconds", "Time to recompute one batch of users")

METRIC_FIELDS = [field.name for field in UserMetrics._meta.concrete_fields if field.name != "user"]


def _sqlite_rows(user_ids: list[int]) -> dict[int, list[compute.Row]]:
    rows: dict[int, list[compute.Row]] = defaultdict(list)
    queryset = (
        Application.objects.filter(user_id__in=user_ids)
        .annotate(
            company=Coalesce(NullIf(F("company_name"), Value("")), F("job__company__name"), Value("")),
            display=Coalesce(NullIf(F("title"), Value("")), F("job__title"), Value("")),
            archived=ExpressionWrapper(Q(archived_at__isnull=False), output_field=BooleanField()),
        )
        .order_by()
        .values_list(
            "user_id", "id", "status", "created_at", "applied_at", "interview_at", "offer_at",
            "closed_at", "next_follow_up", "company", "display", "archived",
        )
    )
    for user_id, *fields in queryset.iterator(chunk_size=5000):
        rows[user_id].append(compute.Row(*fields))
    return rows


def _sqlite_skills(user_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    reached = Q(job__applications__status__in=compute.PAST_APPLIED) | Q(job__applications__applied_at__isnull=False)
    skills: dict[int, list[tuple[str, int]]] = defaultdict(list)
    queryset = (
        JobSkill.objects.filter(Q(job__applications__user_id__in=user_ids) & reached)
        .values_list("job__applications__user_id", "skill__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    for user_id, name, count in queryset:
        skills[user_id].append((name, count))
    return skills


def seeker_zones(user_ids: list[int]) -> dict[int, str]:
    """Each seeker's time zone name (the default for one without a profile or a known zone)."""
    zones = dict(Profile.objects.filter(user_id__in=user_ids).values_list("user_id", "time_zone"))
    return {
        user_id: zone if is_time_zone(zone := zones.get(user_id, DEFAULT_TIME_ZONE)) else DEFAULT_TIME_ZONE
        for user_id in user_ids
    }


def local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def _compute_batch_in_python(user_ids: list[int], *, now: datetime) -> None:
    rows, skills, zones = _sqlite_rows(user_ids), _sqlite_skills(user_ids), seeker_zones(user_ids)
    snapshots = [
        UserMetrics(
            user_id=user_id, computed_at=now,
            **compute.user_metrics_from_rows(
                rows.get(user_id, []), skills.get(user_id, []),
                today=local_today(now, zones[user_id]), zone=ZoneInfo(zones[user_id]),
            ),
        )
        for user_id in user_ids
    ]
    UserMetrics.objects.bulk_create(snapshots, update_conflicts=True, unique_fields=["user"], update_fields=METRIC_FIELDS)


def _compute_batch_in_sql(user_ids: list[int], *, now: datetime) -> None:
    zones = seeker_zones(user_ids)
    todays = [local_today(now, zones[user_id]) for user_id in user_ids]
    params = {
        "ids": user_ids, "zones": [zones[user_id] for user_id in user_ids], "now": now,
        "todays": todays, "first_weeks": [compute.first_week(today) for today in todays],
    }
    with connection.cursor() as cursor:
        # JIT compiling this wide statement costs more (~150 ms) than running it on one batch.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql.USER_METRICS_UPSERT, params)


def _recompute_batch(user_ids: list[int], *, now: datetime | None = None) -> None:
    started = time.perf_counter()
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _compute_batch_in_sql(user_ids, now=now)
        else:
            _compute_batch_in_python(user_ids, now=now)
    USERS_COMPUTED.inc(len(user_ids))
    BATCH_SECONDS.observe(time.perf_counter() - started)


def _existing_user_ids(ids: list[int], batch_size: int) -> Iterable[list[int]]:
    User = get_user_model()
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        # Only users that still exist: a deleted user's id in a queued task is not an error.
        found = list(User.objects.filter(id__in=chunk).order_by("id").values_list("id", flat=True))
        if found:
            yield found


def user_metrics_recompute(
    *, user_ids: Iterable[int], batch_size: int = BATCH_SIZE, progress: Callable[[int], None] | None = None,
    bump: bool = True, now: datetime | None = None,
) -> int:
    """Recompute and store these users' metrics, a batch at a time; returns how many users.

    With `bump`, each user's cached snapshot goes stale once the batch commits. `now` is the
    moment the figures are as of (weeks, follow-ups due); tests pin it.
    """
    return user_metrics_recompute_chunk(user_ids=user_ids, batch_size=batch_size, progress=progress, bump=bump, now=now)[0]


def user_metrics_recompute_chunk(
    *, user_ids: Iterable[int], after_id: int = 0, deadline: float = math.inf, batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None, bump: bool = True, now: datetime | None = None,
) -> tuple[int, int | None]:
    """user_metrics_recompute for the ids above `after_id`, in id order, stopping after the first
    batch that ends past `deadline` (time.monotonic()): (users done, the id to resume after, or
    None when all are done). A beat task runs as a chain of these (analytics/tasks.py)."""
    ids = sorted({int(user_id) for user_id in user_ids if int(user_id) > after_id})
    done = 0
    for batch in _existing_user_ids(ids, batch_size):
        _recompute_batch(batch, now=now)
        if bump:
            transaction.on_commit(lambda batch=batch: bump_user_metrics(batch))
        done += len(batch)
        if progress:
            progress(len(batch))
        if time.monotonic() >= deadline and batch[-1] < ids[-1]:
            return done, batch[-1]
    return done, None


def user_metrics_recompute_all(
    *, batch_size: int = BATCH_SIZE, progress: Callable[[int], None] | None = None, now: datetime | None = None
) -> int:
    """Every user, walking the user table by id so memory stays one batch whatever the size."""
    return user_metrics_recompute_all_chunk(batch_size=batch_size, progress=progress, now=now)[0]


def user_metrics_recompute_all_chunk(
    *, after_id: int = 0, deadline: float = math.inf, batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None, now: datetime | None = None,
) -> tuple[int, int | None]:
    """The users above `after_id`, by id, until a batch ends past `deadline`: (users done, the id
    to resume after, or None when the table is done)."""
    User = get_user_model()
    last_id, done, resume = after_id, 0, None
    while True:
        batch = list(User.objects.filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:batch_size])
        if not batch:
            break
        _recompute_batch(batch, now=now)
        done += len(batch)
        last_id = batch[-1]
        if progress:
            progress(len(batch))
        if time.monotonic() >= deadline:
            resume = last_id
            break
    # One bump makes every cached snapshot stale, without touching 100,000 keys.
    transaction.on_commit(bump_all_user_metrics)
    return done, resume
