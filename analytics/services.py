"""Writes for analytics: recomputing the stored figures, and the one write analytics makes to
applications (marking the silent ones ghosted). A seeker's own changes reach analytics through
`applications.signals.application_changed` (see analytics/receivers.py).

Recomputation is set-based (the per-user snapshots live in analytics/snapshots.py) and every
write is an upsert, so running twice, or twice at once, leaves the same rows.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils import timezone
from prometheus_client import Counter, Histogram

from analytics import sql
from analytics.cache import bump_platform
from analytics.models import Checkpoint, NotInterested, PlatformDailyStats, TrendingJob, TrendingSkill
from accounts.models import Profile
from accounts.time_zones import DEFAULT as DEFAULT_TIME_ZONE
from accounts.time_zones import time_zone_names
from analytics.snapshots import (
    BATCH_SIZE,
    user_metrics_recompute,
    user_metrics_recompute_all,
    user_metrics_recompute_all_chunk,
    user_metrics_recompute_chunk,
)
from applications.cache import bump_schedules
from applications.models import ALLOWED_TRANSITIONS, Application, ApplicationEvent, Status
from jobs.models import Job, JobSkill

log = logging.getLogger(__name__)

GHOST_BATCH_SIZE = 2000
TRENDING_DAYS = 7
TRENDING_LIMIT = 20
PLATFORM_DAYS = 30

GHOSTED = Counter("analytics_applications_ghosted_total", "Applications marked ghosted by the beat job")


# --- Per-user metrics ------------------------------------------------------------------------

def users_active_since(since: datetime, *, today, after_id: int = 0) -> Iterable[int]:
    """Users with an application changed since `since`, or a follow-up that fell due since then."""
    changed = Q(updated_at__gte=since) | Q(next_follow_up__gt=since.date(), next_follow_up__lte=today)
    applications = Application.objects.filter(changed)
    if after_id:
        applications = applications.filter(user_id__gt=after_id)
    return applications.order_by().values_list("user_id", flat=True).distinct().iterator()


def user_metrics_recompute_active(*, batch_size: int = BATCH_SIZE) -> int:
    """Recompute the users active since the last run; the first run recomputes everyone."""
    return user_metrics_recompute_active_chunk(batch_size=batch_size)[0]


def user_metrics_recompute_active_chunk(
    *, resume: dict | None = None, deadline: float = math.inf, batch_size: int = BATCH_SIZE,
) -> tuple[int, dict | None]:
    """One chunk of user_metrics_recompute_active: (users done, what the next chunk resumes
    from, or None when the run is complete). The first chunk fixes the run's start and its
    `since`; the checkpoint moves to that start only when the last chunk is done, so a chain
    that breaks off is simply covered again by the next run."""
    if resume is None:
        started = timezone.now()
        checkpoint = Checkpoint.objects.filter(name="user-metrics").first()
        # Overlap by a minute: a change committed just before the last run started is not lost.
        since = None if checkpoint is None else checkpoint.ran_at - timedelta(minutes=1)
        after_id = 0
    else:
        started = datetime.fromisoformat(resume["started"])
        since = datetime.fromisoformat(resume["since"]) if resume["since"] else None
        after_id = int(resume["after_id"])
    if since is None:  # the first run ever: everyone
        done, last_id = user_metrics_recompute_all_chunk(after_id=after_id, deadline=deadline, batch_size=batch_size)
    else:
        done, last_id = user_metrics_recompute_chunk(
            user_ids=users_active_since(since, today=started.date(), after_id=after_id), after_id=after_id,
            deadline=deadline, batch_size=batch_size)
    if last_id is not None:
        return done, {"started": started.isoformat(), "since": since.isoformat() if since else None, "after_id": last_id}
    Checkpoint.objects.update_or_create(name="user-metrics", defaults={"ran_at": started})
    return done, None


def zones_at_local_midnight(now: datetime) -> list[str]:
    """The time zones whose clock reads between 00:00 and 00:59 at `now`."""
    return [name for name in time_zone_names() if now.astimezone(ZoneInfo(name)).hour == 0]


def users_at_local_midnight(now: datetime) -> list[int]:
    """Seekers whose new day began in the last hour, by their own zone (no profile = the default)."""
    zones = zones_at_local_midnight(now)
    users = set(Profile.objects.filter(time_zone__in=zones).values_list("user_id", flat=True))
    if DEFAULT_TIME_ZONE in zones:
        users.update(get_user_model().objects.filter(profile__isnull=True).values_list("id", flat=True))
    return sorted(users)


def user_metrics_recompute_at_local_midnight(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Hourly: recompute the seekers whose day just turned over in their own zone.

    A quiet seeker's figures depend on the date too (follow-ups falling due, the chart's week
    rolling over on their Monday), and their "today" begins at their midnight, not the server's.
    Every zone passes through hour 0 once a day, so each seeker is refreshed once a day.
    """
    return user_metrics_recompute_at_local_midnight_chunk(now=now, batch_size=batch_size)[0]


def user_metrics_recompute_at_local_midnight_chunk(
    *, now: datetime | None = None, after_id: int = 0, deadline: float = math.inf, batch_size: int = BATCH_SIZE,
) -> tuple[int, int | None]:
    """One chunk of it: the seekers above `after_id` (every chunk of a run passes the same `now`)."""
    now = now or timezone.now()
    return user_metrics_recompute_chunk(user_ids=users_at_local_midnight(now), after_id=after_id, deadline=deadline,
                                        batch_size=batch_size, now=now)


# --- Ghosting -------------------------------------------------------------------------------

def _ghosting_is_allowed() -> None:
    if Status.GHOSTED not in ALLOWED_TRANSITIONS[Status.APPLIED]:
        raise RuntimeError("applications no longer allow applied → ghosted; the ghosting job must change too")


def applications_mark_ghosted(*, after_days: int | None = None, batch_size: int = GHOST_BATCH_SIZE) -> int:
    """Move applications with no reply for `after_days` from applied to ghosted, a batch at a time.

    Each batch is one transaction that changes the rows and writes one timeline event per row,
    as applications' own status change does; the batch's owners' metrics are then recomputed.
    If this stops half-way, the active-users job catches them up (ghosting touches updated_at).
    """
    return applications_mark_ghosted_chunk(after_days=after_days, batch_size=batch_size)[0]


def applications_mark_ghosted_chunk(
    *, after_days: int | None = None, batch_size: int = GHOST_BATCH_SIZE, deadline: float = math.inf,
) -> tuple[int, bool]:
    """Ghosting batches until one ends past `deadline`: (applications moved, whether some may be left)."""
    _ghosting_is_allowed()
    after_days = after_days if after_days is not None else settings.ANALYTICS_GHOST_AFTER_DAYS
    if after_days < 1:
        raise ValueError("after_days must be at least 1")
    total = 0
    while True:
        now = timezone.now()
        cutoff = now - timedelta(days=after_days)
        note = f"No reply in {after_days} days: marked ghosted automatically."
        with transaction.atomic():
            if connection.vendor == "postgresql":
                moved_by_owner = _ghost_batch_in_sql(cutoff=cutoff, now=now, note=note, limit=batch_size)
            else:
                moved_by_owner = _ghost_batch_in_orm(cutoff=cutoff, now=now, note=note, limit=batch_size)
            if moved_by_owner:  # their boards and tables show the new status (applications/cards.py)
                transaction.on_commit(lambda owners=list(moved_by_owner): bump_schedules(owners))
        moved = sum(moved_by_owner.values())
        total += moved
        GHOSTED.inc(moved)
        if moved_by_owner:  # at most one batch of owners at a time, so a chunk's length stays bounded
            user_metrics_recompute(user_ids=moved_by_owner)
        if moved < batch_size:
            return total, False
        if time.monotonic() >= deadline:
            return total, True


def _ghost_batch_in_sql(*, cutoff: datetime, now: datetime, note: str, limit: int) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql.MARK_GHOSTED, {"cutoff": cutoff, "now": now, "note": note, "limit": limit})
        return dict(cursor.fetchall())


def _ghost_batch_in_orm(*, cutoff: datetime, now: datetime, note: str, limit: int) -> dict[int, int]:
    # SQLite takes the write lock at BEGIN (transaction_mode IMMEDIATE): nobody changes these meanwhile.
    picked = list(
        Application.objects.filter(status=Status.APPLIED, updated_at__lt=cutoff)
        .filter(Q(applied_at__isnull=True) | Q(applied_at__lt=cutoff))
        .order_by("updated_at", "id")
        .values_list("id", "user_id")[:limit]
    )
    if not picked:
        return {}
    ids = [app_id for app_id, _ in picked]
    Application.objects.filter(id__in=ids, status=Status.APPLIED).update(status=Status.GHOSTED, closed_at=now, updated_at=now)
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(
            application_id=app_id, kind=ApplicationEvent.Kind.STATUS_CHANGED, from_status=Status.APPLIED,
            to_status=Status.GHOSTED, note=note, created_at=now,
        )
        for app_id in ids
    )
    owners: dict[int, int] = defaultdict(int)
    for _, user_id in picked:
        owners[user_id] += 1
    return dict(owners)


# --- Platform metrics -----------------------------------------------------------------------

def _per_day(queryset, field: str, since: datetime) -> dict:
    rows = (
        queryset.filter(**{f"{field}__gte": since})
        .annotate(day=TruncDate(field))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def platform_stats_recompute(*, days: int = PLATFORM_DAYS) -> int:
    """Postings, live postings, applications and sign-ups per day for the last `days` days."""
    now = timezone.now()
    today = now.date()
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    postings = _per_day(Job.objects.all(), "posted_at", since)
    applications = _per_day(Application.objects.all(), "created_at", since)
    new_users = _per_day(get_user_model().objects.all(), "date_joined", since)
    # Live on a day = active, posted by its end and not expired by then: a running sum of
    # postings going live minus postings expiring, from the count live before the window.
    active = Job.objects.filter(is_active=True)
    live = active.filter(posted_at__lt=since).filter(Q(expires_at__isnull=True) | Q(expires_at__gte=since)).count()
    went_live = _per_day(active, "posted_at", since)
    expired = _per_day(active.filter(expires_at__lt=now + timedelta(days=1)), "expires_at", since)
    rows = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        live += went_live.get(day, 0) - expired.get(day, 0)
        rows.append(PlatformDailyStats(
            day=day, postings=postings.get(day, 0), active_postings=max(live, 0),
            applications=applications.get(day, 0), new_users=new_users.get(day, 0), computed_at=now,
        ))
    PlatformDailyStats.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["day"],
        update_fields=["postings", "active_postings", "applications", "new_users", "computed_at"],
    )
    transaction.on_commit(bump_platform)
    return len(rows)


def trending_recompute(*, days: int = TRENDING_DAYS, limit: int = TRENDING_LIMIT) -> tuple[int, int]:
    """The live postings and the skills seekers tracked most in the last `days` days."""
    now = timezone.now()
    since = now - timedelta(days=days)
    recent = Application.objects.filter(created_at__gte=since, job__isnull=False, job__is_active=True)
    top_jobs = list(
        recent.order_by().values_list("job_id").annotate(n=Count("id")).order_by("-n", "job_id")[:limit]
    )
    top_skills = list(
        JobSkill.objects.filter(job__applications__created_at__gte=since)
        .order_by().values_list("skill_id").annotate(n=Count("id")).order_by("-n", "skill_id")[:limit]
    )
    new_postings = dict(
        JobSkill.objects.filter(skill_id__in=[skill_id for skill_id, _ in top_skills], job__posted_at__gte=since)
        .order_by().values_list("skill_id").annotate(n=Count("id"))
    )
    with transaction.atomic():
        # Upsert by rank, then drop ranks past the end: two runs at once still leave one row per rank.
        TrendingJob.objects.bulk_create(
            [TrendingJob(rank=rank, job_id=job_id, applications=n, computed_at=now)
             for rank, (job_id, n) in enumerate(top_jobs, start=1)],
            update_conflicts=True, unique_fields=["rank"], update_fields=["job", "applications", "computed_at"],
        )
        TrendingJob.objects.filter(rank__gt=len(top_jobs)).delete()
        TrendingSkill.objects.bulk_create(
            [TrendingSkill(rank=rank, skill_id=skill_id, applications=n, postings=new_postings.get(skill_id, 0), computed_at=now)
             for rank, (skill_id, n) in enumerate(top_skills, start=1)],
            update_conflicts=True, unique_fields=["rank"], update_fields=["skill", "applications", "postings", "computed_at"],
        )
        TrendingSkill.objects.filter(rank__gt=len(top_skills)).delete()
        transaction.on_commit(bump_platform)
    return len(top_jobs), len(top_skills)


# --- "Not interested" ------------------------------------------------------------------------


def recommendation_hide(*, user, job) -> bool:
    """Never recommend `job` to `user` again (until undone); False when it was hidden already.

    The recommendations' cache key holds the hidden ids, so the next page view shows the change.
    """
    _row, created = NotInterested.objects.get_or_create(user=user, job=job)
    return created


def recommendation_unhide(*, user, job) -> bool:
    """Undo recommendation_hide; False when the posting was not hidden."""
    deleted, _ = NotInterested.objects.filter(user=user, job=job).delete()
    return bool(deleted)
