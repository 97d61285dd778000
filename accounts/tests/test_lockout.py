"""Log-in cannot be brute-forced (Deliver 3): /login/, /admin/login/ and the API token share
one lockout per username and per address, kept in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # Every wrong password below the limit is hashed; PBKDF2's cost is not what this is about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def fail(client: Client, url: str, username: str, times: int) -> list[int]:
    if url == TOKEN_URL:
        return [client.post(url, {"username": username, "password": f"guess-{n}"}, content_type="application/json").status_code for n in range(times)]
    return [client.post(url, {"username": username, "password": f"guess-{n}"}).status_code for n in range(times)]


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_fifty_wrong_passwords_lock_the_username_and_the_right_one_is_then_refused(alice):
    client = from_address("198.51.100.1")

    codes = fail(client, "/login/", "alice", 50)
    response = client.post("/login/", {"username": "alice", "password": "alice-password-1"})

    assert codes[:LIMIT - 1] == [200] * (LIMIT - 1)  # the form again, with its error
    assert set(codes[LIMIT - 1:]) == {429}
    assert response.status_code == 429 and not logged_in(client)
    page = response.content.decode()
    assert "Too many failed log-ins" in page and f"wait {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in page.lower()


def test_the_username_stays_locked_from_another_address(alice):
    fail(from_address("198.51.100.1"), "/login/", "alice", LIMIT)
    elsewhere = from_address("203.0.113.50")

    response = elsewhere.post("/login/", {"username": "alice", "password": "alice-password-1"})

    assert response.status_code == 429 and not logged_in(elsewhere)


def test_an_address_guessing_many_usernames_is_locked_for_every_username(alice, bob):
    attacker = from_address("198.51.100.2")
    for n in range(LIMIT):
        fail(attacker, "/login/", f"someone-{n}", 1)

    response = attacker.post("/login/", {"username": "bob", "password": "bob-password-1"})

    assert response.status_code == 429 and not logged_in(attacker)
    # Bob himself, from his own address, is not affected.
    bob_client = from_address("203.0.113.7")
    assert bob_client.post("/login/", {"username": "bob", "password": "bob-password-1"}).status_code == 302


def test_the_admin_log_in_is_locked_too(admin_user):
    client = from_address("198.51.100.3")

    codes = fail(client, "/admin/login/", "admin", 20)
    response = client.post("/admin/login/", {"username": "admin", "password": "password"})

    assert set(codes[LIMIT - 1:]) == {429}
    assert response.status_code == 429 and not logged_in(client)


def test_api_token_creation_is_locked_with_a_clear_message(alice):
    client = from_address("198.51.100.4")

    codes = fail(client, TOKEN_URL, "alice", LIMIT + 2)
    response = client.post(TOKEN_URL, {"username": "alice", "password": "alice-password-1"}, content_type="application/json")

    assert codes[:LIMIT - 1] == [401] * (LIMIT - 1)
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.json()["detail"]
    assert "token" not in response.json()


def test_the_api_token_is_given_for_the_right_password(alice):
    response = from_address("198.51.100.5").post(TOKEN_URL, {"username": "alice", "password": "alice-password-1"}, content_type="application/json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert Client(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/applications/").status_code == 200


def test_failures_from_the_three_doors_add_up(alice):
    client = from_address("198.51.100.6")
    fail(client, "/login/", "alice", 2)
    fail(client, TOKEN_URL, "alice", 2)
    fail(client, "/admin/login/", "alice", LIMIT - 4)

    assert client.post("/login/", {"username": "alice", "password": "alice-password-1"}).status_code == 429


def test_it_unlocks_after_the_cool_off(alice):
    client = from_address("198.51.100.7")
    fail(client, "/login/", "alice", LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))

    response = client.post("/login/", {"username": "alice", "password": "alice-password-1"})

    assert response.status_code == 302 and logged_in(client)


def test_a_new_password_unlocks_at_once(alice):
    client = from_address("198.51.100.8")
    fail(client, "/login/", "alice", LIMIT)
    alice.set_password("a-brand-new-passphrase-7")  # what a password reset (or change) does
    alice.save()

    response = client.post("/login/", {"username": "alice", "password": "a-brand-new-passphrase-7"})

    assert response.status_code == 302 and logged_in(client)


def test_the_locked_page_links_to_password_reset_when_the_site_has_it(alice, settings):
    from django.urls import NoReverseMatch, reverse

    client = from_address("198.51.100.9")
    fail(client, "/login/", "alice", LIMIT)
    page = client.post("/login/", {"username": "alice", "password": "x"}).content.decode()

    try:
        assert f'href="{reverse("password_reset")}"' in page
    except NoReverseMatch:
        assert "Reset your password" not in page and "minutes, then try again" in page


def test_a_success_before_the_limit_clears_the_count(alice):
    client = from_address("198.51.100.10")
    fail(client, "/login/", "alice", LIMIT - 1)
    assert client.post("/login/", {"username": "alice", "password": "alice-password-1"}).status_code == 302
    client.post("/logout/")

    assert fail(client, "/login/", "alice", LIMIT - 1) == [200] * (LIMIT - 1)


def test_a_forwarded_address_is_believed_only_from_our_proxy(alice, settings):
    settings.PROXY_COUNT = 1
    behind_proxy = [Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.66") for n in range(LIMIT)]
    for client in behind_proxy:  # the forged first hop changes; the real client does not
        fail(client, "/login/", f"user-{id(client)}", 1)

    assert behind_proxy[0].post("/login/", {"username": "alice", "password": "alice-password-1"}).status_code == 429
    other_client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.67")
    assert other_client.post("/login/", {"username": "alice", "password": "alice-password-1"}).status_code == 302


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="breaks the attempts table with PostgreSQL DDL")
def test_it_fails_closed_when_the_attempts_cannot_be_read(alice):
    client = Client(REMOTE_ADDR="198.51.100.11", raise_request_exception=False)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE axes_accessattempt RENAME TO axes_accessattempt_away")
    try:
        response = client.post("/login/", {"username": "alice", "password": "alice-password-1"})
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE axes_accessattempt_away RENAME TO axes_accessattempt")

    assert response.status_code >= 500
    assert not logged_in(client)
