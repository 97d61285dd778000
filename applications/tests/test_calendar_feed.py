"""The private iCalendar feed: what it holds, how its secret is reset, and what it costs."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import CalendarFeed
from applications.services import (
    application_archive,
    application_change_status,
    application_create,
    application_set_follow_up,
    calendar_feed_ensure,
    interview_schedule,
)
from applications.tests.factories import add_extras, make_applications

pytestmark = pytest.mark.django_db


def feed_of(client, token: str) -> icalendar.Calendar:
    response = client.get(reverse("calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events(calendar) -> dict[str, icalendar.Event]:
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_it_holds_interviews_in_utc_and_open_follow_ups_as_all_day_events(client, alice, bob, alice_app, bob_app):
    start = dt.datetime(2031, 3, 4, 14, 30, tzinfo=dt.UTC)
    interview = interview_schedule(application=alice_app, by=alice, starts_at=start, duration_minutes=45, kind="onsite",
                                   with_whom="Bill Lumbergh", location="Initech HQ, Austin")
    application_set_follow_up(application=alice_app, on=dt.date(2031, 3, 10), by=alice)
    closed = application_create(user=alice, company_name="Hooli", title="SRE")
    application_set_follow_up(application=closed, on=dt.date(2031, 3, 11), by=alice)
    application_change_status(application=closed, to_status="withdrawn", by=alice)
    archived = application_create(user=alice, company_name="Globex", title="Ops")
    application_set_follow_up(application=archived, on=dt.date(2031, 3, 12), by=alice)
    application_archive(application=archived, by=alice)
    interview_schedule(application=bob_app, by=bob, starts_at=start, kind="final")

    found = events(feed_of(client, calendar_feed_ensure(user=alice).token))

    assert set(found) == {f"interview-{interview.pk}@careercopilot", f"follow-up-{alice_app.pk}@careercopilot"}
    onsite = found[f"interview-{interview.pk}@careercopilot"]
    assert onsite.decoded("dtstart") == start and onsite.decoded("dtend") == start + dt.timedelta(minutes=45)
    assert str(onsite["summary"]) == "On-site: Platform Engineer at Initech"
    assert str(onsite["location"]) == "Initech HQ, Austin"
    assert "With Bill Lumbergh" in str(onsite["description"])
    assert str(onsite["url"]).endswith(alice_app.get_absolute_url())
    follow_up = found[f"follow-up-{alice_app.pk}@careercopilot"]
    assert follow_up.decoded("dtstart") == dt.date(2031, 3, 10)


def test_a_reset_retires_the_old_address_at_once(alice_client, client, alice):
    old = calendar_feed_ensure(user=alice).token

    alice_client.post(reverse("calendar_settings"))

    new = CalendarFeed.objects.get(user=alice).token
    assert new != old and len(new) >= 40
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[new])).status_code == 200
    assert new in alice_client.get(reverse("calendar_settings")).content.decode()


def test_the_settings_page_shows_the_address_to_subscribe_to(alice_client, alice):
    body = alice_client.get(reverse("calendar_settings")).content.decode()

    token = CalendarFeed.objects.get(user=alice).token
    assert f'value="http://testserver/calendar/{token}.ics"' in body


def test_the_feed_is_not_cached_by_shared_caches_and_not_indexed(client, alice):
    response = client.get(reverse("calendar_feed", args=[calendar_feed_ensure(user=alice).token]))

    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize("size", [10, 200])
def test_the_feed_runs_three_queries_whatever_it_holds(client, alice, size, django_assert_num_queries):
    applications = make_applications(alice, size)
    add_extras(applications, each=2)
    for application in applications[: size // 2]:
        application.next_follow_up = timezone.localdate() + dt.timedelta(days=3)
        application.save(update_fields=["next_follow_up"])
    token = calendar_feed_ensure(user=alice).token

    # 1 the feed and its user by the token, 2 the interviews with applications, job and company,
    # 3 the open follow-ups with job and company
    with django_assert_num_queries(3):
        calendar = feed_of(client, token)

    assert len(calendar.walk("VEVENT")) == size * 2 + size // 2
