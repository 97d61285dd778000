"""/health/ and stored anonymous pages are answered above the session, CSRF and log-in middleware
(careercopilot.middleware.early_answers), with every header the full stack gives them."""

from __future__ import annotations

import pytest
from django.test import Client

from jobs.tests.factories import CompanyFactory, JobFactory

pytestmark = pytest.mark.django_db

SHARED_HEADERS = ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "X-Content-Type-Options")


@pytest.fixture
def job():
    return JobFactory(title="Plumber", remote_policy="remote", company=CompanyFactory(name="Pipes"))


def test_health_is_answered_without_a_session_even_with_a_session_cookie(alice_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = alice_client.get("/health/")

    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert not hasattr(response.wsgi_request, "session")
    assert "no-store" in response["Cache-Control"] and "Cookie" not in response.get("Vary", "")
    assert all(header in response for header in SHARED_HEADERS)


@pytest.mark.parametrize("url", ["/jobs/?q=plumber", "detail", "company", "/"])
def test_a_stored_page_is_answered_early_with_the_headers_of_a_full_answer(client, job, url, django_assert_num_queries):
    url = {"detail": job.get_absolute_url(), "company": job.company.get_absolute_url()}.get(url, url)
    built = client.get(url)
    assert built["X-Page-Cache"] == "miss" and hasattr(built.wsgi_request, "session")

    with django_assert_num_queries(0):
        stored = Client().get(url)

    assert stored["X-Page-Cache"] == "hit" and stored.content == built.content
    assert not hasattr(stored.wsgi_request, "session")
    assert stored["Cache-Control"] == "public, max-age=60" and "Cookie" not in stored.get("Vary", "")
    assert not stored.cookies
    assert all(header in stored for header in SHARED_HEADERS)


def test_a_logged_in_visitor_never_gets_the_stored_page(alice_client, job):
    Client().get("/jobs/?q=plumber")
    assert Client().get("/jobs/?q=plumber")["X-Page-Cache"] == "hit"

    mine = alice_client.get("/jobs/?q=plumber")

    assert "X-Page-Cache" not in mine and "private" in mine["Cache-Control"]
    assert hasattr(mine.wsgi_request, "session")


def test_a_bad_host_is_refused_before_a_stored_page(client, job):
    client.get("/jobs/?q=plumber")

    assert Client().get("/jobs/?q=plumber", HTTP_HOST="evil.example").status_code == 400
