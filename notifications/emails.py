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
from notifications.models import Delivery, SavedSearch
from notifications.selectors import latest_jobs
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


def matches_message(delivery: Delivery, searches: list[SavedSearch]) -> EmailMultiAlternatives | None:
    """The digest or instant alert: per saved search, how many postings matched since the last
    email and the newest of them (one query for the postings)."""
    if not searches:
        return None
    jobs = latest_jobs(searches)
    entries = []
    for search in searches:
        listed = [jobs[job_id] for job_id in search.latest_job_ids[: search.pending_count] if job_id in jobs]
        entries.append({
            "name": search.name, "count": search.pending_count, "more": search.pending_count - len(listed),
            "url": absolute(reverse("saved_search_detail", args=[search.pk])),
            "jobs": [{"title": job.title, "company": job.company.name, "where": job.location or job.get_remote_policy_display(),
                      "url": absolute(job.get_absolute_url())} for job in listed],
        })
    count = sum(search.pending_count for search in searches)
    daily = delivery.kind == Delivery.Kind.DIGEST
    subject = f"{count} new job{'s' if count != 1 else ''} for your saved searches" + (" today" if daily else "")
    return _message(user=delivery.user, kind="alerts", subject=subject, template="matches",
                    context={"searches": entries, "count": count, "daily": daily})


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


def build_message(delivery: Delivery, searches: list[SavedSearch] = ()) -> EmailMultiAlternatives | None:
    """The email for a delivery (`searches`: the pending ones a matches email tells of), or None
    when there is nothing to say or the seeker said no."""
    if not delivery.user.email or not delivery.user.is_active or not wants(delivery.user, KIND_OF_DELIVERY[delivery.kind]):
        return None
    if delivery.kind == Delivery.Kind.REMINDERS:
        return reminders_message(delivery)
    return matches_message(delivery, list(searches))

