"""deploy/nginx/ as it runs in production: Debian's nginx with the repository's config, in front
of a gunicorn this test starts (DEBUG=0, two workers) on this test's database.

    pytest careercopilot/tests/test_nginx_proxy.py
"""

from __future__ import annotations

import os
import time
import urllib.request
from contextlib import contextmanager

import pytest
from django.db import connection

from careercopilot.tests.gunicorn_server import Browser, gunicorn
from jobs.tests.factories import CompanyFactory, JobFactory
from careercopilot.observability import nginx as proxy

PORTS = range(21200, 21300)  # beside gunicorn_server's share

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="gunicorn's workers need a shared database"),
]




@contextmanager
def nginx(upstream: str):
    """nginx with deploy/nginx/careercopilot.conf.template (careercopilot/observability/nginx.py)."""
    if not proxy.available():
        if os.environ.get("REQUIRE_FULL_STACK") == "1":
            pytest.fail("nginx is required but missing (.ci/run installs Debian's)")
        pytest.skip("nginx not installed")
    with proxy.nginx(upstream, ports=PORTS) as base:
        yield base


def _get(url: str, headers: dict | None = None) -> tuple[str, str, dict]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
        return response.headers.get("X-Cache-Status", ""), response.read().decode(), dict(response.headers)


@pytest.fixture
def job():
    return JobFactory(title="Plumber", company=CompanyFactory(name="Pipes"))


def test_anonymous_pages_come_from_the_proxy_and_logged_in_ones_never_do(alice, job):
    with gunicorn(workers=2) as upstream, nginx(upstream.removeprefix("http://")) as base:
        for path in ("/jobs/", job.get_absolute_url(), f"/api/v1/jobs/{job.pk}/"):
            first, page, _ = _get(base + path)
            second, again, headers = _get(base + path)
            assert (first, second) == ("MISS", "HIT"), path
            assert again == page
            assert "public" in headers["Cache-Control"]

        seeker = Browser(base)
        status, _, _ = seeker.log_in("alice", "alice-password-1")
        assert status == 200
        cookie = {"Cookie": seeker.cookie_header()}
        for _ in range(2):
            cache_status, page, headers = _get(base + "/jobs/", cookie)
            assert cache_status == "BYPASS"  # never served from the micro-cache
            assert "alice" in page
            assert "private" in headers["Cache-Control"] and "no-store" in headers["Cache-Control"]
        # ...and never stored for anyone else either.
        assert "alice" not in _get(base + "/jobs/")[1]


def test_pages_with_a_csrf_token_are_not_kept_by_the_proxy(job):
    with gunicorn(workers=2) as upstream, nginx(upstream.removeprefix("http://")) as base:
        statuses = [_get(base + "/login/")[0] for _ in range(2)]
    assert "HIT" not in statuses


def test_an_edit_shows_within_the_micro_caches_lifetime(job, django_capture_on_commit_callbacks):
    with gunicorn(workers=2) as upstream, nginx(upstream.removeprefix("http://")) as base:
        url = base + job.get_absolute_url()
        _get(url)
        assert _get(url)[0] == "HIT"

        job.title = "Master plumber"
        with django_capture_on_commit_callbacks(execute=True):
            job.save()
        edited = time.monotonic()
        while "Master plumber" not in _get(url)[1]:
            # nginx keeps a copy through the whole second its 2 s end in (up to 3 s), then serves one
            # stale answer while it refreshes
            assert time.monotonic() - edited < 4.0, "the edit did not show within the micro-cache's lifetime"
            time.sleep(0.2)


def test_an_expired_page_is_answered_stale_at_once_while_one_request_refreshes_it(job):
    with gunicorn(workers=2) as upstream, nginx(upstream.removeprefix("http://")) as base:
        url = base + "/jobs/"
        _get(url)
        assert _get(url)[0] == "HIT"
        time.sleep(3.2)  # past the micro-cache's 2 s, which nginx counts in whole seconds (up to 3 s)

        expired, _, _ = _get(url)
        assert expired in ("STALE", "UPDATING")  # answered from the old copy, not queued behind gunicorn
        refreshed = time.monotonic()
        while _get(url)[0] != "HIT":
            assert time.monotonic() - refreshed < 2.0, "the background refresh never stored a new copy"
            time.sleep(0.1)
