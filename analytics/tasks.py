"""Celery tasks for analytics.

Each takes ids (or nothing), calls one service and owns its retry policy. All are idempotent:
the services upsert, so a task run twice, or twice at once, leaves the same rows. Late
acknowledgement with reject-on-worker-lost puts a task back on the queue if its worker dies.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from analytics import services
from analytics.signals import metrics_ready

# Worth another try: the database or Redis blinked (restart, failover, lock timeout, deadlock).
TRANSIENT = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)

COMMON = dict(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)


@shared_task(**COMMON, soft_time_limit=60, time_limit=90)
def refresh_user_metrics(user_id: int) -> int:
    """One user's metrics, after their applications changed; then anyone above may say so."""
    done = services.user_metrics_recompute(user_ids=[user_id])
    metrics_ready.send(sender=refresh_user_metrics, user_ids=[user_id])
    return done


@shared_task(**COMMON, soft_time_limit=15 * 60, time_limit=16 * 60)
def refresh_active_user_metrics() -> int:
    """Beat: every user with a change (or a follow-up fallen due) since the last run."""
    return services.user_metrics_recompute_active()


@shared_task(**COMMON, soft_time_limit=15 * 60, time_limit=16 * 60)
def refresh_metrics_at_local_midnight() -> int:
    """Beat, hourly: the seekers whose own day just began (due follow-ups, the new week)."""
    return services.user_metrics_recompute_at_local_midnight()


@shared_task(**COMMON, soft_time_limit=30 * 60, time_limit=32 * 60)
def recompute_all_user_metrics() -> int:
    """Beat, weekly: everyone, so the 26-week charts of quiet users roll over too."""
    return services.user_metrics_recompute_all()


@shared_task(**COMMON, soft_time_limit=5 * 60, time_limit=6 * 60)
def refresh_platform_stats() -> int:
    return services.platform_stats_recompute()


@shared_task(**COMMON, soft_time_limit=5 * 60, time_limit=6 * 60)
def refresh_trending() -> list[int]:
    return list(services.trending_recompute())


@shared_task(**COMMON, soft_time_limit=30 * 60, time_limit=32 * 60)
def mark_ghosted_applications(after_days: int | None = None) -> int:
    """Beat, daily: applied with no reply for ANALYTICS_GHOST_AFTER_DAYS days → ghosted."""
    return services.applications_mark_ghosted(after_days=after_days)
