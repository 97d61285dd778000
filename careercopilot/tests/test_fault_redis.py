"""Redis is not a single point of failure (issue 9, item 4), through gunicorn (DEBUG=0, two
workers) on a redis-server of the test's own that is really stopped (SIGTERM) and really frozen
(SIGSTOP): every page, log-in, a status change (saved) and the API still answer; after the first
failed call a dead Redis costs each request next to nothing (the breaker); everything resumes by
itself when Redis is back; /ready/ says 503 within its budget whatever hangs.

    pytest careercopilot/tests/test_fault_redis.py -s    # prints the fault table's rows
"""

from __future__ import annotations

import json
import time

import pytest
from django.db import connection

from applications.models import Application
from careercopilot.tests.faults import Client, RedisServer, p95, wait_until
from careercopilot.tests.gunicorn_server import gunicorn

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="gunicorn's workers need a shared database"),
]

BREAKER_RESET_SECONDS = 1


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(redis_server, alice, bob):
    from rest_framework.authtoken.models import Token

    from applications.tests.factories import JobFactory

    job = JobFactory(title="Platform Engineer")
    application = Application.objects.create(user=alice, company_name="Acme", title="Engineer", status="applied")
    token = Token.objects.create(user=alice).key
    # The broker is this Redis too (the default); tasks run inline here (a frozen broker: test_fault_broker.py).
    with gunicorn(workers=2, REDIS_URL=redis_server.url, CELERY_TASK_ALWAYS_EAGER="1",
                  CACHE_BREAKER_RESET_SECONDS=str(BREAKER_RESET_SECONDS)) as base:
        yield {"base": base, "job": job, "application": application, "token": token}


def _round(base: str, site: dict, alice: Client, *, to_status: str) -> dict[str, tuple[int, float]]:
    """One visit of everything the issue lists; {what: (status, seconds)}."""
    job, application = site["job"], site["application"]
    anonymous = Client(base)
    answers = {}
    for path in ("/", "/jobs/", "/jobs/?q=engineer", f"/jobs/{job.pk}/{job.slug}/", "/login/"):
        answers[f"GET {path}"] = anonymous.get(path)
    for path in ("/applications/", "/applications/board/", f"/applications/{application.pk}/"):
        answers[f"GET {path} (logged in)"] = alice.get(path)
    answers["GET /api/v1/jobs/"] = anonymous.get("/api/v1/jobs/")
    answers["GET /api/v1/applications/ (token)"] = anonymous.get(
        "/api/v1/applications/", headers={"Authorization": f"Token {site['token']}"})
    answers["POST status change"] = alice.post(f"/applications/{application.pk}/status/", {"to_status": to_status})
    bob = Client(base)
    answers["POST /login/ (bob)"] = bob.log_in("bob", "bob-password-1")
    answers["GET /applications/ (bob, new session)"] = bob.get("/applications/")
    return {what: (status, seconds) for what, (status, _, _, seconds) in answers.items()}


def _assert_served(answers: dict, application: Application, to_status: str) -> None:
    expected = {what: (302 if what.startswith(("POST status", "POST /login/")) else 200) for what in answers}
    assert {what: status for what, (status, _) in answers.items()} == expected
    application.refresh_from_db()
    assert application.status == to_status  # the change was saved


def _ready(base: str) -> tuple[int, dict, float]:
    status, text, _, seconds = Client(base).get("/ready/")
    return status, json.loads(text), seconds


def _without_log_in(answers: dict) -> list[float]:
    """Seconds of every request but the log-in, whose time is PBKDF2's (about 0.5 s of CPU)."""
    return [seconds for what, (_, seconds) in answers.items() if not what.startswith("POST /login/")]


def _report(label: str, healthy: dict, broken: dict) -> None:
    before, after = p95(_without_log_in(healthy)), p95(_without_log_in(broken))
    log_in = broken["POST /login/ (bob)"][1]
    print(f"\n{label}: {len(broken)} requests, all answered as with Redis up; p95 of the {len(_without_log_in(broken))} "
          f"besides log-in: {before * 1000:.0f} ms with Redis, {after * 1000:.0f} ms without (added {(after - before) * 1000:+.0f} ms); "
          f"log-in {log_in * 1000:.0f} ms")


def _page_cache_hits(base: str) -> bool:
    client = Client(base)
    client.get("/jobs/?q=resumed")
    return client.get("/jobs/?q=resumed")[2].get("X-Page-Cache") == "hit"


def test_redis_stopped_then_started_again(site, redis_server, alice):
    base, application = site["base"], site["application"]
    seeker = Client(base)
    assert seeker.log_in("alice", "alice-password-1")[0] == 302  # a session cached in Redis
    healthy = _round(base, site, seeker, to_status="interviewing")
    _assert_served(healthy, application, "interviewing")

    redis_server.stop()
    first = _round(base, site, seeker, to_status="ghosted")  # each worker meets the dead Redis once
    _assert_served(first, application, "ghosted")
    broken = _round(base, site, seeker, to_status="interviewing")
    _assert_served(broken, application, "interviewing")
    status, body, _ = _ready(base)
    assert status == 503 and body["checks"]["cache"].startswith("error") and body["checks"]["database"] == "ok"
    _report("Redis stopped", healthy, broken)
    # After the first failure a refused connection costs next to nothing: no request waits on Redis.
    assert max(_without_log_in(broken)) < 1.0

    redis_server.start()  # the same port, empty
    wait_until(lambda: _ready(base)[0] == 200, timeout=BREAKER_RESET_SECONDS + 10, interval=0.2)
    wait_until(lambda: _page_cache_hits(base), timeout=BREAKER_RESET_SECONDS + 10, interval=0.2)
    _assert_served(_round(base, site, seeker, to_status="ghosted"), application, "ghosted")


def test_redis_frozen_then_thawed(site, redis_server, alice):
    base, application = site["base"], site["application"]
    seeker = Client(base)
    assert seeker.log_in("alice", "alice-password-1")[0] == 302
    healthy = _round(base, site, seeker, to_status="interviewing")
    _assert_served(healthy, application, "interviewing")

    redis_server.freeze()
    try:
        status, body, seconds = _ready(base)
        assert status == 503 and seconds <= 2.5, (status, body, seconds)
        assert body["checks"]["cache"].startswith("error") and body["checks"]["database"] == "ok"
        ready_seconds = seconds
        first = _round(base, site, seeker, to_status="ghosted")
        _assert_served(first, application, "ghosted")
        broken = _round(base, site, seeker, to_status="interviewing")
        _assert_served(broken, application, "interviewing")
        # A hung Redis costs one socket timeout per process, then the breaker answers for it.
        assert max(_without_log_in(broken)) < 1.0
        # Log out while frozen: Redis still holds the session's copy from before.
        assert seeker.post("/logout/", {})[0] == 302
        logged_out_status, _, _, _ = seeker.get("/applications/")
        assert logged_out_status == 302
        _report("Redis frozen", healthy, broken)
        print(f"Redis frozen: /ready/ answered 503 in {ready_seconds * 1000:.0f} ms: {body['checks']['cache']}")
        status, _, seconds = _ready(base)
        assert status == 503 and seconds <= 2.5
    finally:
        redis_server.thaw()

    wait_until(lambda: _ready(base)[0] == 200, timeout=BREAKER_RESET_SECONDS + 10, interval=0.2)
    wait_until(lambda: _page_cache_hits(base), timeout=BREAKER_RESET_SECONDS + 10, interval=0.2)
    # The session ended while Redis was frozen stays ended once its stale copy could be read again.
    for _ in range(6):  # both workers
        assert seeker.get("/applications/")[0] == 302
    assert seeker.log_in("alice", "alice-password-1")[0] == 302
    _assert_served(_round(base, site, seeker, to_status="ghosted"), application, "ghosted")


@pytest.fixture
def cache_on_own_redis(redis_server, settings):
    """This process's default cache on the test's redis-server (settings.CACHES is rebuilt on change)."""
    from django.core.cache import cache

    default = settings.CACHES["default"]
    if "ResilientRedisCache" not in default["BACKEND"]:
        pytest.skip("the breaker is on the Redis cache (REDIS_URL)")
    settings.CACHES = {**settings.CACHES, "default": {**default, "LOCATION": redis_server.url,
                                                     "OPTIONS": {**default["OPTIONS"], "BREAKER_RESET_SECONDS": 60}}}
    cache.breaker.reset()
    yield cache
    cache.breaker.reset()


def test_throttles_keep_counting_in_this_process_while_redis_is_away(cache_on_own_redis, redis_server, rf):
    from django_ratelimit.core import is_ratelimited

    def limited() -> bool:
        request = rf.post("/signup/", REMOTE_ADDR="198.51.100.20")
        return is_ratelimited(request, group="signup-test", key="ip", rate="3/m", increment=True)

    assert [limited() for _ in range(4)] == [False, False, False, True]  # counted in Redis
    redis_server.stop()
    assert [limited() for _ in range(4)] == [False, False, False, True]  # counted in this process's memory
    assert not cache_on_own_redis.available()


def test_an_open_breaker_answers_as_an_empty_cache_at_once(cache_on_own_redis, redis_server):
    cache = cache_on_own_redis
    cache.set("kept", "value")
    redis_server.freeze()
    try:
        started = time.monotonic()
        assert cache.get("kept") is None  # the one call that waits: a socket timeout
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(100):
            assert cache.get("kept") is None
            assert cache.add("lock", 1) is True  # an empty cache's answers, so callers take their own path
            with pytest.raises(ValueError):
                cache.incr("counter")
        rest = time.monotonic() - started
    finally:
        redis_server.thaw()
    assert first < 1.0 and rest < 0.1, (first, rest)
    cache.breaker.opened_at -= 60  # as if the reset time had passed: the next call probes Redis
    assert cache.get("kept") == "value" and cache.available()
