"""The company page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.tests.conftest import TOTAL_QUERIES
from jobs.tests.factories import CompanyFactory, JobFactory

pytestmark = pytest.mark.django_db


def titles(body: str) -> list[str]:
    return re.findall(r'class="job-title" href="[^"]+"><strong>([^<]+)</strong>', body)


@pytest.mark.parametrize("catalogue", [3, 30], indirect=True)
def test_a_company_page_costs_a_fixed_number_of_queries(client, catalogue, django_assert_num_queries):
    company = catalogue[0].company
    # the company, its id by slug for the search's filter (cached per catalogue generation),
    # the total of its open jobs, a page of them, their skills
    with django_assert_num_queries(TOTAL_QUERIES + 4):
        response = client.get(company.get_absolute_url())
    assert response.status_code == 200


def test_a_company_page_lists_only_its_open_jobs_newest_first(client):
    acme = CompanyFactory(name="Acme", description="We make anvils.")
    JobFactory(title="Older", company=acme, posted_at=timezone.now() - timedelta(days=2))
    JobFactory(title="Newer", company=acme, posted_at=timezone.now())
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
