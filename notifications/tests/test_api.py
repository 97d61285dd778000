"""/api/v1/saved-searches/ and /api/v1/notifications/: the seeker's own, 404 for anyone else's."""

from __future__ import annotations

import pytest

from notifications.inbox import notification_send
from notifications.models import SavedSearch
from notifications.tests.conftest import save_search

pytestmark = pytest.mark.django_db


def test_it_lists_only_my_saved_searches_with_their_new_matches(alice_client, alice, bob):
    mine = save_search(alice, name="Python remote", q="python", remote=["remote"])
    SavedSearch.objects.filter(pk=mine.pk).update(unseen_count=3, latest_job_ids=[9, 8])
    save_search(bob, name="Bob's", q="rust")
    [search] = alice_client.get("/api/v1/saved-searches/").json()
    assert (search["id"], search["name"], search["query"]["q"], search["new_matches"], search["newest_job_ids"]) == (
        mine.pk, "Python remote", "python", 3, [9, 8])


def test_bob_cannot_see_or_delete_alices_saved_search(client, alice, bob):
    search = save_search(alice, q="python")
    client.force_login(bob)
    assert client.get(f"/api/v1/saved-searches/{search.pk}/").status_code == 404
    assert client.delete(f"/api/v1/saved-searches/{search.pk}/").status_code == 404
    assert SavedSearch.objects.filter(pk=search.pk).exists()


def test_i_can_read_and_delete_my_saved_search(alice_client, alice):
    search = save_search(alice, name="Mine", q="python")
    assert alice_client.get(f"/api/v1/saved-searches/{search.pk}/").json()["name"] == "Mine"
    assert alice_client.delete(f"/api/v1/saved-searches/{search.pk}/").status_code == 204
    assert alice_client.get(f"/api/v1/saved-searches/{search.pk}/").status_code == 404


def test_the_inbox_is_mine_newest_first_and_paged(alice_client, alice, bob):
    notification_send(user_id=alice.pk, kind="system", title="first")
    notification_send(user_id=alice.pk, kind="system", title="second")
    notification_send(user_id=bob.pk, kind="system", title="bob's")
    body = alice_client.get("/api/v1/notifications/").json()
    assert [n["title"] for n in body["results"]] == ["second", "first"] and body["count"] == 2
    assert alice_client.get("/api/v1/notifications/", {"page": "x"}).status_code == 400


@pytest.mark.parametrize("url", ["/api/v1/saved-searches/", "/api/v1/saved-searches/1/", "/api/v1/notifications/"])
def test_anonymous_callers_are_refused(client, url):
    assert client.get(url).status_code in (401, 403)
