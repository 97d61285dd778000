import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from careercopilot.env import database_from_url, email_from_url, env_bool, env_int, redis_url

ROOT = Path(__file__).resolve().parents[2]


def test_it_reads_booleans_in_the_usual_spellings(monkeypatch):
    for raw, expected in [("1", True), ("true", True), ("YES", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("SOME_FLAG", raw)
        assert env_bool("SOME_FLAG") is expected


def test_it_refuses_a_boolean_it_cannot_read(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG")


def test_it_refuses_a_malformed_integer(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "four")
    with pytest.raises(ImproperlyConfigured, match="GUNICORN_WORKERS"):
        env_int("GUNICORN_WORKERS", 1)


def test_it_parses_a_postgres_url_with_options():
    db = database_from_url("DATABASE_URL", "postgres://app:s%40cret@db.internal:6543/careers?sslmode=require")
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == ("app", "s@cret", "db.internal", "6543", "careers")
    assert db["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize("url", ["mysql://x@y/z", "postgres://host:5432/", "postgres://host:notaport/db"])
def test_it_refuses_a_bad_database_url(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url("DATABASE_URL", url)


def test_it_refuses_a_redis_url_of_another_scheme(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "http://localhost:6379")
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        redis_url("REDIS_URL")


def test_it_prints_mail_on_the_embedded_default():
    assert email_from_url("EMAIL_URL", "console://") == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}


@pytest.mark.parametrize(
    "url, port, tls, ssl",
    [("smtp://relay.internal", 25, False, False), ("smtp+tls://u:p%40ss@mail.example.com:2525", 2525, True, False),
     ("smtps://u:pw@mail.example.com", 465, False, True)],
)
def test_it_reads_an_smtp_url(url, port, tls, ssl):
    email = email_from_url("EMAIL_URL", url)
    assert email["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (email["EMAIL_PORT"], email["EMAIL_USE_TLS"], email["EMAIL_USE_SSL"]) == (port, tls, ssl)
    if "u:p%40ss" in url:
        assert (email["EMAIL_HOST"], email["EMAIL_HOST_USER"], email["EMAIL_HOST_PASSWORD"]) == ("mail.example.com", "u", "p@ss")


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "smtp://host:port"])
def test_it_refuses_a_bad_email_url(url):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        email_from_url("EMAIL_URL", url)


def _start_up(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "env, named",
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "postgres://localhost/"}, "DATABASE_URL"),
        ({"DEBUG": "0"}, "SECRET_KEY"),
    ],
)
def test_start_up_stops_with_a_message_naming_the_variable(env, named):
    result = _start_up(**env)
    assert result.returncode != 0
    assert named in result.stderr


def test_the_embedded_default_needs_no_services():
    result = _start_up()
    assert result.returncode == 0, result.stderr
