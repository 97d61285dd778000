"""Every cached thing about the job catalogue, and the switches that make it stale.

Keys carry *generations*: numbers kept under a few keys. A change bumps the ones it affects
after commit, so every key built from an old number is simply never read again and expires
on its own timeout. No key is ever searched for or deleted, which keeps invalidation O(1)
on Redis whatever the number of cached pages. Three of them:

- the *catalogue* generation (`catalogue_generation()`): everything that lists postings —
  search pages, totals, facets, the home and company pages, the trending list. Bumped when
  a posting appears, goes, or changes a field a list shows or filters on.
- the *postings* generation: every posting's own page and similar jobs. Bumped, with the
  catalogue's, by what changes many postings at once (a company or skill renamed, bulk
  closing, an import, new exchange rates): `catalogue_changed()`.
- one generation per posting: its page and its similar jobs. An edit to one posting
  (`posting_changed()`) evicts those and, only if a list shows what changed, the lists —
  never the other million postings' pages.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.conf import settings
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.urls import Resolver404, resolve
from django.utils.http import urlencode
from django_ratelimit.core import is_ratelimited
from prometheus_client import Counter

T = TypeVar("T")

# Hits and misses per named layer (pages, facets, totals, similar, trending, user_metrics,
# recommendations, ...): the catalogue's accessors and analytics' count here, the scrape adds
# every process up (careercopilot/observability/).
CACHE_LAYER_REQUESTS = Counter(
    "cache_layer_requests_total", "Cached-value lookups by named cache layer and result (hit or miss)", ["layer", "result"]
)


# Sent after commit whenever the lists' generation moves (an import, a posting appearing, going or
# changing what a list shows, a company or skill renamed): every cached list of postings is stale
# from now on. `every_posting` is True when each posting's own page went too. The catalogue knows
# nothing of who listens; the project warms the pages people hit first (careercopilot/cache_warming.py).
catalogue_generation_bumped = Signal()


def count_lookup(layer: str, hit: bool) -> None:
    CACHE_LAYER_REQUESTS.labels(layer, "hit" if hit else "miss").inc()

GENERATION_KEY = "jobs:generation"
POSTINGS_GENERATION_KEY = "jobs:postings-generation"

# Timeouts, in seconds. Pages are short because they are cheap to rebuild and a visitor
# should see a new posting within a minute; computed values are dearer and last longer.
LIST_PAGE_TIMEOUT = 60
DETAIL_PAGE_TIMEOUT = 5 * 60
HOME_PAGE_TIMEOUT = 60
COMPANY_PAGE_TIMEOUT = 5 * 60
FACETS_TIMEOUT = 5 * 60
TOTAL_TIMEOUT = 5 * 60
SIMILAR_TIMEOUT = 15 * 60
ACTIVE_PLANNED_TIMEOUT = 10 * 60
# A posting's generation outlives everything built under the generation before it, so a
# page cached before an edit has expired by the time the key does (and reads 0 again).
POSTING_GENERATION_TIMEOUT = max(DETAIL_PAGE_TIMEOUT, SIMILAR_TIMEOUT) + 60
# What browsers and shared caches may keep of an anonymous page or API answer. nginx's
# micro-cache keeps it for seconds only (deploy/nginx/), whatever this says.
PUBLIC_MAX_AGE = 60

# Fields a list (search card, company page, home page, facets, totals) shows or filters on:
# an edit to anything else (the description, the link to apply) evicts only the posting's page.
LISTED_FIELDS = frozenset({
    "title", "slug", "company", "company_id", "location", "remote_policy", "job_type", "experience_level",
    "salary_min", "salary_max", "salary_currency", "salary_period", "salary_min_usd", "salary_max_usd",
    "posted_at", "expires_at", "is_active",
})


_pinned = threading.local()


@contextmanager
def pinned_reads():
    """Within it, each cached value (and the catalogue's generation) is read from the cache once
    and then kept in memory: for a batch job running thousands of searches against one state of
    the catalogue (the alerts matcher), where a Redis round trip per lookup would cost more than
    the searches. Thread-local; a page never uses it."""
    previous = getattr(_pinned, "values", None)
    _pinned.values = {} if previous is None else previous
    try:
        yield
    finally:
        _pinned.values = previous


def _pinned_values() -> dict | None:
    return getattr(_pinned, "values", None)


def catalogue_generation() -> int:
    pinned = _pinned_values()
    if pinned is not None:
        if GENERATION_KEY not in pinned:
            pinned[GENERATION_KEY] = _catalogue_generation()
        return pinned[GENERATION_KEY]
    return _catalogue_generation()


def _catalogue_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Start from the clock, not from 1: if the key was evicted, a restart at 1 could
        # meet pages cached under an old 1 that have not expired yet.
        cache.add(GENERATION_KEY, int(time.time() * 1000), timeout=None)
        generation = cache.get(GENERATION_KEY)
    if generation is None:  # no cache at all (Redis away: careercopilot/cache_backends.py): a number no page is stored under
        return int(time.time() * 1000)
    return int(generation)


def _bump(key: str, timeout: int | None = None) -> None:
    try:
        cache.incr(key)
    except ValueError:  # key missing: any fresh value is newer than what pages were built with
        cache.add(key, int(time.time() * 1000), timeout=timeout)


def bump_catalogue_generation() -> None:
    """Lists and every posting's own page: what a change to many postings at once calls."""
    _bump(GENERATION_KEY)
    _bump(POSTINGS_GENERATION_KEY)
    catalogue_generation_bumped.send(sender=None, every_posting=True)


def catalogue_changed() -> None:
    """Call from any write that changes many postings (or companies, skills, rates); stale data
    goes once the write commits. One posting: posting_changed().

    Before commit a reader could rebuild a page from the old rows under the new generation,
    so the bump waits for the commit (and a rolled-back write bumps nothing).
    """
    transaction.on_commit(bump_catalogue_generation)


def posting_key(job_id: int) -> str:
    return f"jobs:posting-generation:{job_id}"


def bump_posting_generation(job_id: int, *, listed: bool) -> None:
    _bump(posting_key(job_id), POSTING_GENERATION_TIMEOUT)
    if listed:
        _bump(GENERATION_KEY)
        catalogue_generation_bumped.send(sender=None, every_posting=False)


def posting_changed(job_id: int, *, listed: bool = True) -> None:
    """One posting changed: its page and similar jobs go after commit, and the lists too when
    `listed` (it appeared, went, or changed a field in LISTED_FIELDS or its skills)."""
    transaction.on_commit(lambda: bump_posting_generation(job_id, listed=listed))


def posting_generation(job_id: int) -> str:
    """The generation a posting's own page and similar jobs are keyed on: the postings-wide
    one and the posting's own (0 until its first edit), read in one round trip."""
    stored = cache.get_many([POSTINGS_GENERATION_KEY, posting_key(job_id)])
    postings = stored.get(POSTINGS_GENERATION_KEY)
    if postings is None:
        cache.add(POSTINGS_GENERATION_KEY, int(time.time() * 1000), timeout=None)
        postings = cache.get(POSTINGS_GENERATION_KEY)
    if postings is None:  # no cache at all (Redis away): a number no page is stored under
        postings = int(time.time() * 1000)
    return f"{postings}.{stored.get(posting_key(job_id), 0)}"


def _digest(*parts: Any) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


# --- Named keys, one per data set ----------------------------------------------------------


def facets_key(generation: int, filters_key: str) -> str:
    return f"jobs:facets:{generation}:{_digest(filters_key)}"


def total_key(generation: int, filters_key: str) -> str:
    return f"jobs:total:{generation}:{_digest(filters_key)}"


def similar_key(generation: int | str, job_id: int, limit: int) -> str:
    # generation: posting_generation(job_id), so an edit elsewhere leaves it alone.
    return f"jobs:similar:{generation}:{job_id}:{limit}"


def rates_key(generation: int) -> str:
    # Exchange rates: a refresh recomputes postings and bumps the generation, so this follows.
    return f"jobs:rates:{generation}"


def active_planned_key() -> str:
    # The planner's idea of how many postings are open: steers the search plan, never shown.
    return "jobs:active-planned"


def page_key(name: str, path: str, canonical_query: str) -> str:
    # The generation is stored in the value, not the key, so one round trip reads the
    # generation and the page together (a page built under an older one is a miss).
    return f"jobs:page:{name}:{_digest(path, canonical_query)}"


def page_budget_key(name: str, window: int) -> str:
    return f"jobs:page-budget:{name}:{window}"


def cached_value(
    key: str, timeout: int, compute: Callable[[], T], *, layer: str,
    to_cache: Callable[[T], Any] | None = None, from_cache: Callable[[Any], T] | None = None,
) -> T:
    """The cached value, else compute() stored. The cache holds plain data only (no pickle,
    careercopilot/cache_backends.py): `to_cache`/`from_cache` convert anything else. `layer`
    names the data set in the hit/miss counter."""
    pinned = _pinned_values()
    if pinned is not None:
        if key not in pinned:
            pinned[key] = _cached_value(key, timeout, compute, layer=layer, to_cache=to_cache, from_cache=from_cache)
        return pinned[key]
    return _cached_value(key, timeout, compute, layer=layer, to_cache=to_cache, from_cache=from_cache)


def _cached_value(key, timeout, compute, *, layer, to_cache, from_cache):
    stored = None if settings.CACHE_BYPASS else cache.get(key)
    count_lookup(layer, stored is not None)
    if stored is not None:
        return from_cache(stored) if from_cache else stored
    value = compute()
    cache.set(key, to_cache(value) if to_cache else value, timeout)
    return value


# --- Whole anonymous pages -----------------------------------------------------------------


def shared_request(request: HttpRequest) -> bool:
    """A request that can only come from an anonymous visitor with nothing pending: no session
    cookie (so no log-in and no messages kept in a session), no messages cookie, no credentials.
    Its page is the same for everyone, so it is marked public for browsers and proxies, and
    deciding that reads no session (reading one would add `Vary: Cookie`)."""
    cookies = request.COOKIES
    return (request.method in ("GET", "HEAD") and settings.SESSION_COOKIE_NAME not in cookies
            and CookieStorage.cookie_name not in cookies and "HTTP_AUTHORIZATION" not in request.META)


def _cacheable_request(request: HttpRequest) -> bool:
    if settings.CACHE_BYPASS:  # perfsuite's no-cache pass: the page is built every time
        return False
    # A pending flash message would be rendered into the stored page and shown to everyone.
    return request.method in ("GET", "HEAD") and not request.user.is_authenticated and not len(get_messages(request))


def mark_public(response: HttpResponse, max_age: int = PUBLIC_MAX_AGE) -> HttpResponse:
    """Let browsers and shared caches keep this anonymous answer. careercopilot.middleware
    drops `Vary: Cookie` from it (and withdraws `public` if anything set a cookie after all)."""
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def canonical_query(request: HttpRequest, params: tuple[str, ...]) -> str:
    """The query string as the page reads it: only its known parameters, without blanks,
    values sorted. `?q=x&utm=1&_=123` and `?q=x` are one page, stored once."""
    pairs = []
    for name in sorted(params):
        values = sorted({value.strip() for value in request.GET.getlist(name) if value.strip()})
        pairs.extend((name, value) for value in values)
    return urlencode(pairs)


def _within_budget(name: str, timeout: int) -> bool:
    """At most settings.PAGE_CACHE_MAX_PAGES new copies of one kind of page per `timeout`
    seconds: past it pages are served but not stored, so however many distinct searches
    arrive the stored pages take bounded room (about 30 kB each)."""
    key = page_budget_key(name, int(time.time() // timeout))
    cache.add(key, 0, timeout * 2)
    try:
        return cache.incr(key) <= settings.PAGE_CACHE_MAX_PAGES
    except ValueError:  # evicted between the two calls: count this one as the first
        return True


def _generation_and_page(job_id: int | None, key: str) -> tuple[str, Any]:
    """The generation a page is built under and the stored page, in one round trip: the
    catalogue's for lists, the postings-wide and the posting's own for a posting's page."""
    names = [POSTINGS_GENERATION_KEY, posting_key(job_id)] if job_id is not None else [GENERATION_KEY]
    stored = cache.get_many([*names, key])
    if names[0] not in stored:  # first use, or evicted: made as the accessors make it
        generation = posting_generation(job_id) if job_id is not None else str(catalogue_generation())
    elif job_id is not None:
        generation = f"{stored[names[0]]}.{stored.get(names[1], 0)}"
    else:
        generation = str(int(stored[names[0]]))
    return generation, stored.get(key)


def cache_anonymous_page(name: str, timeout: int, *, params: tuple[str, ...] = (), posting: str | None = None,
                         throttle: dict | None = None):
    """Serve anonymous visitors a stored copy of the page, built under the current generation.

    Only the body and content type are stored, never cookies, so one visitor's session or
    CSRF cookie cannot be handed to the next. A hit costs two cache reads and no SQL.
    Logged-in visitors always get a fresh page (it carries their own buttons).

    The key is the path and the canonical query (`params` are the names the page reads);
    the view sees that same canonical query, so the stored page matches its key exactly and
    junk parameters can neither make new keys nor end up in its links. `posting` names the
    URL argument holding a posting's id: its page is keyed on that posting's generation,
    not the catalogue's, so other postings' edits leave it cached.

    Visitors without a session cookie get `Cache-Control: public` and no `Vary: Cookie`, so
    nginx and browsers can keep the page too; anonymous visitors with a session (after a
    log-out, say) share Django's copy but get it with `Vary: Cookie` and no `public`.

    A stored page for such a visitor is answered before the session, CSRF and log-in
    middleware even run (`stored_page_response`, called by careercopilot.middleware.early_answers);
    `throttle` names the django-ratelimit arguments the view is throttled with, so a stored
    page counts against the same limit there.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            shared = shared_request(request)
            if settings.CACHE_BYPASS or (not shared and not _cacheable_request(request)):
                return view(request, *args, **kwargs)
            query = canonical_query(request, params)
            key = page_key(name, request.path, query)
            generation, stored = _generation_and_page(kwargs[posting] if posting else None, key)
            if stored is not None and stored[0] != generation:
                stored = None  # built before the last change
            count_lookup("pages", stored is not None)
            if stored is not None:
                _, content, content_type = stored
                response = HttpResponse(content, content_type=content_type)
                response["X-Page-Cache"] = "hit"
            else:
                request.jobs_shared_page = True
                request.GET = QueryDict(query)
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                stored = response.status_code == 200 and not response.cookies and _within_budget(name, timeout)
                if stored:
                    cache.set(key, (generation, response.content, response["Content-Type"]), timeout)
                response["X-Page-Cache"] = "miss" if stored else "skip"
            if shared and response.status_code == 200:
                mark_public(response)
            elif not shared:
                patch_vary_headers(response, ("Cookie",))
            return response

        wrapper.anonymous_page = {"name": name, "params": params, "posting": posting, "throttle": throttle}
        return wrapper

    return decorator


def stored_page_response(request: HttpRequest) -> HttpResponse | None:
    """The stored page for a shared request (no session, no messages, no credentials) to a page
    cached with cache_anonymous_page, or None (not such a page, not stored, or throttled: the
    full stack then answers as usual). Costs the URL resolution and one cache round trip (three
    for a throttled page: the throttle's count is django-ratelimit's own, on the same key)."""
    if settings.CACHE_BYPASS or not shared_request(request):
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    spec = getattr(match.func, "anonymous_page", None)
    if spec is None:
        return None
    request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware would check it (DisallowedHost: 400)
    key = page_key(spec["name"], request.path, canonical_query(request, spec["params"]))
    generation, stored = _generation_and_page(match.kwargs[spec["posting"]] if spec["posting"] else None, key)
    if stored is None or stored[0] != generation:
        return None  # the view builds it (and counts the miss)
    if spec["throttle"] and is_ratelimited(request, fn=match.func, increment=True, **spec["throttle"]):
        return None  # the view's own decorator answers 429
    count_lookup("pages", True)
    request.resolver_match = match
    _, content, content_type = stored
    response = HttpResponse(content, content_type=content_type)
    response["X-Page-Cache"] = "hit"
    return mark_public(response)


def shared_page_context(request: HttpRequest) -> dict:
    """Context for a page that may be stored and shown to other visitors.

    base.html puts a CSRF token in the page; a stored copy must not carry the first
    visitor's secret to everyone else (and must not make the response set a cookie).
    Anonymous visitors post nothing from these pages, so a blank token is enough.
    """
    return {"csrf_token": ""} if getattr(request, "jobs_shared_page", False) else {}
