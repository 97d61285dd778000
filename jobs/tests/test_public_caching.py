"""Anonymous pages and API answers are public (a proxy or browser may keep them); nothing
personal ever is; an edit to one posting evicts its page and, when a list shows what changed,
the lists — never the other postings' pages."""

import pytest
from django.test import Client

from jobs import cache as jobs_cache
from jobs.tests.factories import CompanyFactory, JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    return JobFactory(title="Plumber", remote_policy="remote", company=CompanyFactory(name="Pipes"))


@pytest.fixture
def other_job():
    return JobFactory(title="Welder", company=CompanyFactory(name="Sparks"))


ANONYMOUS = {
    "home": lambda job: "/",
    "list": lambda job: "/jobs/",
    "search": lambda job: "/jobs/?q=plumber&remote=remote",
    "detail": lambda job: job.get_absolute_url(),
    "company": lambda job: job.company.get_absolute_url(),
    "api list": lambda job: "/api/v1/jobs/?q=plumber",
    "api detail": lambda job: f"/api/v1/jobs/{job.pk}/",
    "api similar": lambda job: f"/api/v1/jobs/{job.pk}/similar/",
}


def _vary(response) -> set[str]:
    return {value.strip().lower() for value in response.get("Vary", "").split(",") if value.strip()}


@pytest.mark.parametrize("page", ANONYMOUS)
def test_an_anonymous_answer_is_public_and_does_not_vary_on_cookies(job, page):
    client = Client()
    url = ANONYMOUS[page](job)
    for _ in range(2):  # built, then from Django's cache (the pages)
        response = client.get(url)
        assert response.status_code == 200
        assert "public" in response["Cache-Control"] and f"max-age={jobs_cache.PUBLIC_MAX_AGE}" in response["Cache-Control"]
        assert "cookie" not in _vary(response)
        assert not response.cookies


@pytest.mark.parametrize("page", ANONYMOUS)
def test_a_logged_in_visitor_gets_a_private_answer_never_the_shared_copy(alice_client, job, page):
    url = ANONYMOUS[page](job)
    Client().get(url)  # the shared copy exists

    response = alice_client.get(url)

    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert "X-Page-Cache" not in response


def test_an_anonymous_visitor_with_a_session_is_served_but_not_publicly(client, alice, job):
    client.force_login(alice)
    client.logout()  # still sends a session cookie? Django drops it; set one as a log-out leaves behind
    client.cookies["sessionid"] = "no-such-session"

    response = client.get(job.get_absolute_url())

    assert response.status_code == 200
    assert "public" not in response.get("Cache-Control", "")
    assert "cookie" in _vary(response)


def test_a_page_with_a_pending_message_is_neither_public_nor_stored(client, job):
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage

    client.cookies["messages"] = CookieStorage(request=None)._encode([Message(20, "Saved!")])
    response = client.get("/jobs/")

    assert "Saved!" in response.content.decode()
    assert "public" not in response.get("Cache-Control", "")
    assert "Saved!" not in Client().get("/jobs/").content.decode()


def test_pages_with_a_csrf_token_are_never_public(client):
    response = client.get("/login/")

    assert "csrfmiddlewaretoken" in response.content.decode()
    assert "public" not in response.get("Cache-Control", "")


def test_an_edit_evicts_that_postings_page_not_the_others(job, other_job, capture_commits):
    client = Client()
    for url in (job.get_absolute_url(), other_job.get_absolute_url(), "/jobs/"):
        client.get(url)

    with capture_commits():
        job.description = "Fixes pipes, now with a van."
        job.save()

    edited = client.get(job.get_absolute_url())
    assert edited["X-Page-Cache"] == "miss" and "now with a van" in edited.content.decode()
    assert client.get(other_job.get_absolute_url())["X-Page-Cache"] == "hit"
    assert client.get("/jobs/")["X-Page-Cache"] == "hit"  # no list shows the description


def test_an_edit_to_a_listed_field_evicts_the_lists_too(job, other_job, capture_commits):
    client = Client()
    for url in (other_job.get_absolute_url(), "/jobs/", "/"):
        client.get(url)

    with capture_commits():
        job.title = "Master plumber"
        job.save()

    assert "Master plumber" in client.get("/jobs/").content.decode()
    assert "Master plumber" in client.get("/").content.decode()
    assert client.get(other_job.get_absolute_url())["X-Page-Cache"] == "hit"


def test_changing_a_postings_skills_evicts_its_page(job, capture_commits):
    from jobs.tests.factories import SkillFactory

    client = Client()
    client.get(job.get_absolute_url())
    with capture_commits():
        job.skills.add(SkillFactory(name="Soldering"))

    response = client.get(job.get_absolute_url())
    assert response["X-Page-Cache"] == "miss" and "Soldering" in response.content.decode()


def test_similar_jobs_are_cached_per_posting(job, other_job, capture_commits):
    before = jobs_cache.posting_generation(other_job.pk)
    with capture_commits():
        job.title = "Master plumber"
        job.save()

    assert jobs_cache.posting_generation(other_job.pk) == before
    assert jobs_cache.posting_generation(job.pk) != before


def test_a_save_that_changes_nothing_listed_keeps_the_lists(job, capture_commits):
    client = Client()
    client.get("/jobs/")
    with capture_commits():
        job.save(update_fields=["apply_url"])

    assert client.get("/jobs/")["X-Page-Cache"] == "hit"
