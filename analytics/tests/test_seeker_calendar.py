"""A seeker's figures follow their own calendar: the chart's weeks start on their Monday, a
follow-up is due on their date, their day turns over at their midnight, and a new time zone
recomputes them. Whichever path the database uses (SQL on PostgreSQL, Python on SQLite)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from celery.signals import task_prerun

from accounts.models import Profile
from analytics import services
from analytics.models import UserMetrics
from analytics.snapshots import user_metrics_recompute

UTC = timezone.utc
pytestmark = pytest.mark.django_db


def seeker(django_user_model, name: str, zone: str | None):
    user = django_user_model.objects.create_user(username=name)
    if zone is not None:
        Profile.objects.create(user=user, time_zone=zone)
    return user


def week_of(user, week: str) -> dict:
    metrics = UserMetrics.objects.get(user=user)
    return next(item for item in metrics.weekly_applications if item["week"] == week)


def test_an_application_sent_on_a_utc_sunday_evening_counts_in_tokyos_new_week(django_user_model, make_application):
    tokyo, london = seeker(django_user_model, "tokyo", "Asia/Tokyo"), seeker(django_user_model, "utc", "UTC")
    sunday_evening = datetime(2026, 3, 15, 20, 0, tzinfo=UTC)  # Monday 05:00 in Tokyo
    for user in (tokyo, london):
        application = make_application(user, "applied", created="2026-03-10", applied="2026-03-11")
        application.applied_at = sunday_evening
        application.save(update_fields=["applied_at"])

    user_metrics_recompute(user_ids=[tokyo.pk, london.pk], now=datetime(2026, 3, 18, 9, 0, tzinfo=UTC))

    assert week_of(tokyo, "2026-03-16")["applied"] == 1
    assert week_of(tokyo, "2026-03-09")["applied"] == 0
    assert week_of(london, "2026-03-09")["applied"] == 1
    assert week_of(london, "2026-03-16")["applied"] == 0


def test_a_follow_up_is_due_on_the_seekers_own_date(django_user_model, make_application):
    tokyo, london = seeker(django_user_model, "tokyo", "Asia/Tokyo"), seeker(django_user_model, "utc", None)
    for user in (tokyo, london):
        make_application(user, "applied", created="2026-03-10", applied="2026-03-11", follow_up="2026-03-19")

    # 20:00 UTC on the 18th is already the 19th in Tokyo.
    user_metrics_recompute(user_ids=[tokyo.pk, london.pk], now=datetime(2026, 3, 18, 20, 0, tzinfo=UTC))

    assert UserMetrics.objects.get(user=tokyo).follow_ups_due == 1
    assert UserMetrics.objects.get(user=london).follow_ups_due == 0


def test_the_hourly_job_picks_the_seekers_whose_day_just_began(django_user_model):
    tokyo = seeker(django_user_model, "tokyo", "Asia/Tokyo")
    kolkata = seeker(django_user_model, "kolkata", "Asia/Kolkata")
    utc, no_profile = seeker(django_user_model, "utc", "UTC"), seeker(django_user_model, "nobody", None)

    assert services.users_at_local_midnight(datetime(2026, 3, 18, 15, 2, tzinfo=UTC)) == [tokyo.pk]  # 00:02 JST
    assert services.users_at_local_midnight(datetime(2026, 3, 18, 19, 2, tzinfo=UTC)) == [kolkata.pk]  # 00:32 IST
    assert services.users_at_local_midnight(datetime(2026, 3, 18, 0, 2, tzinfo=UTC)) == sorted([utc.pk, no_profile.pk])


def test_every_zone_reaches_its_midnight_exactly_once_in_a_day_of_hourly_runs():
    start = datetime(2026, 3, 18, 0, 2, tzinfo=UTC)
    seen: dict[str, int] = {}
    for hour in range(24):
        for zone in services.zones_at_local_midnight(start + timedelta(hours=hour)):
            seen[zone] = seen.get(zone, 0) + 1
    assert set(seen.values()) == {1}
    assert {"Asia/Tokyo", "America/Los_Angeles", "Asia/Kathmandu", "Pacific/Kiritimati", "UTC"} <= set(seen)


def test_the_hourly_job_refreshes_a_quiet_seekers_due_follow_ups(django_user_model, make_application):
    tokyo = seeker(django_user_model, "tokyo", "Asia/Tokyo")
    make_application(tokyo, "applied", created="2026-03-10", applied="2026-03-11", follow_up="2026-03-19")
    user_metrics_recompute(user_ids=[tokyo.pk], now=datetime(2026, 3, 18, 9, 0, tzinfo=UTC))
    assert UserMetrics.objects.get(user=tokyo).follow_ups_due == 0

    done = services.user_metrics_recompute_at_local_midnight(now=datetime(2026, 3, 18, 15, 2, tzinfo=UTC))

    assert done == 1
    assert UserMetrics.objects.get(user=tokyo).follow_ups_due == 1


@pytest.mark.django_db(transaction=True)
def test_a_new_time_zone_on_the_profile_recomputes_the_seekers_figures(alice_client, alice):
    ran: list[tuple] = []

    def record(sender=None, args=None, **_):
        if sender is not None and sender.name == "analytics.tasks.refresh_user_metrics":
            ran.append(tuple(args or ()))

    task_prerun.connect(record, weak=False)
    try:
        form = {"remote_preference": "any", "salary_currency": "USD", "time_zone": "Asia/Tokyo"}
        assert alice_client.post("/profile/", form).status_code == 302
        assert ran == [(alice.pk,)]
        alice_client.post("/profile/", form)  # the same zone again: nothing to recompute
        assert ran == [(alice.pk,)]
    finally:
        task_prerun.disconnect(record)
