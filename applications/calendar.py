"""The seeker's iCalendar feed (RFC 5545, written with the `icalendar` package).

Interviews are timed events in UTC, which every calendar shows in its owner's own zone;
follow-ups are all-day events on their date. Each item keeps one UID for its life, so a
calendar that polls the feed updates an item in place instead of adding a copy.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from applications.models import Application, Interview

PRODUCT_ID = "-//Career Copilot//Applications//EN"
REFRESH = timedelta(hours=1)


def _interview_event(interview: Interview, *, base_url: str, stamp) -> Event:
    application = interview.application
    event = Event()
    event.add("uid", f"interview-{interview.pk}@careercopilot")
    event.add("dtstamp", stamp)
    event.add("dtstart", interview.starts_at.astimezone(UTC))
    event.add("dtend", interview.ends_at.astimezone(UTC))
    event.add("summary", f"{interview.get_kind_display()}: {application.display_title} at {application.display_company}")
    if interview.location:
        event.add("location", interview.location)
    lines = [f"With {interview.with_whom}" if interview.with_whom else "", interview.notes, base_url + application.get_absolute_url()]
    event.add("description", "\n\n".join(line for line in lines if line))
    event.add("url", base_url + application.get_absolute_url())
    if interview.outcome == Interview.Outcome.CANCELLED:
        event.add("status", "CANCELLED")
    return event


def _follow_up_event(application: Application, *, base_url: str, stamp) -> Event:
    event = Event()
    event.add("uid", f"follow-up-{application.pk}@careercopilot")
    event.add("dtstamp", stamp)
    event.add("dtstart", application.next_follow_up)
    event.add("dtend", application.next_follow_up + timedelta(days=1))
    event.add("summary", f"Follow up: {application.display_title} at {application.display_company}")
    event.add("description", base_url + application.get_absolute_url())
    event.add("url", base_url + application.get_absolute_url())
    event.add("transp", "TRANSPARENT")  # a reminder, not busy time
    return event


def calendar_bytes(*, interviews: list[Interview], follow_ups: list[Application], base_url: str, name: str) -> bytes:
    stamp = timezone.now().astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for interview in interviews:
        calendar.add_component(_interview_event(interview, base_url=base_url, stamp=stamp))
    for application in follow_ups:
        calendar.add_component(_follow_up_event(application, base_url=base_url, stamp=stamp))
    return calendar.to_ical()
