"""Who the visitor is (accounts/authentication.py): Django's answer in every case, the user's row
read with one statement compiled once."""

from __future__ import annotations

import hashlib
import inspect
from importlib import import_module

import pytest
from django.contrib import auth
from django.contrib.auth import HASH_SESSION_KEY, get_user_model
from django.conf import settings
from django.test import Client, RequestFactory

from accounts.authentication import get_user
from accounts.services import user_sign_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob():
    return user_sign_up(username="bob", email="bob@example.com", password="bob-password-1")


def _logged_in(user, backend="django.contrib.auth.backends.ModelBackend") -> Client:
    client = Client()
    client.force_login(user, backend=backend)
    return client


def _request_of(client: Client):
    """A request carrying `client`'s session, as SessionMiddleware would give it to get_user."""
    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    request.session.load()
    return request


def test_a_logged_in_visitor_is_their_user_read_in_one_query(bob, django_assert_num_queries):
    request = _request_of(_logged_in(bob))

    with django_assert_num_queries(1):
        user = get_user(request)

    assert user == bob and user.is_authenticated and user._state.db == "default" and not user._state.adding
    assert user.username == "bob" and user.check_password("bob-password-1")
    assert get_user(request).get_session_auth_hash() == auth.get_user(request).get_session_auth_hash()


def test_every_field_of_the_user_is_what_the_orm_reads_on_every_database(bob):
    from django.utils import timezone

    bob.last_login = timezone.now()
    bob.save(update_fields=["last_login"])
    request = _request_of(_logged_in(bob))

    user, orm = get_user(request), get_user_model().objects.get(pk=bob.pk)

    for field in get_user_model()._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(orm, field.attname), field.attname
        assert type(getattr(user, field.attname)) is type(getattr(orm, field.attname)), field.attname
    assert timezone.is_aware(user.date_joined) and timezone.is_aware(user.last_login)  # SQLite stores dates as text
    # PostgreSQL hands back what the ORM makes, so the row is read raw there; SQLite goes through the ORM.
    from accounts import authentication
    from django.db import connection

    assert (authentication._statements[("default", connection.vendor)] is not None) == (connection.vendor == "postgresql")


def test_the_pages_know_the_user_and_django_agrees(bob):
    assert "accounts.authentication.AuthenticationMiddleware" in settings.MIDDLEWARE
    client = _logged_in(bob)
    response = client.get("/applications/")
    assert response.status_code == 200 and response.wsgi_request.user == bob
    assert auth.get_user(response.wsgi_request) == bob


def test_a_user_logged_in_by_email_is_read_the_same_way(bob):
    client = _logged_in(bob, backend="accounts.backends.EmailBackend")
    assert client.get("/applications/").wsgi_request.user == bob


def test_an_inactive_user_is_nobody(bob):
    client = _logged_in(bob)
    get_user_model().objects.filter(pk=bob.pk).update(is_active=False)
    response = client.get("/applications/")
    assert not response.wsgi_request.user.is_authenticated and response.status_code == 302


def test_a_deleted_user_is_nobody(bob):
    client = _logged_in(bob)
    get_user_model().objects.filter(pk=bob.pk).delete()
    assert not client.get("/applications/").wsgi_request.user.is_authenticated


def test_a_new_password_ends_the_other_sessions(bob):
    client = _logged_in(bob)
    bob.set_password("another-password-2")
    bob.save()
    response = client.get("/applications/")
    assert not response.wsgi_request.user.is_authenticated
    assert HASH_SESSION_KEY not in response.wsgi_request.session  # flushed, as Django does


def test_a_session_of_a_backend_no_longer_listed_is_nobody(bob, settings):
    client = _logged_in(bob, backend="accounts.backends.EmailBackend")
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    assert not client.get("/applications/").wsgi_request.user.is_authenticated


def test_a_session_signed_with_the_previous_secret_is_kept_and_moved_to_the_new_one(bob, settings):
    settings.SECRET_KEY = "the-old-secret-key-0123456789-0123456789-0123456789"
    client = _logged_in(bob)
    old_key = client.cookies["sessionid"].value
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-new-secret-key-0123456789-0123456789-0123456789"

    response = client.get("/applications/")

    assert response.wsgi_request.user == bob
    assert response.wsgi_request.session[HASH_SESSION_KEY] == bob.get_session_auth_hash()
    assert response.wsgi_request.session.session_key != old_key  # cycled, as Django does


def test_this_is_still_djangos_get_user_it_copies():
    # The session checks above are Django 5.2's get_user; a Django that changes it must be read again.
    source = inspect.getsource(auth.get_user)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == "08a852f701f765bc"
