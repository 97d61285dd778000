"""The saved-search pages: save from /jobs/, list with new counts, open, edit, delete; only your own."""

from __future__ import annotations

import pytest

from notifications.matcher import alerts_match
from notifications.models import SavedSearch
from notifications.tests.conftest import arrive, later, save_search

pytestmark = pytest.mark.django_db


def test_the_jobs_page_offers_to_save_the_search_to_a_logged_in_seeker(alice_client):
    response = alice_client.get("/jobs/", {"q": "python", "remote": "remote"})
    assert b'href="/searches/new/?q=python&amp;remote=remote"' in response.content


def test_it_saves_a_search_with_its_normalised_query(alice_client, alice):
    page = alice_client.get("/searches/new/?q=Python&remote=remote&skills=Django,%20python")
    assert page.status_code == 200 and b"Save search" in page.content
    response = alice_client.post("/searches/new/?q=Python&remote=remote&skills=Django,%20python",
                                 {"name": "Remote Python", "frequency": "instant"})
    assert response.status_code == 302 and response["Location"] == "/searches/"
    search = SavedSearch.objects.get(user=alice)
    assert search.name == "Remote Python" and search.frequency == "instant"
    assert search.query == {"q": "python", "remote": ["remote"], "skills": ["django", "python"]}


def test_a_query_the_jobs_page_refuses_is_a_400_not_a_saved_search(alice_client):
    response = alice_client.post("/searches/new/?salary_min=-5", {"name": "x", "frequency": "daily"})
    assert response.status_code == 400
    assert not SavedSearch.objects.exists()


def test_a_bad_frequency_is_a_form_error(alice_client):
    response = alice_client.post("/searches/new/?q=python", {"name": "x", "frequency": "hourly"})
    assert response.status_code == 400 and b"Select a valid choice" in response.content


def test_the_list_counts_new_matches_until_the_seeker_opens_the_search(alice_client, alice):
    search = save_search(alice, name="Python", q="python")
    job = arrive(title="Python developer")
    alerts_match(now=later())
    listing = alice_client.get("/searches/")
    assert f'id="unseen-{search.pk}">1 new<'.encode() in listing.content
    detail = alice_client.get(f"/searches/{search.pk}/")
    assert detail.status_code == 200 and job.title.encode() in detail.content and b"New</span>" in detail.content
    assert b"/jobs/?q=python&amp;sort=relevance" in detail.content
    assert f'id="unseen-{search.pk}"'.encode() not in alice_client.get("/searches/").content


def test_it_renames_and_changes_the_frequency(alice_client, alice):
    search = save_search(alice, name="Python", q="python")
    response = alice_client.post(f"/searches/{search.pk}/edit/", {"name": "Py", "frequency": "off"})
    assert response.status_code == 302
    search.refresh_from_db()
    assert (search.name, search.frequency) == ("Py", "off")


def test_it_deletes(alice_client, alice):
    search = save_search(alice, q="python")
    assert alice_client.post(f"/searches/{search.pk}/delete/").status_code == 302
    assert not SavedSearch.objects.exists()


def test_bob_cannot_see_or_edit_alices_saved_searches(client, alice, bob):
    search = save_search(alice, name="Alice's", q="python")
    client.force_login(bob)
    assert client.get(f"/searches/{search.pk}/").status_code == 404
    assert client.post(f"/searches/{search.pk}/edit/", {"name": "mine", "frequency": "off"}).status_code == 404
    assert client.post(f"/searches/{search.pk}/delete/").status_code == 404
    assert b"Alice&#x27;s" not in client.get("/searches/").content
    search.refresh_from_db()
    assert (search.name, search.frequency) == ("Alice's", "daily")


@pytest.mark.parametrize("url", ["/searches/", "/searches/new/?q=x", "/searches/1/", "/notifications/"])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
