import pytest
from django.contrib.auth.models import User

from accounts.models import Profile

pytestmark = pytest.mark.django_db


def test_it_signs_up_a_seeker_with_a_profile_and_logs_them_in(client):
    response = client.post(
        "/signup/",
        {"username": "carol", "email": "carol@example.com", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    carol = User.objects.get(username="carol")
    assert Profile.objects.filter(user=carol).exists()
    assert client.get("/profile/").status_code == 200


def test_it_shows_form_errors_for_a_weak_or_mismatched_password(client):
    response = client.post("/signup/", {"username": "carol", "password1": "abc", "password2": "abd"})
    assert response.status_code == 200
    assert b"didn" in response.content or b"match" in response.content
    assert not User.objects.filter(username="carol").exists()


def test_it_refuses_a_taken_username(client, alice):
    response = client.post(
        "/signup/", {"username": "alice", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}
    )
    assert response.status_code == 200
    assert User.objects.filter(username="alice").count() == 1


def test_it_logs_in_and_out(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "alice-password-1"})
    assert response.status_code == 302
    assert client.get("/profile/").status_code == 200
    client.post("/logout/")
    assert client.get("/profile/").status_code == 302


def test_it_refuses_wrong_credentials_with_a_message(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content


def test_it_changes_the_password(alice_client):
    response = alice_client.post(
        "/password/change/",
        {"old_password": "alice-password-1", "new_password1": "another-passphrase-7", "new_password2": "another-passphrase-7"},
    )
    assert response.status_code == 302
    assert User.objects.get(username="alice").check_password("another-passphrase-7")
