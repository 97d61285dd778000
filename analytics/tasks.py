"""Celery tasks for analytics.

Each takes ids (or nothing), calls one service and owns its retry policy. All are idempotent:
the services upsert, so a task run twice, or twice at once, leaves the same rows. Late
acknowledgement with reject-on-worker-lost puts a task back on the queue if its worker dies.
"""

from __future__ import annotations

import time
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from analytics import services
from analytics.signals import metrics_ready
from analytics.snapshots import BATCH_SIZE

# Worth another try: the database, Redis or the broker (a chunk enqueuing the next) blinked
# (restart, failover, lock timeout, deadlock).
TRANSIENT = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError,
             BrokerError)

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


# A beat job over many users is a chain of chunks: each stops at the end of the first batch that
# ends past ANALYTICS_CHUNK_SECONDS and enqueues the next chunk with the id it reached. So no task
# runs for more than a few minutes, the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT)
# can sit just above these limits, and a chunk whose worker died is delivered again within
# minutes and redone whole (every write is an upsert). A batch takes seconds at full size
# (about 3.4 s for 2,000 users at a million applications), a single-query job about 8 s.
CHUNK = dict(soft_time_limit=3 * 60, time_limit=4 * 60)


def _deadline() -> float:
    return time.monotonic() + settings.ANALYTICS_CHUNK_SECONDS


@shared_task(**COMMON, **CHUNK)
def refresh_active_user_metrics(resume: dict | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Beat: every user with a change (or a follow-up fallen due) since the last run."""
    done, resume = services.user_metrics_recompute_active_chunk(resume=resume, deadline=_deadline(), batch_size=batch_size)
    if resume is not None:
        refresh_active_user_metrics.delay(resume=resume, batch_size=batch_size)
    return done


@shared_task(**COMMON, **CHUNK)
def refresh_metrics_at_local_midnight(now: str | None = None, after_id: int = 0, batch_size: int = BATCH_SIZE) -> int:
    """Beat, hourly: the seekers whose own day just began (due follow-ups, the new week)."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    done, last_id = services.user_metrics_recompute_at_local_midnight_chunk(
        now=moment, after_id=after_id, deadline=_deadline(), batch_size=batch_size)
    if last_id is not None:
        refresh_metrics_at_local_midnight.delay(now=moment.isoformat(), after_id=last_id, batch_size=batch_size)
    return done


@shared_task(**COMMON, **CHUNK)
def recompute_all_user_metrics(after_id: int = 0, batch_size: int = BATCH_SIZE) -> int:
    """Beat, weekly: everyone, so the 26-week charts of quiet users roll over too."""
    done, last_id = services.user_metrics_recompute_all_chunk(after_id=after_id, deadline=_deadline(), batch_size=batch_size)
    if last_id is not None:
        recompute_all_user_metrics.delay(after_id=last_id, batch_size=batch_size)
    return done


@shared_task(**COMMON, **CHUNK)
def refresh_platform_stats() -> int:
    return services.platform_stats_recompute()


@shared_task(**COMMON, **CHUNK)
def refresh_trending() -> list[int]:
    return list(services.trending_recompute())


@shared_task(**COMMON, **CHUNK)
def mark_ghosted_applications(after_days: int | None = None, batch_size: int = services.GHOST_BATCH_SIZE) -> int:
    """Beat, daily: applied with no reply for ANALYTICS_GHOST_AFTER_DAYS days → ghosted."""
    moved, more = services.applications_mark_ghosted_chunk(after_days=after_days, batch_size=batch_size,
                                                           deadline=_deadline())
    if more:
        mark_ghosted_applications.delay(after_days=after_days, batch_size=batch_size)
    return moved
