"""Celery tasks for alerts and reminders: ids in, one service call, their own retries.

All are idempotent: the matcher advances marks in the transaction that records matches, the
morning builds are keyed (user, kind, day), and a delivery is marked sent in the transaction
that hands it to the mail server. Late acknowledgement with reject-on-worker-lost puts a task
back on the queue if its worker dies; a redelivered send task passes over what was sent.
"""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from notifications import cleanup, digests, matcher
from notifications.models import Delivery

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
# Below the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT, 5 minutes), so a task whose
# worker died is delivered again soon and a slow one never twice. A matcher run takes seconds at
# the beat's pace; a backlog (a big import) is worked off in runs of matcher.MAX_NEW_POSTINGS,
# each queuing the next.
LIMITS = dict(soft_time_limit=3 * 60, time_limit=4 * 60)
COMMON = dict(acks_late=True, reject_on_worker_lost=True, retry_backoff=5, retry_backoff_max=600, retry_jitter=True, max_retries=8)


@shared_task(**COMMON, autoretry_for=TRANSIENT, **LIMITS)
def match_new_postings() -> dict:
    """Beat, every few minutes: new postings against every saved search; instant emails go out."""
    run = matcher.alerts_match(max_new=matcher.MAX_NEW_POSTINGS)
    for chunk in digests.chunks(run.instant_deliveries):
        send_deliveries.delay(chunk)
    if run.new_postings >= matcher.MAX_NEW_POSTINGS:
        match_new_postings.delay()  # a backlog: the next slice now, not at the next beat
    return {"new_postings": run.new_postings, "distinct_queries": run.distinct_queries, "matches": run.matches}


@shared_task(**COMMON, autoretry_for=TRANSIENT, **LIMITS)
def send_morning_emails() -> dict:
    """Beat, hourly: the seekers whose local clock reads the morning hour get their digest and reminders."""
    now = timezone.now()
    zones = digests.zones_at_local_hour(now, digests.morning_hour())
    if not zones:
        return {"digests": 0, "reminders": 0}
    made = {"digests": digests.digests_build(now=now, zones=zones), "reminders": digests.reminders_build(now=now, zones=zones)}
    day = now.astimezone(digests.zoneinfo.ZoneInfo(zones[0])).date()
    for kind in (Delivery.Kind.DIGEST, Delivery.Kind.REMINDERS):
        for chunk in digests.chunks(digests.pending_ids(kind=kind, day=day)):
            send_deliveries.delay(chunk)
    return made


@shared_task(**COMMON, autoretry_for=(*TRANSIENT, SMTPException, OSError), **LIMITS)
def send_deliveries(delivery_ids: list[int]) -> int:
    """Send a batch of emails over one SMTP connection; a retry or redelivery skips those sent."""
    return digests.deliveries_send(delivery_ids)


@shared_task(**COMMON, autoretry_for=TRANSIENT, **LIMITS)
def prune_old_notifications() -> dict:
    """Beat, nightly: read notifications and finished deliveries past their time, in chunks for at
    most cleanup.BUDGET_S (90 s); what remains is the next run's, queued at once."""
    pruned = cleanup.notifications_prune()
    if pruned.more:
        prune_old_notifications.delay()
    return {"notifications": pruned.notifications, "deliveries": pruned.deliveries, "more": pruned.more}
