"""/health/ and stored anonymous pages are answered above the session, CSRF and log-in middleware
(careercopilot.middleware.early_answers), with every header the full stack gives them."""

from __future__ import annotations

import pytest
from django.test import Client

from jobs import cache as jobs_cache
from jobs.cache import forget_local_pages
from jobs.tests.factories import CompanyFactory, JobFactory

pytestmark = pytest.mark.django_db

SHARED_HEADERS = ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "X-Content-Type-Options")


@pytest.fixture
def job():
    return JobFactory(title="Plumber", remote_policy="remote", company=CompanyFactory(name="Pipes"))


def test_health_is_answered_without_a_session_even_with_a_session_cookie(alice_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = alice_client.get("/health/")

    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response["Content-Length"] == str(len(response.content))
    assert not hasattr(response.wsgi_request, "session")
    assert "no-store" in response["Cache-Control"] and "Cookie" not in response.get("Vary", "")
    assert all(header in response for header in SHARED_HEADERS)


@pytest.mark.parametrize("url", ["/jobs/?q=plumber", "detail", "company", "/"])
def test_a_stored_page_is_answered_early_with_the_headers_of_a_full_answer(client, job, url, django_assert_num_queries):
    url = {"detail": job.get_absolute_url(), "company": job.company.get_absolute_url()}.get(url, url)
    built = client.get(url)
    assert built["X-Page-Cache"] == "miss" and hasattr(built.wsgi_request, "session")

    with django_assert_num_queries(0):
        stored = Client().get(url)

    assert stored["X-Page-Cache"] == "hit" and stored.content == built.content
    assert stored["Content-Length"] == built["Content-Length"] == str(len(built.content))  # not chunked
    assert not hasattr(stored.wsgi_request, "session")
    assert stored["Cache-Control"] == "public, max-age=60" and "Cookie" not in stored.get("Vary", "")
    assert not stored.cookies
    assert all(header in stored for header in SHARED_HEADERS)


def test_a_logged_in_visitor_never_gets_the_stored_page(alice_client, job):
    Client().get("/jobs/?q=plumber")
    assert Client().get("/jobs/?q=plumber")["X-Page-Cache"] == "hit"

    mine = alice_client.get("/jobs/?q=plumber")

    assert "X-Page-Cache" not in mine and "private" in mine["Cache-Control"]
    assert hasattr(mine.wsgi_request, "session")


def test_a_bad_host_is_refused_before_a_stored_page(client, job):
    client.get("/jobs/?q=plumber")

    assert Client().get("/jobs/?q=plumber", HTTP_HOST="evil.example").status_code == 400


def _redis_commands_during(action) -> list[tuple[str, str]]:
    """(client type, command) of every command our Redis database received while `action` ran,
    seen by a real MONITOR; a script's own commands come as client type "lua"."""
    import threading

    import redis
    from django.conf import settings

    server = redis.Redis.from_url(settings.REDIS_URL)
    watcher = redis.Redis.from_url(settings.REDIS_URL)  # MONITOR holds a connection of its own
    server.ping()  # the marker's connection says hello (HELLO, SELECT) before anything is counted
    db = server.connection_pool.connection_kwargs.get("db", 0)
    marker = f"end-of-action-{id(action)}"
    seen: list[tuple[str, str]] = []
    ready, done = threading.Event(), threading.Event()

    def watch() -> None:
        with watcher.monitor() as monitor:
            ready.set()
            for event in monitor.listen():
                if marker in event["command"]:
                    break
                if str(event.get("db")) == str(db):
                    seen.append((event.get("client_type", ""), event["command"]))
        done.set()

    threading.Thread(target=watch, daemon=True).start()
    ready.wait(5)
    action()
    server.echo(marker)
    done.wait(5)
    return seen


@pytest.mark.skipif(not __import__("django.conf").conf.settings.REDIS_URL, reason="counts commands on a real Redis")
def test_a_stored_search_page_costs_one_redis_round_trip_throttle_included(client, job):
    client.get("/jobs/?q=plumber")  # built and stored
    Client().get("/jobs/?q=plumber")  # Redis learns the script
    forget_local_pages()  # as in a worker that has not served this page within the last second

    commands = _redis_commands_during(lambda: Client().get("/jobs/?q=plumber"))

    ours = [command for kind, command in commands if kind != "lua"]
    assert len(ours) == 1 and ours[0].startswith("EVALSHA"), commands
    # The generation, the page and the throttle's key (django-ratelimit's "rl:"), all in that one call.
    assert ":jobs:generation " in ours[0] and ":jobs:page:list:" in ours[0] and ":rl:" in ours[0]


@pytest.mark.skipif(not __import__("django.conf").conf.settings.REDIS_URL, reason="counts commands on a real Redis")
def test_a_page_this_worker_just_served_costs_only_the_throttles_count(client, job, settings):
    settings.THROTTLE_SEARCH = "60/m"  # under 64 a window: every answer is counted on Redis
    client.get("/jobs/?q=plumber")  # built and stored
    Client().get("/jobs/?q=plumber")  # read from Redis, kept in this process
    Client().get("/jobs/?q=plumber")  # Redis learns the counting script

    commands = _redis_commands_during(lambda: Client().get("/jobs/?q=plumber"))

    ours = [command for kind, command in commands if kind != "lua"]
    assert len(ours) == 1 and ours[0].startswith("EVALSHA") and ":rl:" in ours[0], commands
    assert ":jobs:" not in ours[0]  # neither the page nor the generation
    # A page no throttle counts costs no Redis command at all.
    Client().get("/")
    Client().get("/")
    assert [command for kind, command in _redis_commands_during(lambda: Client().get("/")) if kind != "lua"] == []


@pytest.mark.skipif(not __import__("django.conf").conf.settings.REDIS_URL, reason="the counting script on a real Redis")
def test_a_kept_page_keeps_counting_after_redis_forgets_the_counting_script(client, job, settings):
    from django.core.cache import cache

    settings.THROTTLE_SEARCH = "4/m"
    client.get("/jobs/?q=plumber")  # built: counts 1
    Client().get("/jobs/?q=plumber")  # kept in this process: 2
    cache.client.get_client(write=True).script_flush()  # a restarted Redis

    answers = [Client().get("/jobs/?q=plumber").status_code for _ in range(3)]

    assert answers == [200, 200, 429]  # 3 and 4 counted as before; the fifth refused


def test_an_edit_in_another_process_shows_within_the_second_a_worker_keeps_a_page(client, job):
    import time

    from django.core.cache import cache

    client.get("/jobs/?q=plumber")
    assert Client().get("/jobs/?q=plumber")["X-Page-Cache"] == "hit"  # kept in this process now
    # Another worker's edit: it bumps the lists' generation on Redis, this process hears nothing.
    cache.incr(jobs_cache.GENERATION_KEY)

    time.sleep(jobs_cache.LOCAL_PAGE_SECONDS)
    assert Client().get("/jobs/?q=plumber")["X-Page-Cache"] == "miss"


def test_an_edit_in_this_process_shows_at_once(client, job, django_capture_on_commit_callbacks):
    client.get("/jobs/?q=plumber")
    assert Client().get("/jobs/?q=plumber")["X-Page-Cache"] == "hit"  # kept in this process now
    with django_capture_on_commit_callbacks(execute=True):
        job.title = "Plumber and welder"
        job.save()

    fresh = Client().get("/jobs/?q=plumber")
    assert fresh["X-Page-Cache"] == "miss" and b"Plumber and welder" in fresh.content


def test_a_throttled_search_is_refused_even_when_this_worker_keeps_the_page(client, job, settings):
    settings.THROTTLE_SEARCH = "3/m"
    client.get("/jobs/?q=plumber")  # built: counts 1
    answers = [Client().get("/jobs/?q=plumber").status_code for _ in range(4)]

    assert answers == [200, 200, 429, 429]


def _throttle_counts() -> list[int]:
    """The throttle's counts on Redis (django-ratelimit's "rl:" keys), lowest first."""
    from django.core.cache import cache

    redis = cache.client.get_client(write=True)
    return sorted(int(redis.get(key)) for key in redis.scan_iter(match="*:rl:*"))


needs_redis = pytest.mark.skipif(not __import__("django.conf").conf.settings.REDIS_URL,
                                 reason="the throttle's count on a real Redis")


@needs_redis
def test_far_from_its_limit_an_address_is_counted_on_redis_once_a_batch(client, job, settings):
    settings.THROTTLE_SEARCH = "1000/m"
    assert jobs_cache.throttle_batch(1000) == 16
    client.get("/jobs/?q=plumber")  # built: counts 1
    Client().get("/jobs/?q=plumber")  # read from Redis, kept in this process: 2
    Client().get("/jobs/?q=plumber")  # kept: counted on Redis (3), this worker now knows the count

    commands = _redis_commands_during(lambda: [Client().get("/jobs/?q=plumber") for _ in range(32)])

    ours = [command for kind, command in commands if kind != "lua"]
    assert len(ours) == 2 and all(c.startswith("EVALSHA") and ":rl:" in c and c.endswith(" 16") for c in ours), ours
    assert _throttle_counts() == [35]  # every answer counted: none held back after a whole batch


@needs_redis
def test_one_worker_alone_is_refused_exactly_past_the_limit_however_it_batched(client, job, settings):
    settings.THROTTLE_SEARCH = "64/m"  # batches of 2 below 32, then each answer counted
    client.get("/jobs/?q=plumber")

    answers = [Client().get("/jobs/?q=plumber").status_code for _ in range(70)]

    assert answers == [200] * 63 + [429] * 7


@needs_redis
def test_an_address_other_workers_took_over_the_limit_is_refused_here_within_one_batch(client, job, settings):
    from django.core.cache import cache

    settings.THROTTLE_SEARCH = "320/m"
    batch = jobs_cache.throttle_batch(320)
    assert batch == 10
    client.get("/jobs/?q=plumber")
    Client().get("/jobs/?q=plumber")
    Client().get("/jobs/?q=plumber")  # this worker knows the count: 3
    redis = cache.client.get_client(write=True)
    [key] = redis.scan_iter(match="*:rl:*")
    redis.incrby(key, 317)  # the other workers' answers, on their own connections: at the limit

    answers = [Client().get("/jobs/?q=plumber").status_code for _ in range(batch + 2)]

    # This worker held back at most batch - 1 answers before it heard; from then on it refuses.
    assert answers == [200] * (batch - 1) + [429] * 3


@needs_redis
def test_answers_a_worker_holds_back_reach_redis_with_the_first_answer_after_a_while(client, job, settings,
                                                                                     monkeypatch):
    import time

    settings.THROTTLE_SEARCH = "1000/m"
    monkeypatch.setattr(jobs_cache, "THROTTLE_BATCH_SECONDS", 0.2)
    client.get("/jobs/?q=plumber")
    for _ in range(7):
        Client().get("/jobs/?q=plumber")
    assert _throttle_counts() == [3]  # 5 held back in this worker

    time.sleep(0.25)
    Client().get("/jobs/?q=plumber")

    assert _throttle_counts() == [9]


@needs_redis
def test_a_worker_tracking_too_many_addresses_sends_what_it_held_back_for_each(client, job, settings, monkeypatch):
    settings.THROTTLE_SEARCH = "1000/m"
    monkeypatch.setattr(jobs_cache, "THROTTLE_TALLIES_MAX", 3)
    client.get("/jobs/?q=plumber")
    for address in ("198.51.100.1", "198.51.100.2"):
        for _ in range(4):
            assert Client(REMOTE_ADDR=address).get("/jobs/?q=plumber").status_code == 200
    # The builder's 1; the first address: read from Redis (1), kept and counted (2), two held back;
    # the second: the page already kept here, counted (1), three held back.
    assert _throttle_counts() == [1, 1, 2]

    Client(REMOTE_ADDR="198.51.100.3").get("/jobs/?q=plumber")  # a third address: the table is full

    assert _throttle_counts() == [1, 1, 4, 4]


def test_a_kept_pages_throttle_key_is_django_ratelimits_own_and_moves_with_its_window(rf, settings, monkeypatch):
    import time

    from django.urls import resolve
    from django_ratelimit import core

    settings.THROTTLE_SEARCH = "120/m"
    view = resolve("/jobs/").func
    group = f"{view.__module__}.{view.__qualname__}"
    request = rf.get("/jobs/?q=plumber", REMOTE_ADDR="198.51.100.7")
    clock = [1_800_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    seen = set()

    for second in range(0, 181, 3):  # three minutes: the key is kept within a window, never across
        clock[0] = 1_800_000_000.0 + second
        theirs = core._make_cache_key(group, core._get_window("198.51.100.7", 60), "120/m", "198.51.100.7", core.ALL)
        assert jobs_cache._throttle_for(request, view, view.anonymous_page["throttle"]) == (
            theirs, 120, 60 + core.EXPIRATION_FUDGE), second
        seen.add(theirs)

    assert len(seen) == 4


@pytest.mark.parametrize("url", ["/jobs/?q=plumber", "detail", "/"])
def test_a_stored_page_goes_gzipped_to_those_who_accept_it_and_plain_to_others(client, job, url):
    import gzip

    url = {"detail": job.get_absolute_url()}.get(url, url)
    built = client.get(url)

    zipped = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    plain = Client().get(url)

    assert zipped["X-Page-Cache"] == plain["X-Page-Cache"] == "hit"
    assert zipped["Content-Encoding"] == "gzip" and gzip.decompress(zipped.content) == built.content
    assert zipped["Content-Length"] == str(len(zipped.content)) and plain["Content-Length"] == str(len(plain.content))
    assert "Content-Encoding" not in plain and plain.content == built.content
    assert "Accept-Encoding" in zipped["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert zipped["Cache-Control"] == "public, max-age=60"


def test_an_anonymous_visitor_with_a_session_gets_the_gzipped_copy_without_public(client, job):
    import gzip

    built = client.get("/jobs/?q=plumber")
    visitor = Client()
    visitor.cookies["sessionid"] = "not-a-session"

    zipped = visitor.get("/jobs/?q=plumber", HTTP_ACCEPT_ENCODING="gzip")

    assert zipped["X-Page-Cache"] == "hit" and gzip.decompress(zipped.content) == built.content
    assert "public" not in zipped.get("Cache-Control", "") and "Cookie" in zipped["Vary"]


def test_health_says_never_store_me_and_costs_no_cache_or_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/")

    assert response.content == b'{"status": "ok"}' and response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


@pytest.mark.skipif(not __import__("django.conf").conf.settings.REDIS_URL, reason="a real Redis's answer")
def test_a_throttle_count_redis_refuses_is_answered_by_the_full_stack_not_a_500(client, job):
    from django.core.cache import cache

    from jobs.cache import _count, _redis_client

    client.get("/jobs/?q=plumber")
    assert Client().get("/jobs/?q=plumber")["X-Page-Cache"] == "hit"  # kept in this process now
    redis, breaker = _redis_client()
    key = str(redis.make_key("rl:not-a-counter"))
    redis.get_client(write=True).rpush(key, "x")  # a list: INCR on it is an error reply

    assert _count(redis, breaker, key, 60) is None
    assert breaker is None or breaker.state == "closed"  # Redis is there: nothing to trip
    assert cache.get("some-key") is None and Client().get("/jobs/?q=plumber").status_code == 200


@needs_redis
def test_threads_that_count_and_end_never_use_up_the_cache_pools_connections():
    import threading

    from django.core.cache import cache

    pool = cache.client.get_client(write=True).connection_pool
    client, breaker = jobs_cache._redis_client()
    counts = []

    def count_once():
        counts.append(jobs_cache._count(client, breaker, str(client.make_key("rl:thread-test")), 60))

    for _ in range(pool.max_connections + 5):  # each thread keeps its own connection for the count, then ends
        thread = threading.Thread(target=count_once)
        thread.start()
        thread.join()

    assert counts == list(range(1, pool.max_connections + 6))
    assert cache.get("anything") is None  # the pool still lends a connection (no "Too many connections")
    assert cache.client.get_client(write=True).ping()
