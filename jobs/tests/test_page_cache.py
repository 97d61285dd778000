import time

import pytest
from django.conf import settings
from django.test import Client

from jobs import cache as jobs_cache
from jobs.models import Job
from jobs.services import jobs_set_active
from jobs.tests.factories import CompanyFactory, JobFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "home": lambda job: "/",
    "list": lambda job: "/jobs/",
    "search": lambda job: "/jobs/?q=plumber&remote=remote",
    "detail": lambda job: job.get_absolute_url(),
    "company": lambda job: job.company.get_absolute_url(),
}


@pytest.fixture
def job():
    return JobFactory(title="Plumber", remote_policy="remote", company=CompanyFactory(name="Pipes"))


@pytest.mark.parametrize("page", PAGES)
def test_a_cached_anonymous_page_is_served_without_sql(client, job, page, django_assert_num_queries):
    url = PAGES[page](job)
    first = client.get(url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


@pytest.mark.parametrize("page", ["search", "detail"])
def test_editing_a_job_shows_on_the_next_request_of_its_cached_pages(client, job, page, capture_commits):
    url = PAGES[page](job)
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    with capture_commits():
        job.title = "Master plumber"
        job.save()

    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Master plumber" in response.content.decode()


def test_renaming_a_company_refreshes_its_jobs_pages(client, job, capture_commits):
    client.get(job.get_absolute_url())
    with capture_commits():
        job.company.name = "Pipes & Sons"
        job.company.save()
    assert "Pipes &amp; Sons" in client.get(job.get_absolute_url()).content.decode()


def test_closing_jobs_in_bulk_refreshes_the_cached_list(client, job, capture_commits):
    assert "Plumber" in client.get("/jobs/").content.decode()
    with capture_commits():
        jobs_set_active(jobs=Job.objects.filter(pk=job.pk), is_active=False)
    assert "Plumber" not in client.get("/jobs/").content.decode()


def test_a_rolled_back_change_leaves_the_cache_alone(job, django_capture_on_commit_callbacks):
    before = jobs_cache.catalogue_generation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job.save()
    assert callbacks  # the bump waits for a commit that, here, never comes
    assert jobs_cache.catalogue_generation() == before


def test_logged_in_seekers_get_their_own_fresh_page(client, alice, job):
    client.get(job.get_absolute_url())  # cached for anonymous visitors
    client.force_login(alice)
    response = client.get(job.get_absolute_url())
    assert "X-Page-Cache" not in response
    assert "Track this job</button>" in response.content.decode()


def test_a_shared_page_carries_no_visitors_csrf_secret(job):
    response = Client().get(job.get_absolute_url())
    assert "csrftoken" not in response.cookies
    assert "\"X-CSRFToken\": \"\"" in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_with_caches_bypassed_a_shared_request_gets_the_page_a_miss_builds(job, page, settings):
    # perfsuite's no-cache pass measures the page an anonymous miss builds: no CSRF secret, public.
    url = PAGES[page](job)
    missed = Client().get(url)
    assert missed["X-Page-Cache"] == "miss"
    settings.CACHE_BYPASS = True

    bypassed = Client().get(url)

    assert bypassed.content == missed.content
    assert "csrftoken" not in bypassed.cookies and bypassed["Cache-Control"] == missed["Cache-Control"]
    assert bypassed["X-Page-Cache"] == "skip"  # built, not stored
    assert Client().get(url)["X-Page-Cache"] == "skip"  # and never read


def test_with_caches_bypassed_a_visitor_with_a_session_still_gets_a_page_of_their_own(client, alice, job, settings):
    settings.CACHE_BYPASS = True
    client.force_login(alice)
    response = client.get(job.get_absolute_url())
    assert "X-Page-Cache" not in response and "Track this job</button>" in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_a_shared_page_is_built_without_asking_the_session_or_the_message_storage(job, page):
    from django.utils.functional import empty

    response = Client().get(PAGES[page](job))

    assert response["X-Page-Cache"] == "miss" and "Log in" in response.content.decode()
    assert response.wsgi_request._messages._wrapped is empty  # nothing is pending on a shared page: no need to ask
    if page not in ("list", "search"):  # the list's view asks who is there itself (a seeker's search is built for them)
        assert not response.wsgi_request.session.accessed  # nobody is logged in on a shared page


def test_error_pages_are_not_cached(client, django_assert_num_queries):
    JobFactory()
    client.get("/jobs/?page=abc")
    assert client.get("/jobs/?page=abc")["X-Page-Cache"] == "skip"  # built again, never stored


def test_a_pending_message_is_not_cached_for_everyone(client, job):
    from django.contrib.messages.storage.cookie import CookieStorage

    storage = CookieStorage(request=None)
    encoded = storage._encode([__import__("django.contrib.messages.storage.base", fromlist=["Message"]).Message(20, "Saved!")])
    client.cookies["messages"] = encoded
    assert "Saved!" in client.get("/jobs/").content.decode()
    del client.cookies["messages"]
    response = Client().get("/jobs/")
    assert "Saved!" not in response.content.decode()


@pytest.fixture
def postings(db):
    from jobs.tests.conftest import make_catalogue

    return make_catalogue(5)


def _stored_page_keys(name: str) -> list[str]:
    """Stored pages, each counted once (not its gzipped copy)."""
    from django.conf import settings
    from django.core.cache import cache

    prefix = f"jobs:page:{name}:"
    if settings.REDIS_URL:
        from django_redis import get_redis_connection

        pattern = f"{settings.CACHES['default']['KEY_PREFIX']}:*:{prefix}*"
        keys = [key.decode() for key in get_redis_connection("default").scan_iter(match=pattern, count=1000)]
    else:
        keys = [key for key in cache._cache if prefix in key]
    return [key for key in keys if not key.endswith(":gz")]


def test_junk_query_strings_share_one_stored_page(client, postings, settings):
    settings.THROTTLE_SEARCH = "10000/m"
    for n in range(300):
        response = client.get(f"/jobs/?q=python&utm_source=spam{n}&_={n}&sort=&page=")
        assert response.status_code == 200

    assert len(_stored_page_keys("list")) == 1
    assert b"spam" not in client.get("/jobs/?q=python&utm_source=spam-again").content  # links carry no junk


def test_the_same_search_in_another_order_is_the_same_page(client, postings):
    first = client.get("/jobs/?remote=remote&remote=hybrid&q=python")
    second = client.get("/jobs/?q=python+&remote=hybrid&remote=remote&ref=x")

    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")


def _start_of_a_budget_window(window: int, needed: int) -> None:
    """The budget counts per fixed window (time // window): thirty requests that straddle its
    edge start counting afresh and store more. Wait for a fresh window when this one is ending."""
    left = window - time.time() % window
    if left < needed:
        time.sleep(left + 0.05)


def test_distinct_searches_stop_being_stored_past_the_budget(client, postings, settings):
    settings.THROTTLE_SEARCH = "10000/m"
    settings.PAGE_CACHE_MAX_PAGES = 20
    _start_of_a_budget_window(jobs_cache.LIST_PAGE_TIMEOUT, needed=20)
    marks = [client.get("/jobs/", {"q": f"python {n}"})["X-Page-Cache"] for n in range(30)]

    assert marks == ["miss"] * 20 + ["skip"] * 10
    assert len(_stored_page_keys("list")) == 20


def test_a_worker_refused_by_the_budget_offers_no_page_until_the_next_window(client, postings, settings, monkeypatch):
    """A budget only grows within its window: once refused, the worker builds pages without
    gzipping and sending them for nothing, even if the count has gone meanwhile (evicted), and
    offers them again in the next window."""
    from types import SimpleNamespace

    from django.core.cache import cache

    settings.THROTTLE_SEARCH = "10000/m"
    settings.PAGE_CACHE_MAX_PAGES = 2
    _start_of_a_budget_window(jobs_cache.LIST_PAGE_TIMEOUT, needed=5)
    marks = [client.get("/jobs/", {"q": f"python {n}"})["X-Page-Cache"] for n in range(3)]
    assert marks == ["miss", "miss", "skip"]

    cache.delete(jobs_cache.page_budget_key("list", int(time.time() // jobs_cache.LIST_PAGE_TIMEOUT)))
    assert client.get("/jobs/", {"q": "python 3"})["X-Page-Cache"] == "skip"
    assert len(_stored_page_keys("list")) == 2

    later = time.time() + jobs_cache.LIST_PAGE_TIMEOUT
    monkeypatch.setattr(jobs_cache, "time", SimpleNamespace(time=lambda: later, monotonic=time.monotonic))
    assert client.get("/jobs/", {"q": "python 4"})["X-Page-Cache"] == "miss"
    assert len(_stored_page_keys("list")) == 3


@pytest.mark.skipif(not settings.REDIS_URL, reason="counts commands sent to Redis (the embedded default has none)")
def test_a_search_built_on_a_miss_reads_the_generation_and_the_aliases_once(client, postings, monkeypatch):
    """The generation comes with the stored page's lookup (early_answers' one script) and the page
    is built under it: its total, facets and aliases are keyed on that one, never read again, and
    the aliases are read once for the results, the facets and 'did you mean'."""
    import redis.connection

    client.get("/jobs/", {"q": "warm"})  # the generation and the aliases exist now
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command",
                        lambda self, command, *args, **kwargs: sent.append(bytes(b"".join(command) if isinstance(command, list) else command)) or send(self, command, *args, **kwargs))

    assert client.get("/jobs/", {"q": "python"})["X-Page-Cache"] == "miss"
    generation_reads = [c for c in sent if b"jobs:generation" in c and b"EVALSHA" not in c]
    alias_reads = [c for c in sent if b"jobs:aliases:" in c and b"GET" in c]
    assert generation_reads == [], generation_reads
    assert len(alias_reads) == 1, alias_reads


def _expire_stored_page(name: str, path: str, query: str = "") -> str:
    """Make the stored page (and its gzipped copy) past its timeout but still kept, as it is for
    STALE_PAGE_SECONDS after it; returns its key."""
    from django.core.cache import cache

    key = jobs_cache.page_key(name, path, query)
    for stored_key in (key, jobs_cache.compressed_key(key)):
        generation, content, content_type, fresh_until = cache.get(stored_key)
        assert fresh_until > time.time()
        cache.set(stored_key, (generation, content, content_type, time.time() - 1), 30)
    jobs_cache.forget_local_pages()
    return key


@pytest.fixture(params=["early", "session"])
def visitor(request):
    """An anonymous visitor answered before the middleware ("early") or by the view's decorator
    (an anonymous visitor with a session cookie)."""
    visitor = Client()
    if request.param == "session":
        visitor.cookies["sessionid"] = "anonymous-after-logout"
    return visitor


def test_an_expired_page_is_answered_from_its_old_copy_while_another_request_rebuilds_it(
        visitor, job, django_assert_num_queries):
    from django.core.cache import cache

    assert visitor.get(job.get_absolute_url())["X-Page-Cache"] == "miss"
    key = _expire_stored_page("detail", job.get_absolute_url())
    Job.objects.filter(pk=job.pk).update(description="Rewritten")  # no bump: only a rebuild shows it
    assert cache.add(jobs_cache.rebuild_lock_key(key), 1, 10)  # another worker is rebuilding it

    with django_assert_num_queries(0):
        during = visitor.get(job.get_absolute_url())
    assert during["X-Page-Cache"] == "stale"
    assert "Rewritten" not in during.content.decode()

    cache.delete(jobs_cache.rebuild_lock_key(key))  # its rebuild failed: the next request rebuilds
    jobs_cache.forget_local_pages()  # this worker keeps what it answered for LOCAL_PAGE_SECONDS
    after = visitor.get(job.get_absolute_url())
    assert after["X-Page-Cache"] == "miss"
    assert "Rewritten" in after.content.decode()
    assert cache.get(jobs_cache.rebuild_lock_key(key)) is None  # released once stored
    assert visitor.get(job.get_absolute_url())["X-Page-Cache"] == "hit"


def test_the_first_request_after_a_page_expires_rebuilds_it_and_frees_the_claim(visitor, postings):
    from django.core.cache import cache

    assert visitor.get("/jobs/")["X-Page-Cache"] == "miss"
    key = _expire_stored_page("list", "/jobs/")
    response = visitor.get("/jobs/")
    assert response["X-Page-Cache"] == "miss"
    assert cache.get(jobs_cache.rebuild_lock_key(key)) is None
    assert visitor.get("/jobs/")["X-Page-Cache"] == "hit"


@pytest.mark.parametrize("page", ["search", "detail"])
def test_an_edited_posting_is_never_answered_from_an_expired_copy(visitor, job, page, capture_commits):
    from django.core.cache import cache

    url = PAGES[page](job)
    assert "Plumber" in visitor.get(url).content.decode()
    path, _, query = url.partition("?")
    name = "list" if page == "search" else "detail"
    key = _expire_stored_page(name, path, query)  # "q=plumber&remote=remote": canonical already
    assert cache.add(jobs_cache.rebuild_lock_key(key), 1, 10)  # a rebuild under way elsewhere

    with capture_commits():
        job.title = "Master plumber"
        job.save()

    response = visitor.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert "Master plumber" in response.content.decode()


@pytest.mark.parametrize("page", ["detail", "search"])
def test_a_page_built_for_a_gzip_visitor_is_gzipped_once(job, page, monkeypatch):
    """The copy gzipped for the store is the visitor's answer too: GZipMiddleware does not compress
    the page a second time. The next visitor who accepts gzip gets that same copy from the store."""
    import gzip

    from django.middleware import gzip as gzip_middleware

    calls = []
    real = jobs_cache.compress_string
    monkeypatch.setattr(jobs_cache, "compress_string", lambda *a, **k: calls.append("store") or real(*a, **k))
    monkeypatch.setattr(gzip_middleware, "compress_string", lambda *a, **k: calls.append("middleware") or real(*a, **k))
    url = PAGES[page](job)
    first = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert first["X-Page-Cache"] == "miss" and calls == ["store"]
    assert first["Content-Encoding"] == "gzip" and "Accept-Encoding" in first["Vary"]
    assert first["Content-Length"] == str(len(first.content))
    second = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert second["X-Page-Cache"] == "hit" and second.content == first.content
    plain = Client().get(url)
    assert "Content-Encoding" not in plain and gzip.decompress(first.content) == plain.content
    assert first["Cache-Control"] == plain["Cache-Control"] == "public, max-age=60"
