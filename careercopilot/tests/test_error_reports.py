"""The DEBUG page and the error e-mail never show a credential (Deliver 9)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import path

from careercopilot.reporting import CredentialsFilter

DB_PASSWORD, REDIS_PASSWORD, BROKER_PASSWORD = "db-s3cret-pw", "redis-s3cret-pw", "br0ker-s3cret-pw"


def broken(request):
    connection_settings = {"cache": settings.REDIS_URL, "broker": settings.CELERY_BROKER_URL}  # a frame local
    raise RuntimeError(f"could not reach the cache ({len(connection_settings)} services)")


urlpatterns = [path("broken/", broken)]


@pytest.fixture
def configured_with_passwords(settings):
    settings.DATABASE_URL = f"postgres://app:{DB_PASSWORD}@db.internal:5432/careers"
    settings.REDIS_URL = f"redis://:{REDIS_PASSWORD}@cache.internal:6379/0"
    settings.CELERY_BROKER_URL = f"redis://default:{BROKER_PASSWORD}@broker.internal:6379/0"
    return settings


def _leaks(text: str) -> list[str]:
    return [secret for secret in (DB_PASSWORD, REDIS_PASSWORD, BROKER_PASSWORD, settings.SECRET_KEY) if secret in text]


@pytest.mark.urls(__name__)
def test_the_debug_page_shows_no_password(configured_with_passwords, db):
    configured_with_passwords.DEBUG = True
    client = Client(raise_request_exception=False)

    response = client.get("/broken/", HTTP_X_UPSTREAM=configured_with_passwords.DATABASE_URL,
                          DATABASE_URL=configured_with_passwords.DATABASE_URL)

    assert response.status_code == 500
    page = response.content.decode()
    assert "could not reach the cache" in page and "DATABASE_URL" in page  # it is the DEBUG page
    assert _leaks(page) == []


@pytest.mark.urls(__name__)
def test_the_error_email_to_admins_shows_no_password(configured_with_passwords, db):
    configured_with_passwords.DEBUG = False
    configured_with_passwords.ADMINS = [("Ops", "ops@example.com")]
    configured_with_passwords.LOGGING = {
        "version": 1, "disable_existing_loggers": False,
        "handlers": {"mail": {"class": "django.utils.log.AdminEmailHandler", "include_html": True}},
        "loggers": {"django.request": {"handlers": ["mail"], "level": "ERROR"}},
    }
    from logging.config import dictConfig

    dictConfig(configured_with_passwords.LOGGING)
    try:
        response = Client(raise_request_exception=False).get("/broken/")
    finally:
        dictConfig(settings.LOGGING)

    assert response.status_code == 500
    assert mail.outbox  # Django's own mail_admins handler may send one more
    for message in mail.outbox:
        bodies = [message.body] + [content for content, _ in message.alternatives]
        assert "could not reach the cache" in message.body
        assert all(_leaks(body) == [] for body in bodies)


def test_a_cache_location_keeps_its_host_but_not_its_password():
    cleansed = CredentialsFilter().cleanse_setting("CACHES", {"default": {"BACKEND": "x", "OPTIONS": {"URL": f"redis://:{REDIS_PASSWORD}@h:6379/0"}}})

    assert REDIS_PASSWORD not in repr(cleansed)
    assert cleansed["default"]["OPTIONS"]["URL"].startswith("redis://:")
