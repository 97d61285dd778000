"""System messages in the inbox, from signals the lower apps send after their work committed.

- applications.signals.applications_imported: "Imported N applications" to the seeker; their
  figures are recomputed next, so a flag waits (in the cache) for analytics' metrics_ready.
- analytics.signals.metrics_ready: "Your dashboard figures are ready" after such an import
  (every other refresh is routine and says nothing).
- jobs.signals.postings_imported (manage.py import_jobs): a message to every active staff user.
And at log-in (django.contrib.auth's user_logged_in) the bell's count is put in the cache.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.cache import cache

from notifications.inbox import notification_send, unread_changed, unread_count
from notifications.models import Notification

log = logging.getLogger(__name__)

AWAITING_METRICS_TIMEOUT = 60 * 60


def warm_bell(sender, *, user, **kwargs) -> None:
    """Count the unread at log-in, so the seeker's pages find the bell warm from the first one."""
    try:
        unread_count(user)
    except Exception:  # a cache or database blip must not stop a log-in; the page counts instead
        log.warning("could not warm the bell of user %s", user.pk, exc_info=True)


def _awaiting_metrics_key(user_id: int) -> str:
    return f"notifications:metrics-after-import:{user_id}"


def notify_applications_imported(sender, *, user_id: int, count: int, source: str = "", **kwargs) -> None:
    try:
        notification_send(user_id=user_id, kind=Notification.Kind.SYSTEM,
                          title=f"Import finished: {count} application{'s' if count != 1 else ''} added",
                          body=f"From {source}." if source else "", url="/applications/")
        cache.set(_awaiting_metrics_key(user_id), 1, AWAITING_METRICS_TIMEOUT)
    except Exception:  # the import is committed: a missing message is logged, never an error page
        log.warning("could not tell user %s their import finished", user_id, exc_info=True)


def notify_metrics_ready(sender, *, user_ids: list[int], **kwargs) -> None:
    for user_id in user_ids:
        try:
            if cache.get(_awaiting_metrics_key(user_id)):
                cache.delete(_awaiting_metrics_key(user_id))
                notification_send(user_id=user_id, kind=Notification.Kind.SYSTEM,
                                  title="Your dashboard figures are ready", body="They include the applications you imported.",
                                  url="/dashboard/")
        except Exception:
            log.warning("could not tell user %s their figures are ready", user_id, exc_info=True)


def notify_postings_imported(sender, *, source: str, created: int, updated: int, bad: int = 0, **kwargs) -> None:
    staff = list(get_user_model().objects.filter(is_staff=True, is_active=True).values_list("id", flat=True))
    if not staff:
        return
    Notification.objects.bulk_create([
        Notification(user_id=user_id, kind=Notification.Kind.SYSTEM,
                     title=f"Job import finished: {created:,} created, {updated:,} updated",
                     body=f"Source {source}; {bad:,} rows refused." if bad else f"Source {source}.", url="/admin/jobs/job/")
        for user_id in staff
    ])
    unread_changed(staff)
