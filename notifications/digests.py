"""The morning emails (daily digest of new matches, reminders) and sending any delivery.

Building is set-wise and idempotent: one Delivery row per (user, kind, day) (a unique key) for
each seeker whose daily searches have matches no email told of yet (`pending_count`). Sending
is one transaction per email: the row and the seeker's pending searches are locked, the email
tells of those matches, their pending counts go back to 0, the row is marked sent, and the
message is handed to the mail server before the commit. So a match is in exactly one email: a
worker killed mid-batch has committed the emails it sent (never sent again) and left the others
pending, with their matches, for the task's redelivery; a match the matcher adds meanwhile waits
for the lock and counts towards the next email.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from accounts.models import Profile
from accounts.time_zones import DEFAULT as DEFAULT_TIME_ZONE
from accounts.time_zones import time_zone_names
from applications.models import CLOSED_STATUSES, Application, Interview
from notifications.emails import build_message
from notifications.inbox import unread_changed
from notifications.models import Delivery, Notification, SavedSearch
from notifications.selectors import pending_searches_for

log = logging.getLogger(__name__)

SEND_BATCH = 200


def zones_at_local_hour(now: datetime, hour: int) -> list[str]:
    """The time zones whose clock reads hour:00-hour:59 at `now` (they share one local date)."""
    return [name for name in time_zone_names() if now.astimezone(zoneinfo.ZoneInfo(name)).hour == hour]


def _users_in(zones: list[str] | None):
    """Profiles in these zones (None: everyone), as a subquery of user ids."""
    profiles = Profile.objects.all() if zones is None else Profile.objects.filter(time_zone__in=zones)
    return profiles.values("user_id")


def _create_deliveries(user_ids: set[int], *, kind: str, day: date, now: datetime,
                       skipped: set[int] = frozenset()) -> set[int]:
    """Delivery rows for these users (the unique key keeps a re-run from adding any); the users new this time."""
    existing = set(Delivery.objects.filter(kind=kind, day=day, run=0, user_id__in=user_ids).values_list("user_id", flat=True))
    new = user_ids - existing
    Delivery.objects.bulk_create(
        [Delivery(user_id=u, kind=kind, day=day, created_at=now,
                  status=Delivery.Status.SKIPPED if u in skipped else Delivery.Status.PENDING) for u in sorted(new)],
        batch_size=5000, ignore_conflicts=True)
    return new


def pending_ids(*, kind: str, day: date | None = None) -> list[int]:
    qs = Delivery.objects.filter(kind=kind, status=Delivery.Status.PENDING)
    if day is not None:
        qs = qs.filter(day=day)
    return list(qs.order_by("id").values_list("id", flat=True))


@transaction.atomic
def digests_build(*, now: datetime | None = None, zones: list[str] | None = None, day: date | None = None) -> int:
    """A digest for each seeker in `zones` (None: all) with daily-search matches no email told of
    yet and alert emails on; returns the number of digests made (sending picks the matches)."""
    now = now or timezone.now()
    if day is None:
        day = now.astimezone(zoneinfo.ZoneInfo(zones[0])).date() if zones else now.date()
    pending = SavedSearch.objects.filter(frequency=SavedSearch.Frequency.DAILY, pending_count__gt=0).order_by()
    wanting = _users_in(zones).filter(email_alerts=True)
    users = set(pending.filter(user_id__in=wanting).values_list("user_id", flat=True).distinct())
    if zones is not None and DEFAULT_TIME_ZONE in zones:  # seekers without a profile live in the default zone
        users |= set(pending.filter(user__profile__isnull=True).values_list("user_id", flat=True).distinct())
    if not users:
        return 0
    return len(_create_deliveries(users, kind=Delivery.Kind.DIGEST, day=day, now=now))


def _local_day(now: datetime, zones: list[str]) -> date:
    return now.astimezone(zoneinfo.ZoneInfo(zones[0])).date()


@transaction.atomic
def reminders_build(*, now: datetime | None = None, zones: list[str]) -> int:
    """Morning reminders for the seekers in `zones` (whose local hour is the same): follow-ups due
    today, interviews tomorrow. An inbox notification for each, and an email unless they said no."""
    now = now or timezone.now()
    if not zones:
        return 0
    day = _local_day(now, zones)
    follow_ups: dict[int, int] = {}
    for user_id in (Application.objects.filter(user_id__in=_users_in(zones), next_follow_up=day)
                    .exclude(status__in=CLOSED_STATUSES).order_by().values_list("user_id", flat=True)):
        follow_ups[user_id] = follow_ups.get(user_id, 0) + 1
    interviews: dict[int, int] = {}
    # Zones sharing a local hour can differ in offset by minutes (+05:30, +05:45): per zone, the
    # interviews' window is the seeker's own tomorrow.
    by_offset: dict[timedelta, list[str]] = {}
    for name in zones:
        by_offset.setdefault(now.astimezone(zoneinfo.ZoneInfo(name)).utcoffset(), []).append(name)
    for names in by_offset.values():
        start = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zoneinfo.ZoneInfo(names[0]))
        for user_id in (Interview.objects.filter(user_id__in=_users_in(names), starts_at__gte=start,
                                                 starts_at__lt=start + timedelta(days=1))
                        .exclude(outcome__in=["cancelled", "rescheduled"]).order_by().values_list("user_id", flat=True)):
            interviews[user_id] = interviews.get(user_id, 0) + 1
    users = set(follow_ups) | set(interviews)
    if not users:
        return 0
    silent = set(Profile.objects.filter(user_id__in=users, email_reminders=False).values_list("user_id", flat=True))
    new = _create_deliveries(users, kind=Delivery.Kind.REMINDERS, day=day, now=now, skipped=silent)
    rows = []
    for user_id in sorted(new):
        parts = []
        if follow_ups.get(user_id):
            n = follow_ups[user_id]
            parts.append(f"{n} follow-up{'s' if n != 1 else ''} due today")
        if interviews.get(user_id):
            n = interviews[user_id]
            parts.append(f"{n} interview{'s' if n != 1 else ''} tomorrow")
        rows.append(Notification(user_id=user_id, kind=Notification.Kind.REMINDER, title=" and ".join(parts).capitalize(),
                                 url="/dashboard/", created_at=now))
    Notification.objects.bulk_create(rows, batch_size=5000)
    unread_changed(new)
    return len(new)


def deliveries_send(delivery_ids: list[int]) -> int:
    """Send these deliveries, each in its own transaction (see the module); returns how many went."""
    sent = 0
    mail = get_connection()
    try:
        for pk in delivery_ids:
            with transaction.atomic():
                delivery = (Delivery.objects.select_for_update(of=("self",)).select_related("user", "user__profile")
                            .filter(pk=pk, status=Delivery.Status.PENDING).first())
                if delivery is None:
                    continue  # sent (or skipped) already: a redelivered task passes over it
                searches = pending_searches_for(delivery)  # locked: the matcher's next counts wait for this email
                message = build_message(delivery, searches)
                if searches:  # told of (or not wanted): the next email starts after them
                    SavedSearch.objects.filter(pk__in=[search.pk for search in searches]).update(pending_count=0)
                delivery.status = Delivery.Status.SENT if message is not None else Delivery.Status.SKIPPED
                delivery.sent_at = timezone.now()
                delivery.save(update_fields=["status", "sent_at"])
                if message is not None:
                    message.connection = mail
                    mail.send_messages([message])  # raises on refusal: the row stays pending, the task retries
                    sent += 1
    finally:
        mail.close()
    return sent


def chunks(ids: list[int], size: int = SEND_BATCH) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def morning_hour() -> int:
    return settings.NOTIFICATIONS_MORNING_HOUR
