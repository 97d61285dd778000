import re
from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import Application
from analytics.services import trending_recompute
from jobs import selectors
from jobs.tests.conftest import TOTAL_QUERIES
from jobs.tests.factories import CompanyFactory, JobFactory

pytestmark = pytest.mark.django_db


def titles(body: str) -> list[str]:
    return re.findall(r'class="job-title" href="[^"]+"><strong>([^<]+)</strong>', body)


@pytest.mark.parametrize("catalogue", [3, 30], indirect=True)
def test_a_company_page_costs_a_fixed_number_of_queries(client, catalogue, django_assert_num_queries):
    company = catalogue[0].company
    # the company, the total of its open jobs, a page of them, their skills
    with django_assert_num_queries(TOTAL_QUERIES + 3):
        response = client.get(company.get_absolute_url())
    assert response.status_code == 200


def test_a_company_page_lists_only_its_open_jobs_newest_first(client):
    acme = CompanyFactory(name="Acme", description="We make anvils.")
    JobFactory(title="Older", company=acme, posted_at=timezone.now() - timedelta(days=2))
    JobFactory(title="Newer", company=acme)
    JobFactory(title="Closed", company=acme, is_active=False)
    JobFactory(title="Elsewhere")
    body = client.get("/companies/acme/").content.decode()
    assert "<h1>Acme</h1>" in body and "We make anvils." in body
    assert "2 open jobs" in body
    assert titles(body) == ["Newer", "Older"]


def test_a_company_page_pages_with_cursors(client):
    acme = CompanyFactory(name="Acme")
    for n in range(25):
        JobFactory(title=f"Job {n}", company=acme, posted_at=timezone.now() - timedelta(hours=n))
    first = client.get("/companies/acme/").content.decode()
    next_link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert titles(client.get("/companies/acme/" + next_link).content.decode()) == [f"Job {n}" for n in range(20, 25)]
    assert client.get("/companies/acme/?page=abc").status_code == 400


def test_an_unknown_company_is_a_404(client):
    assert client.get("/companies/nobody/").status_code == 404


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
    trending, newest = body.split("<h2>Trending this week</h2>")[1].split("<h2>Newest jobs</h2>")
    assert titles(trending) == ["Hot", "Warm"]
    assert titles(newest)[0] == "Brand new"


def test_trending_jobs_is_cached_behind_one_accessor(django_user_model, django_assert_num_queries):
    user = django_user_model.objects.create(username="u")
    _track([user], JobFactory(title="Hot"))
    trending_recompute()
    assert [job.title for job in selectors.trending_jobs(5)] == ["Hot"]
    with django_assert_num_queries(0):
        assert [job.title for job in selectors.trending_jobs(5)] == ["Hot"]
