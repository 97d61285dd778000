"""Platform figures: postings per day, trending postings and skills, served from the cache."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import PlatformDailyStats, TrendingJob, TrendingSkill
from analytics.selectors import platform_snapshot, trending_jobs
from analytics.services import platform_stats_recompute, trending_recompute

pytestmark = pytest.mark.django_db


def _track(job, users, *, days_ago: int):
    from applications.models import Application

    moment = timezone.now() - timedelta(days=days_ago)
    for user in users:
        Application.objects.create(user=user, job=job, status="saved", created_at=moment, updated_at=moment)


@pytest.fixture
def seekers(django_user_model):
    return [django_user_model.objects.create_user(username=f"seeker{i}") for i in range(4)]


def test_it_ranks_live_postings_by_applications_in_the_last_seven_days(make_job, seekers):
    hot = make_job("Hot", "Acme", ("Python", "SQL"))
    warm = make_job("Warm", "Beta", ("Python",))
    old_news = make_job("Old news", "Gamma", ("Cobol",))
    closed = make_job("Closed", "Delta", ("Rust",), is_active=False)
    _track(hot, seekers[:3], days_ago=1)
    _track(warm, seekers[:2], days_ago=6)
    _track(old_news, seekers, days_ago=9)
    _track(closed, seekers, days_ago=1)

    assert trending_recompute() == (2, 3)

    assert list(TrendingJob.objects.values_list("rank", "job__title", "applications")) == [(1, "Hot", 3), (2, "Warm", 2)]
    # Skills count every application in the window, live posting or not.
    assert list(TrendingSkill.objects.values_list("rank", "skill__name", "applications")) == [
        (1, "Python", 5), (2, "Rust", 4), (3, "SQL", 3),
    ]


def test_it_drops_ranks_that_fell_away_and_is_the_same_when_run_twice(make_job, seekers):
    first, second = make_job("First", "Acme"), make_job("Second", "Beta")
    _track(first, seekers[:2], days_ago=1)
    _track(second, seekers[:1], days_ago=1)
    trending_recompute()
    second.is_active = False
    second.save()

    trending_recompute()
    trending_recompute()

    assert list(TrendingJob.objects.values_list("rank", "job__title")) == [(1, "First")]


def test_it_counts_postings_applications_and_sign_ups_per_day(make_job, alice):
    now = timezone.now()
    start_of_today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    make_job("Today", "Acme", posted_at=now)
    make_job("Yesterday", "Acme", posted_at=now - timedelta(days=1), expires_at=start_of_today + timedelta(seconds=1))
    make_job("Long ago", "Acme", posted_at=now - timedelta(days=90))
    make_job("Expired long ago", "Acme", posted_at=now - timedelta(days=90), expires_at=now - timedelta(days=60))
    make_job("Inactive", "Acme", posted_at=now, is_active=False)
    _track(make_job("Tracked", "Beta", posted_at=now - timedelta(days=2)), [alice], days_ago=0)

    assert platform_stats_recompute(days=30) == 30

    today = PlatformDailyStats.objects.get(day=now.date())
    yesterday = PlatformDailyStats.objects.get(day=now.date() - timedelta(days=1))
    assert (today.postings, today.applications, today.new_users) == (2, 1, 1)
    # Live at the end of today: Today, Long ago, Tracked (Yesterday expired, Inactive is off).
    assert today.active_postings == 3
    # Live at the end of yesterday: Yesterday (it expired today), Long ago, Tracked.
    assert (yesterday.postings, yesterday.active_postings) == (1, 3)
    assert PlatformDailyStats.objects.count() == 30


def test_it_serves_trending_from_the_cache_until_the_next_recompute(make_job, seekers, django_assert_num_queries):
    job = make_job("Hot", "Acme")
    _track(job, seekers[:1], days_ago=1)
    trending_recompute()
    assert trending_jobs()[0]["title"] == "Hot"

    with django_assert_num_queries(0):
        assert platform_snapshot()["trending_jobs"][0]["applications"] == 1

    _track(job, seekers[1:], days_ago=1)
    trending_recompute()  # bumps the platform generation once the transaction commits
    from analytics.cache import bump_platform

    bump_platform()  # (the test's transaction never commits, so bump as the commit would)
    assert trending_jobs()[0]["applications"] == 4


def test_trending_postings_for_job_cards_are_cached_behind_one_accessor(make_job, seekers, django_assert_num_queries):
    from analytics.selectors import trending_postings

    _track(make_job("Hot", "Acme", ("Python",)), seekers[:1], days_ago=1)
    trending_recompute()
    assert [job.title for job in trending_postings(5)] == ["Hot"]
    with django_assert_num_queries(0):
        assert [job.title for job in trending_postings(5)] == ["Hot"]
