"""Redis is not a single point of failure (issue 9, item 4), through gunicorn (DEBUG=0, two
workers) on a redis-server of the test's own that is really stopped (SIGTERM) and really frozen
(SIGSTOP): every page, log-in, a status change (saved) and the API still answer; after the first
failed call a dead Redis costs each request next to nothing (the breaker); everything resumes by
itself when Redis is back; /ready/ says 503 within its budget whatever hangs.

    pytest careercopilot/tests/test_fault_redis.py -s    # prints the fault table's rows
"""

from __future__ import annotations

import json
import os
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


METRICS_TOKEN = "fault-redis-metrics-token"


@pytest.fixture
def site(redis_server, alice, bob, tmp_path):
    from rest_framework.authtoken.models import Token

    from applications.tests.factories import JobFactory

    job = JobFactory(title="Platform Engineer")
    application = Application.objects.create(user=alice, company_name="Acme", title="Engineer", status="applied")
    token = Token.objects.create(user=alice).key
    # The broker is this Redis too (the default); tasks run inline here (a frozen broker: test_fault_broker.py).
    with gunicorn(workers=2, REDIS_URL=redis_server.url, CELERY_TASK_ALWAYS_EAGER="1",
                  CACHE_BREAKER_RESET_SECONDS=str(BREAKER_RESET_SECONDS),
                  PROMETHEUS_MULTIPROC_DIR=str(tmp_path), METRICS_TOKEN=METRICS_TOKEN) as base:
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


def _rounds(base: str, site: dict, alice: Client, application: Application, count: int) -> dict[str, tuple[int, float]]:
    """`count` rounds (status changes alternating), all served; their answers under distinct names."""
    answers = {}
    for number in range(count):
        application.refresh_from_db()
        to_status = "ghosted" if application.status == "interviewing" else "interviewing"
        served = _round(base, site, alice, to_status=to_status)
        _assert_served(served, application, to_status)
        answers.update({f"{what} #{number}": answer for what, answer in served.items()})
    return answers


def _calls_that_met_redis_down(base: str) -> float:
    """Cache calls, in all workers, that went to Redis and failed (each one a socket timeout when
    Redis is frozen): careercopilot_cache_degraded_total{reason="error"} from /metrics."""
    status, text, _, _ = Client(base).get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200, text[:300]
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("careercopilot_cache_degraded_total{") and 'reason="error"' in line)


def _ready(base: str) -> tuple[int, dict, float]:
    status, text, _, seconds = Client(base).get("/ready/")
    return status, json.loads(text), seconds


def _without_log_in(answers: dict) -> list[float]:
    """Seconds of every request but the log-in, whose time is PBKDF2's (about 0.5 s of CPU)."""
    return [seconds for what, (_, seconds) in answers.items() if not what.startswith("POST /login/")]


def _report(label: str, healthy: dict, broken: dict) -> None:
    before, after = p95(_without_log_in(healthy)), p95(_without_log_in(broken))
    log_in = max(seconds for what, (_, seconds) in broken.items() if what.startswith("POST /login/"))
    print(f"\n{label} (load average {os.getloadavg()[0]:.1f}): {len(broken)} requests, all answered as with Redis up; p95 of the {len(_without_log_in(broken))} "
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
    healthy = _rounds(base, site, seeker, application, 3)

    redis_server.stop()
    _rounds(base, site, seeker, application, 2)  # each worker meets the dead Redis once (two rounds reach both)
    met = _calls_that_met_redis_down(base)
    broken = _rounds(base, site, seeker, application, 3)
    # After each worker's first failure no request goes to Redis: the breaker answers for it, its
    # probes run beside the requests. (Counted, not timed: on a loaded machine any request can
    # take a second; what matters is that none of them waits on Redis.)
    assert _calls_that_met_redis_down(base) == met
    status, body, _ = _ready(base)
    assert status == 503 and body["checks"]["cache"].startswith("error") and body["checks"]["database"] == "ok"
    _report("Redis stopped", healthy, broken)

    redis_server.start()  # the same port, empty
    wait_until(lambda: _ready(base)[0] == 200, timeout=BREAKER_RESET_SECONDS + 10, interval=0.2)
    wait_until(lambda: _page_cache_hits(base), timeout=BREAKER_RESET_SECONDS + 10, interval=0.2)
    _rounds(base, site, seeker, application, 1)


def test_redis_frozen_then_thawed(site, redis_server, alice):
    base, application = site["base"], site["application"]
    seeker = Client(base)
    assert seeker.log_in("alice", "alice-password-1")[0] == 302
    healthy = _rounds(base, site, seeker, application, 3)

    redis_server.freeze()
    try:
        status, body, seconds = _ready(base)
        assert status == 503 and seconds <= 2.5, (status, body, seconds)
        assert body["checks"]["cache"].startswith("error") and body["checks"]["database"] == "ok"
        ready_seconds = seconds
        _rounds(base, site, seeker, application, 2)  # each worker meets the hung Redis once
        waited = _calls_that_met_redis_down(base)
        broken = _rounds(base, site, seeker, application, 3)
        # A hung Redis costs one socket timeout per process, then the breaker answers for it: over
        # these rounds the breaker's reset time passed several times, and its probes ran beside
        # the requests, never in one (a probe inside a request was the frozen Redis's +78 ms p95).
        assert _calls_that_met_redis_down(base) == waited
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
    _rounds(base, site, seeker, application, 1)


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
        # The reset time passed: the next call starts a probe in a thread of its own and is answered
        # at once; the probe, which waits for the frozen Redis, keeps the breaker open.
        cache.breaker.opened_at -= 60
        started = time.monotonic()
        assert cache.get("kept") is None
        probing_call = time.monotonic() - started
        wait_until(lambda: not cache.breaker._probing, timeout=5)
        assert not cache.available()
    finally:
        redis_server.thaw()
    assert first < 1.0 and rest < 0.1 and probing_call < 0.05, (first, rest, probing_call)
    cache.breaker.opened_at -= 60  # as if the reset time had passed: the next call probes Redis
    assert cache.get("kept") is None  # answered before the probe's PING returns...
    wait_until(cache.available, timeout=5)  # ...which closes the breaker: Redis is used again
    assert cache.get("kept") == "value"


def test_a_page_this_worker_keeps_is_answered_when_redis_goes_and_the_throttles_count_opens_the_breaker(
        cache_on_own_redis, redis_server):
    """The count of a kept page runs on a connection of its own (jobs.cache._count), still behind the breaker."""
    from django.test import Client as DjangoClient

    from jobs.cache import forget_local_pages
    from jobs.tests.factories import JobFactory

    JobFactory(title="Plumber")
    forget_local_pages()
    assert DjangoClient().get("/jobs/?q=plumber")["X-Page-Cache"] == "miss"
    assert DjangoClient().get("/jobs/?q=plumber")["X-Page-Cache"] == "hit"  # kept in this process now
    redis_server.stop()

    answer = DjangoClient().get("/jobs/?q=plumber")

    assert answer.status_code == 200 and b"Plumber" in answer.content
    assert cache_on_own_redis.breaker.state == "open"
    forget_local_pages()


def test_the_throttles_count_opens_the_breaker_when_redis_goes(cache_on_own_redis, redis_server):
    from jobs.cache import _count, _redis_client

    client, breaker = _redis_client()
    key = str(client.make_key("rl:count-test"))
    assert [_count(client, breaker, key, 60) for _ in range(2)] == [1, 2]
    redis_server.stop()

    assert _count(client, breaker, key, 60) is None
    assert breaker.state == "open" and _redis_client() == (None, None)  # the next requests skip Redis at once
