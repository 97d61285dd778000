"""Deleting an account needs the password typed again; higher apps hear of it first.

That it takes every row the seeker owns, whichever app defines it, is checked from the top
layer: careercopilot/tests/test_account_delete_everything.py.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from accounts.models import Profile
from accounts.services import account_delete
from accounts.signals import account_deleting

pytestmark = pytest.mark.django_db


def test_it_asks_for_the_password_first(alice_client):
    response = alice_client.get("/account/delete/")
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_a_wrong_password_deletes_nothing(alice_client, alice):
    response = alice_client.post("/account/delete/", {"password": "not-it"})

    assert response.status_code == 400
    assert "not your password" in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()
    assert alice_client.get("/profile/").status_code == 200  # still logged in


def test_it_deletes_only_the_logged_in_seeker_and_logs_them_out(alice_client, alice, bob):
    response = alice_client.post("/account/delete/", {"password": "alice-password-1"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Profile.objects.filter(user_id=alice.pk).exists()
    assert User.objects.filter(pk=bob.pk).exists() and Profile.objects.filter(user=bob).exists()
    assert alice_client.get("/profile/").status_code == 302


def test_it_tells_higher_apps_first_so_they_can_remove_files(alice):
    seen = []

    def receiver(sender, user, **kwargs):
        seen.append((user.pk, Profile.objects.filter(user=user).exists()))

    alice_id = alice.pk
    account_deleting.connect(receiver)
    try:
        account_delete(user=alice)
    finally:
        account_deleting.disconnect(receiver)
    assert seen == [(alice_id, True)]  # the rows were still there to look at


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.post("/account/delete/", {"password": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
