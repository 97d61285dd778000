"""The emails themselves: a text and an HTML part from templates, signed links, and the
List-Unsubscribe headers (RFC 2369, and RFC 8058's one-click POST) for the email's kind."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.time_zones import DEFAULT as DEFAULT_TIME_ZONE
from applications.models import CLOSED_STATUSES, Application, Interview
from notifications.models import AlertMatch, Delivery
from notifications.tokens import reminder_token, unsubscribe_token

KIND_OF_DELIVERY = {Delivery.Kind.DIGEST: "alerts", Delivery.Kind.INSTANT: "alerts", Delivery.Kind.REMINDERS: "reminders"}


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return absolute(reverse("unsubscribe", args=[unsubscribe_token(user_id=user_id, kind=kind)]))


def _message(*, user, kind: str, subject: str, template: str, context: dict) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(user_id=user.pk, kind=kind)
    context = {**context, "user": user, "unsubscribe_url": unsubscribe, "site_url": settings.SITE_URL,
               "preferences_url": absolute(reverse("profile"))}
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, None, [user.email], headers={
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    })
    message.attach_alternative(html, "text/html")
    return message


def wants(user, kind: str) -> bool:
    profile = getattr(user, "profile", None)
    if profile is None:
        return True
    return profile.email_alerts if kind == "alerts" else profile.email_reminders


def _zone(user) -> zoneinfo.ZoneInfo:
    profile = getattr(user, "profile", None)
    return zoneinfo.ZoneInfo(profile.time_zone if profile is not None else DEFAULT_TIME_ZONE)


def matches_message(delivery: Delivery) -> EmailMultiAlternatives | None:
    """The digest or instant alert: the postings matched for it, by saved search (one query)."""
    matches = list(
        AlertMatch.objects.filter(delivery=delivery).select_related("job__company", "saved_search")
        .only("posted_at", "job__title", "job__slug", "job__location", "job__remote_policy", "job__company__name",
              "saved_search__name", "saved_search__unseen_count")
        .order_by("saved_search__name", "saved_search_id", "-posted_at", "-job_id")
    )
    if not matches:
        return None
    by_search: dict[int, dict] = {}
    for match in matches:
        entry = by_search.setdefault(match.saved_search_id, {
            "name": match.saved_search.name, "url": absolute(reverse("saved_search_detail", args=[match.saved_search_id])),
            "jobs": []})
        entry["jobs"].append({"title": match.job.title, "company": match.job.company.name,
                              "where": match.job.location or match.job.get_remote_policy_display(),
                              "url": absolute(match.job.get_absolute_url())})
    count = len(matches)
    daily = delivery.kind == Delivery.Kind.DIGEST
    subject = f"{count} new job{'s' if count != 1 else ''} for your saved searches" + (" today" if daily else "")
    return _message(user=delivery.user, kind="alerts", subject=subject, template="matches",
                    context={"searches": list(by_search.values()), "count": count, "daily": daily})


def reminders_message(delivery: Delivery) -> EmailMultiAlternatives | None:
    """Follow-ups due on the delivery's day and interviews the day after, in the seeker's zone."""
    user, day = delivery.user, delivery.day
    zone = _zone(user)
    follow_ups = list(Application.objects.filter(user=user, next_follow_up=day).exclude(status__in=CLOSED_STATUSES)
                      .only("id", "title", "company_name", "next_follow_up", "job_id").order_by("id"))
    start = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    interviews = list(Interview.objects.filter(user=user, starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
                      .exclude(outcome__in=["cancelled", "rescheduled"]).select_related("application").order_by("starts_at", "id"))
    if not follow_ups and not interviews:
        return None
    items = []
    for application in follow_ups:
        def link(action: str, application=application) -> str:
            token = reminder_token(application_id=application.pk, user_id=user.pk, due=day, action=action)
            return absolute(reverse("reminder_action", args=[token]))
        items.append({"title": application.title or "Untitled", "company": application.company_name,
                      "url": absolute(application.get_absolute_url()), "done_url": link("done"), "snooze_url": link("snooze")})
    meetings = [{"title": i.application.title or "Untitled", "company": i.application.company_name,
                 "kind": i.get_kind_display(), "at": i.starts_at.astimezone(zone).strftime("%H:%M"),
                 "url": absolute(i.application.get_absolute_url())} for i in interviews]
    parts = []
    if items:
        parts.append(f"{len(items)} follow-up{'s' if len(items) != 1 else ''} due today")
    if meetings:
        parts.append(f"{len(meetings)} interview{'s' if len(meetings) != 1 else ''} tomorrow")
    return _message(user=user, kind="reminders", subject=" and ".join(parts).capitalize(), template="reminders",
                    context={"follow_ups": items, "interviews": meetings, "day": day})


def build_message(delivery: Delivery) -> EmailMultiAlternatives | None:
    """The email for a delivery, or None when there is nothing to say or the seeker said no."""
    if not delivery.user.email or not delivery.user.is_active or not wants(delivery.user, KIND_OF_DELIVERY[delivery.kind]):
        return None
    if delivery.kind == Delivery.Kind.REMINDERS:
        return reminders_message(delivery)
    return matches_message(delivery)

