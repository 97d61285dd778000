"""Log-in by username or email; accounts that share an address are told apart by the password."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


def log_in(client, identifier: str, password: str):
    return client.post("/login/", {"username": identifier, "password": password})


def logged_in_as(client) -> str | None:
    user = client.get("/profile/").context
    return user["user"].username if user else None


def test_it_logs_in_with_the_email_in_any_case_and_lands_on_the_pipeline(client, alice):
    response = log_in(client, "Alice@Example.com", "alice-password-1")

    assert response.status_code == 302
    assert response["Location"] == "/applications/"
    assert logged_in_as(client) == "alice"


def test_it_still_logs_in_with_the_username_and_follows_next(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "alice-password-1", "next": "/dashboard/"})

    assert response["Location"] == "/dashboard/"


def test_a_username_that_looks_like_an_email_wins_over_another_accounts_email(client, alice):
    User.objects.create_user("bob@example.com", email="x@example.com", password="bob-at-password-2")
    User.objects.create_user("bobby", email="bob@example.com", password="bobby-password-2")

    log_in(client, "bob@example.com", "bob-at-password-2")

    assert logged_in_as(client) == "bob@example.com"


def test_accounts_sharing_an_address_are_picked_by_the_password(client, alice):
    User.objects.create_user("alice-work", email="ALICE@example.com", password="work-password-7")

    log_in(client, "alice@example.com", "work-password-7")
    assert logged_in_as(client) == "alice-work"

    client.post("/logout/")
    log_in(client, "alice@example.com", "alice-password-1")
    assert logged_in_as(client) == "alice"


def test_a_password_that_fits_two_accounts_on_one_address_logs_into_neither(client, alice):
    User.objects.create_user("alice-twin", email="alice@example.com", password="alice-password-1")

    response = log_in(client, "alice@example.com", "alice-password-1")

    assert response.status_code == 200
    assert b"correct username and password" in response.content


def test_a_wrong_password_or_an_inactive_account_gets_the_usual_refusal(client, alice):
    assert log_in(client, "alice@example.com", "wrong").status_code == 200
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert log_in(client, "alice@example.com", "alice-password-1").status_code == 200
