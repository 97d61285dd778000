"""The home page: the catalogue's newest postings beside analytics' trending ones."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.services import trending_recompute
from applications.models import Application
from jobs.tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def titles(body: str) -> list[str]:
    return re.findall(r'class="job-title" href="[^"]+"><strong>([^<]+)</strong>', body)


def _track(users, job, days_ago=0):
    for user in users:
        Application.objects.create(user=user, job=job, created_at=timezone.now() - timedelta(days=days_ago))


@pytest.mark.parametrize("size", [2, 12])
def test_home_costs_a_fixed_number_of_queries(client, django_user_model, django_assert_num_queries, size):
    users = [django_user_model.objects.create(username=f"u{n}") for n in range(3)]
    for job in [JobFactory() for _ in range(size)]:
        _track(users[:2], job)
    trending_recompute()
    # 1 newest jobs, 2 trending job ids (analytics' ranking), 3 those jobs
    with django_assert_num_queries(3):
        response = client.get("/")
    assert response.status_code == 200
    assert response.content.decode().count('class="job-card"') == min(size, 6) + min(size, 10)


def test_home_shows_the_search_box_trending_and_newest_jobs(client, django_user_model):
    users = [django_user_model.objects.create(username=f"u{n}") for n in range(3)]
    hot, warm, stale, closed = JobFactory(title="Hot"), JobFactory(title="Warm"), JobFactory(title="Stale"), JobFactory(title="Gone")
    _track(users, hot)
    _track(users[:2], warm)
    _track(users, stale, days_ago=10)  # outside the week
    _track(users, closed)
    closed.is_active = False
    closed.save()
    JobFactory(title="Brand new", posted_at=timezone.now())
    trending_recompute()

    body = client.get("/").content.decode()
    assert 'role="search"' in body and 'action="/jobs/"' in body
    trending, newest = body.split("Trending this week</h2>")[1].split("Newest jobs</h2>")
    assert titles(trending) == ["Hot", "Warm"]
    assert titles(newest)[0] == "Brand new"
