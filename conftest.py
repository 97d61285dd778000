"""Shared test fixtures: the named users, a clean cache, the browser harness.

REQUIRE_FULL_STACK=1 (set by .ci/run) turns a missing PostgreSQL, Redis or chromium into
a failure of the whole run instead of quietly testing the embedded default.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from careercopilot.tests.smtp import smtp_server  # noqa: F401  (a fixture for every app's mail tests)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _full_stack_problems() -> list[str]:
    from django.conf import settings
    from django.db import connection

    problems = []
    if connection.vendor != "postgresql":
        problems.append("DATABASE_URL does not point at PostgreSQL")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set")
    else:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        except Exception as exc:
            problems.append(f"Redis at REDIS_URL is unreachable: {exc}")
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        problems.append(f"chromium not found at {CHROMIUM}")
    return problems


# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class FewRoundsPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000


def pytest_configure(config):
    from django.conf import settings

    # Tests keep their own cache keys, apart from a developer's running site on the same
    # Redis; caches are built lazily, so this lands before the first cache access.
    settings.CACHES["default"]["KEY_PREFIX"] = "test"
    # Pages name static files plainly in tests, which run no collectstatic first; the hashed
    # names and their caching are checked on a real collectstatic (careercopilot/tests/test_static_files.py).
    # (STATIC_MANIFEST set explicitly, as a test's own subprocess may do, is left alone.)
    if "STATIC_MANIFEST" not in os.environ:
        from django.test.signals import setting_changed

        settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
        # Django may have built its storages already (set-up imports the admin): rebuild them.
        setting_changed.send(sender=None, setting="STORAGES", value=settings.STORAGES, enter=True)
    # Hashing alice's and bob's passwords with a million PBKDF2 rounds cost about a second per
    # test. Same algorithm, fewer rounds: the hash names its rounds, so a gunicorn started by a
    # test (with the production settings) still verifies it. Tests about hashing set their own.
    settings.PASSWORD_HASHERS = ["conftest.FewRoundsPBKDF2PasswordHasher"]
    # Warming renders a dozen pages after every catalogue commit (tasks run inline in tests):
    # off, so a test's query counts and time are its own; careercopilot/tests/test_cache_warming.py
    # turns it on.
    settings.CACHE_WARMING = False
    # Files uploaded by any test (documents) land in a temporary folder, never in the checkout.
    import tempfile

    settings.MEDIA_ROOT = config._careercopilot_media = tempfile.mkdtemp(prefix="careercopilot-test-media-")


def pytest_unconfigure(config):
    media = getattr(config, "_careercopilot_media", None)
    if media:
        shutil.rmtree(media, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _require_full_stack(django_db_setup):
    if os.environ.get("REQUIRE_FULL_STACK") == "1":
        problems = _full_stack_problems()
        if problems:
            pytest.exit("REQUIRE_FULL_STACK=1 but: " + "; ".join(problems), returncode=3)


@pytest.fixture(scope="session", autouse=True)
def _celery_eager():
    """Tasks run inline in tests unless a test starts a real worker (see the broker marker)."""
    from careercopilot.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    from jobs.cache import forget_local_pages

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")  # only keys under this key prefix, unlike FLUSHDB
    else:
        cache.clear()
    forget_local_pages()  # the stored pages this process keeps for a second (jobs/cache.py)
    yield


@pytest.fixture(autouse=True)
def _default_time_zone():
    """Every test starts in the site's zone: the seeker time-zone middleware leaves a seeker's
    zone active on the thread after the request (as Django's documented middleware does; the next
    request sets its own), so a test client's logged-in request would leak it into the next test."""
    from django.utils import timezone

    timezone.deactivate()
    yield


@pytest.fixture
def alice(django_user_model):
    """The owner in authorization tests."""
    from accounts.services import user_sign_up

    return user_sign_up(username="alice", email="alice@example.com", password="alice-password-1")


@pytest.fixture
def bob(django_user_model):
    """Another seeker, who must never see alice's data."""
    from accounts.services import user_sign_up

    return user_sign_up(username="bob", email="bob@example.com", password="bob-password-1")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_FULL_STACK") == "1":
            pytest.fail(f"chromium is required but missing at {CHROMIUM}")
        pytest.skip(f"chromium not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
