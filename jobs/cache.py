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
import ipaddress
import os
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache, wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.conf import settings
from django.dispatch import Signal, receiver
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.urls import Resolver404, resolve
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString
from django.utils.text import compress_string
from django_ratelimit import core as ratelimit_core
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited
from django_redis.exceptions import ConnectionInterrupted
from prometheus_client import Counter
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

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
# A stored page is fresh for its timeout, then kept STALE_PAGE_SECONDS more: a request that finds
# it expired claims its rebuild (SET NX on rebuild_lock_key, for REBUILD_LOCK_SECONDS at most) and
# builds it, while the requests arriving meanwhile are answered the expired copy instead of all
# building it at once. Only a copy built under the current generation is ever answered: an edit
# still evicts at once.
STALE_PAGE_SECONDS = 30
REBUILD_LOCK_SECONDS = 10
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


# A page that reads several independent keys (the dashboard: generations, the snapshot, the
# interviews, the figures) reads them in one round trip each time its keys become known, instead
# of one round trip per key: `with read_ahead(keys):` fetches them with one MGET, and within it
# `cache_get` / `cache_get_many` answer those keys (found or missing) from memory, for the block
# only: request-scoped, nothing outlives it. Only the first read of a key goes through them: a
# fill that `add`s a missing key and reads it back reads it with `cache.get` (as the generations
# do), so it sees what it wrote.
_read_ahead: ContextVar[dict | None] = ContextVar("jobs_cache_read_ahead", default=None)
_MISSING = object()


@contextmanager
def values_known(values: dict):
    """Within it, `cache_get` answers `values`' keys with these values and asks the cache nothing:
    for a value this request has just read (the generation a page is being built under)."""
    token = _read_ahead.set({**(_read_ahead.get() or {}), **values})
    try:
        yield
    finally:
        _read_ahead.reset(token)


@contextmanager
def read_ahead(keys):
    keys = list(keys)
    pending = _pending_count.get()
    if pending:  # the throttle's count for this request rides on this read (ratelimit)
        found = _read_and_count(keys, pending.pop())
    else:
        found = {} if settings.CACHE_BYPASS else cache.get_many(keys)
    with values_known({key: found.get(key, _MISSING) for key in keys}):  # a key not found is known missing
        yield


# Keys a logged-in page reads for its visitor whatever the page (the bell's unread count), named
# by the apps that own them (jobs knows none of them): a page reading ahead reads them too.
_SEEKER_PAGE_KEYS: list[Callable[[int], str]] = []


def read_on_every_seeker_page(key_for: Callable[[int], str]) -> None:
    if key_for not in _SEEKER_PAGE_KEYS:
        _SEEKER_PAGE_KEYS.append(key_for)


def seeker_read_ahead(user_id: int, keys):
    """`read_ahead` of a logged-in page's `keys` and of what every seeker page reads for its
    visitor (read_on_every_seeker_page), in the same round trip."""
    return read_ahead([*keys, *(key_for(user_id) for key_for in _SEEKER_PAGE_KEYS)])


def cache_get(key: str, default=None):
    """`cache.get`, answered by a surrounding `read_ahead` that read the key."""
    ahead = _read_ahead.get()
    if ahead and key in ahead:
        value = ahead[key]
        return default if value is _MISSING else value
    return cache.get(key, default)


def cache_get_many(keys) -> dict:
    """`cache.get_many`, the keys a surrounding `read_ahead` read answered from memory."""
    ahead = _read_ahead.get()
    if not ahead:
        return cache.get_many(keys)
    found = {key: ahead[key] for key in keys if key in ahead}
    rest = [key for key in keys if key not in found]
    if rest:
        found.update(cache.get_many(rest))
    return {key: value for key, value in found.items() if value is not _MISSING}


def catalogue_generation() -> int:
    pinned = _pinned_values()
    if pinned is not None:
        if GENERATION_KEY not in pinned:
            pinned[GENERATION_KEY] = _catalogue_generation()
        return pinned[GENERATION_KEY]
    return _catalogue_generation()


def _catalogue_generation() -> int:
    generation = cache_get(GENERATION_KEY)
    if generation is None:
        # Start from the clock, not from 1: if the key was evicted, a restart at 1 could
        # meet pages cached under an old 1 that have not expired yet.
        cache.add(GENERATION_KEY, int(time.time() * 1000), timeout=None)
        generation = cache.get(GENERATION_KEY)
    if generation is None:  # no cache at all (Redis away: careercopilot/cache_backends.py): a number no page is stored under
        return int(time.time() * 1000)
    return int(generation)


def _bump(key: str, timeout: int | None = None) -> None:
    forget_local_pages()  # this process shows the change at once; the other workers within LOCAL_PAGE_SECONDS
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


# Any bound is a correct one (jobs.selectors._recent_since), so no generation: a stale bound
# only holds the few postings that arrived since it was read.
RECENT_SINCE_TIMEOUT = 10 * 60


def recent_since_key(sizes: tuple[int, ...]) -> str:
    # When the newest few thousand open postings begin: bounds a search's reads, never shown.
    return f"jobs:recent-since:{':'.join(map(str, sizes))}"


def page_key(name: str, path: str, canonical_query: str) -> str:
    # The generation is stored in the value, not the key, so one round trip reads the
    # generation and the page together (a page built under an older one is a miss).
    return f"jobs:page:{name}:{_digest(path, canonical_query)}"


def seeker_search_key(path: str, query_string: str) -> str:
    # The query string as sent, not its canonical form: the kept markup repeats it (links, the
    # pager, the track forms' way back), and only seekers' own searches are kept, for 60 s. The
    # catalogue's generation is in the value, not the key, so both are read in one round trip
    # (jobs.views._kept_seeker_list); a value of another generation is never used.
    # v3: the block's markup is kept as its UTF-8 bytes (FilledBlock).
    return f"jobs:seeker-search:v3:{_digest(path, query_string)}"


# The kept block is filled for each seeker as the UTF-8 bytes it is kept as, and put into the
# page's body as bytes (jobs.views._seeker_page): never decoded, copied into the page template's
# text and encoded again. As a str, one character beyond Latin-1 in its ~47 KB made all of it
# two bytes a character, and it was copied some ten times a page (1.9 M instructions of ~8.3 M).
# The page template renders this object as KEPT_BLOCK_SLOT, which the view replaces with `body`;
# the template's tags fill `body` in place (applications' `seeker_marks`, ui's `fill_ago_slots`).
KEPT_BLOCK_SLOT = SafeString("<!--kept-block-->")  # safe: the template prints str() of what it is given


class FilledBlock:
    """A kept search block being filled for one response: its markup as UTF-8 bytes."""

    __slots__ = ("body",)

    def __init__(self, body: bytes):
        self.body = body

    def __html__(self) -> str:
        return KEPT_BLOCK_SLOT

    __str__ = __html__


def rebuild_lock_key(page: str) -> str:
    # Held by the one request rebuilding an expired page (not under jobs:page:, which holds pages).
    return f"jobs:page-rebuild:{page}"


def compressed_key(page: str) -> str:
    # The same page gzipped once when it was stored, for visitors who accept gzip.
    return f"{page}:gz"


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
    query = request.GET
    if not query:
        return ""
    pairs = []
    for name in sorted(name for name in query if name in params):  # the few given, not every known one
        values = sorted({value.strip() for value in query.getlist(name) if value.strip()})
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
            if settings.CACHE_BYPASS and shared:
                return _built_as_on_a_miss(view, request, params, *args, **kwargs)
            if settings.CACHE_BYPASS or (not shared and not _cacheable_request(request)):
                return view(request, *args, **kwargs)
            query = canonical_query(request, params)
            key = page_key(name, request.path, query)
            gzipped = _accepts_gzip(request)
            known = getattr(request, "jobs_page_generation", None)
            if known is not None and known[0] == key:  # early_answers just read it and found no page
                generation, stored = known[1], None
            else:
                generation, stored = _generation_and_page(kwargs[posting] if posting else None,
                                                          compressed_key(key) if gzipped else key)
            if stored is not None and stored[0] != generation:
                stored = None  # built before the last change
            rebuilding = getattr(request, "jobs_page_rebuild", None) == key  # early_answers claimed it
            if stored is not None and not _page_is_fresh(stored):
                if _claim_rebuild(key):
                    stored, rebuilding = None, True
            count_lookup("pages", stored is not None)
            if stored is not None:
                response = _stored_answer(stored[1], stored[2], gzipped, public=False,
                                          state="hit" if _page_is_fresh(stored) else "stale")
            else:
                request.jobs_shared_page = True
                request.GET = QueryDict(query)
                # A list is built under the catalogue's generation just read with the page: its
                # totals, facets and aliases are keyed on that one, not read again (four GETs a search).
                known = {GENERATION_KEY: int(generation)} if posting is None else {}
                try:
                    with values_known(known):
                        response = view(request, *args, **kwargs)
                        if hasattr(response, "render") and callable(response.render):
                            response = response.render()
                    stored = (response.status_code == 200 and not response.cookies
                              and _store_page(name, key, generation, response.content, response["Content-Type"], timeout))
                    if stored and gzipped:
                        # The copy just gzipped for the store is this visitor's answer too, as it is the
                        # next one's: GZipMiddleware leaves an encoded answer alone instead of compressing
                        # the page a second time (~90 µs of a 6.5 KB posting page).
                        response.content = stored
                        response["Content-Encoding"] = "gzip"
                        patch_vary_headers(response, ("Accept-Encoding",))
                finally:
                    if rebuilding:
                        _release_rebuild(key)
                response["X-Page-Cache"] = "miss" if stored else "skip"
            if shared and response.status_code == 200:
                mark_public(response)
            elif not shared:
                patch_vary_headers(response, ("Cookie",))
            return response

        wrapper.anonymous_page = {"name": name, "params": params, "posting": posting, "throttle": throttle}
        return wrapper

    return decorator


def _built_as_on_a_miss(view, request: HttpRequest, params: tuple[str, ...], *args, **kwargs) -> HttpResponse:
    """perfsuite's no-cache pass (CACHE_BYPASS), for a shared request: the page a miss builds for
    it (shared, so no CSRF token nor cookie; the canonical query; public), neither read nor stored.
    Built for the visitor instead, it measured a page no anonymous miss builds (a CSRF secret
    drawn, masked and set as a cookie: 6-8 % of a posting page's CPU)."""
    request.jobs_shared_page = True
    request.GET = QueryDict(canonical_query(request, params))
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    response["X-Page-Cache"] = "skip"  # built, not stored (as a miss over its budget)
    if response.status_code == 200:
        mark_public(response)
    return response


def _page_is_fresh(stored) -> bool:
    """False once a stored page is past its timeout (its fourth field), though still kept."""
    return len(stored) < 4 or stored[3] > time.time()


def _claim_rebuild(key: str) -> bool:
    """True for the one request that is to rebuild this expired page (SET NX); the others are
    answered the expired copy meanwhile. A rebuild that dies frees the claim within
    REBUILD_LOCK_SECONDS; with Redis away the fallback cache's add() says True: every request
    rebuilds, as before."""
    return bool(cache.add(rebuild_lock_key(key), 1, REBUILD_LOCK_SECONDS))


def _release_rebuild(key: str) -> None:
    cache.delete(rebuild_lock_key(key))


def _store_page(name: str, key: str, generation: str, content: bytes, content_type: str, timeout: int) -> bytes | None:
    """The page as built, and gzipped once for the visitors who accept it (most browsers), so
    no stored answer is compressed again per request; unless this kind of page is over its
    budget (_within_budget). On Redis the count and both writes are one script (one round trip).
    The compressed copy gets GZipMiddleware's random-length header too (BREACH: README,
    Security), though a stored page carries no secret to guess. The gzipped copy if stored, else None."""
    window = int(time.time() // timeout)
    if _spent_budgets.get(name) == window:
        return None  # this worker saw the budget spent: it is until the window ends (_spent_budgets)
    gzipped = compress_string(content, max_random_bytes=GZIP_RANDOM_BYTES)
    fresh_until = time.time() + timeout  # then kept STALE_PAGE_SECONDS more, to answer while it is rebuilt
    values = {key: (generation, content, content_type, fresh_until),
              compressed_key(key): (generation, gzipped, content_type, fresh_until)}
    budget = page_budget_key(name, window)
    client, breaker = _redis_client()
    if client is None:
        if not _within_budget(name, timeout):
            _spent_budgets[name] = window
            return None
        cache.set_many(values, timeout + STALE_PAGE_SECONDS)
        return gzipped
    keys = [str(client.make_key(k)) for k in (budget, *values)]
    args = [timeout * 2, settings.PAGE_CACHE_MAX_PAGES, *(client.encode(v) for v in values.values()),
            timeout + STALE_PAGE_SECONDS]
    stored = _run_script(client, breaker, STORE_PAGE_SCRIPT, STORE_PAGE_SCRIPT_SHA, keys, args)
    if stored == 0:  # refused, not Redis away (None)
        _spent_budgets[name] = window
    return gzipped if stored else None


# The budget window (time // timeout) each kind of page was last refused in, per process. A budget
# only grows within its window, so once the script refuses one page, every later page of that kind
# is refused until the window ends: built pages are then answered without being gzipped, encoded
# and sent to Redis for nothing (0.3 ms of a posting page's ~2.5 ms of CPU in process, and most
# of a crowd's postings, seen once each, come after the first PAGE_CACHE_MAX_PAGES).
_spent_budgets: dict[str, int] = {}


# Count this page against its kind's budget and, within it, store both copies. KEYS: the budget,
# the page, its gzipped copy; ARGV: the budget's lifetime, the budget, the two values, their lifetime.
STORE_PAGE_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1])) end
if count > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'EX', tonumber(ARGV[5]))
redis.call('SET', KEYS[3], ARGV[4], 'EX', tonumber(ARGV[5]))
return 1
"""
STORE_PAGE_SCRIPT_SHA = hashlib.sha1(STORE_PAGE_SCRIPT.encode()).hexdigest()


GZIP_RANDOM_BYTES = 100  # as django.middleware.gzip.GZipMiddleware.max_random_bytes


def _accepts_gzip(request: HttpRequest) -> bool:
    return "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "").lower()


# One round trip for a stored page: the generation(s), the page and, when the page is there, the
# throttle's count for this address (django-ratelimit's own key and window, so the view's
# decorator and this count together). KEYS: the keys to read, then the throttle's key if any;
# ARGV: how many keys to read, the throttle's lifetime. A missing page counts nothing here (the
# view it falls through to counts it).
STORED_PAGE_SCRIPT = """
local n = tonumber(ARGV[1])
local values = redis.call('MGET', unpack(KEYS, 1, n))
if #KEYS > n and values[n] then
  local count = redis.call('INCR', KEYS[n + 1])
  if count == 1 then redis.call('EXPIRE', KEYS[n + 1], tonumber(ARGV[2])) end
  values[n + 1] = count
end
return values
"""
STORED_PAGE_SCRIPT_SHA = hashlib.sha1(STORED_PAGE_SCRIPT.encode()).hexdigest()
_REDIS_DOWN = (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError, OSError)


def _throttle_for(request: HttpRequest, fn: Callable, throttle: dict) -> tuple[str, int, int] | None:
    """django-ratelimit's key, limit and lifetime for this request, as its decorator on `fn`
    computes them (group = the view's dotted name; the rate and key as the view declares).
    The key is kept per group, rate and address for as long as its window lasts (_get_window
    gives the same window while the clock has not passed it): making it (two settings, the
    rate parsed twice, a SHA-256) was most of a kept search page's remaining extra CPU."""
    if not settings.RATELIMIT_ENABLE:
        return None
    group = f"{fn.__module__}.{fn.__qualname__}"
    rate = throttle["rate"](group, request) if callable(throttle["rate"]) else throttle["rate"]
    if rate is None:
        return None
    limit, period = _rate_parts(rate)
    key = throttle["key"]
    if key == "ip":  # django-ratelimit's _get_ip, its address masking (ipaddress: slow) kept per address
        value = _masked_address(_client_address(request))
    else:
        value = key(group, request) if callable(key) else ratelimit_core._SIMPLE_KEYS[key](request)
    methods = throttle.get("method", ratelimit_core.ALL)
    memo = (group, rate, value, methods)
    kept = _throttle_keys.get(memo)
    if kept is None or int(time.time()) > kept[0]:
        window = ratelimit_core._get_window(value, period)
        kept = (window, ratelimit_core._make_cache_key(group, window, rate, value, methods))
        if len(_throttle_keys) >= THROTTLE_KEYS_MAX:
            _throttle_keys.clear()
        _throttle_keys[memo] = kept
    return kept[1], limit, period + ratelimit_core.EXPIRATION_FUDGE


THROTTLE_KEYS_MAX = 4096
_throttle_keys: dict[tuple, tuple[int, str]] = {}  # (group, rate, value, methods) -> (window, django-ratelimit's key)
_rate_parts = lru_cache(maxsize=64)(ratelimit_core._split_rate)  # "120/m" -> (120, 60)


@receiver(setting_changed)
def _forget_throttle_keys(setting: str, **kwargs) -> None:
    if setting.startswith("RATELIMIT_"):  # the keys' prefix and hash, the address reader
        _throttle_keys.clear()
        _reader.cache_clear()


@lru_cache(maxsize=8)
def _reader(path: str) -> Callable:
    return import_string(path)


def _client_address(request: HttpRequest) -> str:
    reader = settings.RATELIMIT_IP_META_KEY
    if not reader:
        return request.META["REMOTE_ADDR"]
    if isinstance(reader, str) and "." in reader:
        return _reader(reader)(request)
    return reader(request) if callable(reader) else request.META[reader]


@lru_cache(maxsize=4096)
def _masked_address(ip: str) -> str:
    mask = getattr(settings, "RATELIMIT_IPV6_MASK", 64) if ":" in ip else getattr(settings, "RATELIMIT_IPV4_MASK", 32)
    return str(ipaddress.ip_network(f"{ip}/{mask}", strict=False).network_address)


def _redis_client():
    """django-redis's client and the breaker in front of it, or (None, None) when the cache is not
    Redis or its breaker is open (the callers then use the cache's own calls, which degrade)."""
    backend = cache._connections[cache._alias] if hasattr(cache, "_connections") else cache
    client = getattr(backend, "client", None)
    if client is None or not hasattr(client, "get_client"):
        return None, None
    breaker = getattr(backend, "breaker", None)
    if breaker is not None and not breaker.allow():
        return None, None
    return client, breaker


def _run_script(client, breaker, script: str, sha: str, keys: list[str], args: list):
    """The script's answer, or None when Redis is away (the breaker then opens)."""
    try:
        redis = client.get_client(write=True)
        try:
            answer = redis.evalsha(sha, len(keys), *keys, *args)
        except NoScriptError:  # this Redis has not seen the script yet (or restarted): send it whole once
            answer = redis.eval(script, len(keys), *keys, *args)
    except _REDIS_DOWN as exc:
        if breaker is not None:
            breaker.failure(exc)
        return None
    if breaker is not None:
        breaker.success()
    return answer


def _one_trip(names: list[str], key: str, throttle: tuple[str, int, int] | None) -> tuple[dict, int | None] | None:
    """The stored values under `names` and `key` (and the throttle's new count) in one Redis
    call, or None when this cache cannot (not Redis, its breaker open, Redis away: the caller
    then answers through the full stack, which degrades as every other cache use does)."""
    client, breaker = _redis_client()
    if client is None:
        return None
    wanted = [*names, key]
    keys = [str(client.make_key(name)) for name in wanted]
    args = [len(keys), throttle[2] if throttle else 0]
    if throttle:
        keys.append(str(client.make_key(throttle[0])))
    raw = _run_script(client, breaker, STORED_PAGE_SCRIPT, STORED_PAGE_SCRIPT_SHA, keys, args)
    if raw is None:
        return None
    stored = {name: client.decode(value) for name, value in zip(wanted, raw) if value is not None}
    return stored, (raw[len(wanted)] if len(raw) > len(wanted) else None)


def _stored_answer(content: bytes, content_type: str, gzipped: bool, *, public: bool = True,
                   state: str = "hit") -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    if gzipped:
        response["Content-Encoding"] = "gzip"  # GZipMiddleware leaves an encoded answer alone
        response["Vary"] = "Accept-Encoding"
    response["X-Page-Cache"] = state  # "stale": expired, answered while one request rebuilds it
    if public:
        response["Cache-Control"] = PUBLIC_CACHE_CONTROL
    return response


PUBLIC_CACHE_CONTROL = f"public, max-age={PUBLIC_MAX_AGE}"  # what mark_public writes, for a fresh answer


@lru_cache(maxsize=512)
def _resolve(path: str):
    """URL resolution of the paths stored pages are asked for most (the list, the home page, the
    popular postings), kept: the resolver walks every pattern on each call."""
    try:
        return resolve(path)
    except Resolver404:
        return None


# Each worker keeps the stored pages it just served for LOCAL_PAGE_SECONDS and answers them again
# without asking Redis (the round trip was half of a stored page's CPU time in process). An edit
# therefore reaches a visitor within LOCAL_PAGE_SECONDS of its bump — inside the 2 s that nginx's
# micro-cache keeps a page anyway. Only what Redis handed out for a shared request is kept, and
# only a shared request gets it; a throttled page still counts every answer on Redis.
LOCAL_PAGE_SECONDS = 1.0
LOCAL_PAGES_MAX = 256  # per worker: at most ~20 MB of pages (plain or gzipped), mostly far less
_local_pages: dict[tuple, tuple] = {}


def _keep_locally(local_key: tuple, match, spec: dict, content: bytes, content_type: str, state: str) -> None:
    now = time.monotonic()
    if len(_local_pages) >= LOCAL_PAGES_MAX:
        for key in [key for key, kept in list(_local_pages.items()) if kept[0] <= now]:  # a copy: gthread workers add meanwhile
            _local_pages.pop(key, None)
        if len(_local_pages) >= LOCAL_PAGES_MAX:
            _local_pages.clear()
    _local_pages[local_key] = (now + LOCAL_PAGE_SECONDS, match, spec, content, content_type, state)


def forget_local_pages() -> None:
    """This process's kept copies, the budgets it saw spent and the throttle's answers it has not
    sent yet (tests; a worker's copies expire on their own within a second, what it knows of a
    budget with its window)."""
    _local_pages.clear()
    _spent_budgets.clear()
    with _tallies_lock:
        _tallies.clear()


# The throttle's count for a page this worker still holds: KEYS: its key; ARGV: its lifetime and
# how many answers it adds (1, or the ones a worker held back: _within_throttle).
COUNT_SCRIPT = """
local added = tonumber(ARGV[2] or 1)
local count = redis.call('INCRBY', KEYS[1], added)
if count == added then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1])) end
return count
"""
COUNT_SCRIPT_SHA = hashlib.sha1(COUNT_SCRIPT.encode()).hexdigest()


_counting = threading.local()  # each thread's own connection for the count (gthread workers have several)


def _count(client, breaker, key: str, lifetime: int, added: int = 1) -> int | None:
    """COUNT_SCRIPT for one key: the throttle's new count (`added` more), or None when it cannot
    be had (the caller then answers through the full stack; Redis away also opens the breaker, as for
    _run_script's callers). A stored page a worker still holds costs at most this one call, so it
    skips redis-py's client path (the pool's checkout and return, the retry wrapper): the command
    goes out on a connection this thread keeps, made from django-redis's pool with its settings
    (database, timeouts, credentials) and never shared: 22-25 -> 11-14 µs of CPU in process.
    It is made outside the pool's count (the pool never gets it back, and a thread that ends takes
    it with it), so threads that come and go never use up the pool's max_connections."""
    connection = None
    try:
        pool = client.get_client(write=True).connection_pool
        connection = getattr(_counting, "connection", None)
        if connection is None or _counting.pool is not pool or _counting.pid != os.getpid():  # first use, another cache, a fork
            connection = pool.connection_class(**pool.connection_kwargs)
            _counting.connection, _counting.pool, _counting.pid = connection, pool, os.getpid()
        connection.send_command("EVALSHA", COUNT_SCRIPT_SHA, 1, key, lifetime, added, check_health=False)
        count = connection.read_response()
    except NoScriptError:  # this Redis has not seen the script yet (or restarted): redis-py's path sends it whole
        return _run_script(client, breaker, COUNT_SCRIPT, COUNT_SCRIPT_SHA, [key], [lifetime, added])
    except ResponseError:  # Redis answered, but not a count (a key of another type, say): the full stack decides
        return None
    except _REDIS_DOWN as exc:
        _counting.connection = None
        if connection is not None:
            connection.disconnect()
        if breaker is not None:
            breaker.failure(exc)
        return None
    if breaker is not None:
        breaker.success()
    return count


# Counting every answer to a page this worker keeps on Redis made a stored search dearer than
# any other stored page: 190-205 µs of worker CPU per answer under wrk against 137 for the home
# page, and 25-32 µs of Redis's CPU against ~1 (the send, the wake-up, the read, Redis's own
# work; 15 µs of CPU and 38 µs of wall time in process). So while an address is far from its
# limit (the last count Redis gave plus what this worker holds back is at most half of it) a
# worker holds its answers back and adds them in one INCRBY every throttle_batch(limit) answers,
# or at the first answer after THROTTLE_BATCH_SECONDS; past half the limit, and for limits under
# 64 a window, every answer is counted on Redis as before.
# The contract holds across workers: an address over the limit is refused, by every worker
# within throttle_batch(limit) - 1 more answers (each holds back at most that many), and never
# before it is over (Redis only ever has fewer answers than were given). What a worker holds
# back when it exits or Redis goes away (at most batch - 1 per address) is never counted.
THROTTLE_BATCH_MAX = 16
THROTTLE_BATCH_SECONDS = 1.0
THROTTLE_TALLIES_MAX = 1024  # addresses a worker tracks; when full, what it holds goes out in one pipeline
_tallies: dict[str, list] = {}  # throttle key -> [last count Redis gave, answers held back, when it gave it, lifetime]
_tallies_lock = threading.Lock()  # gthread workers answer on several threads


def throttle_batch(limit: int) -> int:
    """How many answers to one address a worker adds at once while the address is below half
    its limit: 1 (each one counted) for limits under 64 a window; 3 for the default 120/m."""
    return max(1, min(THROTTLE_BATCH_MAX, limit // 32))


def _within_throttle(client, breaker, key: str, limit: int, lifetime: int) -> bool | None:
    """True if this answer is within the throttle's limit, False if over it; None (falsy, so
    the full stack answers) when Redis cannot count it."""
    batch = throttle_batch(limit)
    if batch == 1:
        count = _count(client, breaker, key, lifetime)
        return None if count is None else count <= limit
    now = time.monotonic()
    with _tallies_lock:
        tally = _tallies.get(key)
        held = 0
        if tally is not None:
            if (tally[1] + 1 < batch and tally[0] + tally[1] + 1 <= limit // 2
                    and now - tally[2] < THROTTLE_BATCH_SECONDS):
                tally[1] += 1
                return True
            held, tally[1] = tally[1], 0  # this thread sends them
    count = _count(client, breaker, key, lifetime, held + 1)
    if count is None:
        return None
    with _tallies_lock:
        tally = _tallies.get(key)
        if tally is None:
            _tallies[key] = [count, 0, now, lifetime]
        elif count >= tally[0]:  # another thread may have had a newer count meanwhile
            tally[0], tally[2] = count, now
        full = len(_tallies) >= THROTTLE_TALLIES_MAX
    if full:
        _send_held_answers(client, breaker)
    return count <= limit


def _send_held_answers(client, breaker) -> None:
    """Every answer this worker holds back, added on Redis in one pipelined round trip, and the
    addresses forgotten (the next answer to each is counted on Redis and starts again)."""
    with _tallies_lock:
        held = [(key, tally[1], tally[3]) for key, tally in _tallies.items() if tally[1]]
        _tallies.clear()
    if not held:
        return
    try:
        pipe = client.get_client(write=True).pipeline(transaction=False)
        for key, added, lifetime in held:
            pipe.incrby(key, added)
            pipe.expire(key, lifetime, nx=True)  # a key Redis had not seen yet: the throttle's lifetime
        pipe.execute()
    except _REDIS_DOWN as exc:
        if breaker is not None:
            breaker.failure(exc)


def _local_page_response(request: HttpRequest, local_key: tuple, gzipped: bool) -> HttpResponse | None:
    kept = _local_pages.get(local_key)
    if kept is None:
        return None
    until, match, spec, content, content_type, state = kept
    if until <= time.monotonic():
        _local_pages.pop(local_key, None)
        return None
    request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware would check it (DisallowedHost: 400)
    throttle = _throttle_for(request, match.func, spec["throttle"]) if spec["throttle"] else None
    if throttle:
        client, breaker = _redis_client()
        if client is None or not _within_throttle(client, breaker, str(client.make_key(throttle[0])), *throttle[1:]):
            return False  # Redis away, or over the limit: the full stack answers (or refuses)
    count_lookup("pages", True)
    request.resolver_match = match
    return _stored_answer(content, content_type, gzipped, state=state)


def ratelimit(counted_in_read_ahead: Callable[[HttpRequest], bool] | None = None, **throttle) -> Callable:
    """django-ratelimit's `@ratelimit(..., block=True)` (the same group, key, window and limit, the
    same `request.limited` and the same exception, so the same 429 page) counting in one Redis
    round trip, COUNT_SCRIPT through `_count`, instead of its two (`cache.add`, then `cache.incr`,
    for every request after a window's first). When the cache is not Redis, its breaker is open,
    or Redis does not give a count, django-ratelimit counts through the cache as before (whose
    fallback keeps counting in this process while Redis is away).

    For a request `counted_in_read_ahead` says yes to, the count costs no round trip of its own:
    it goes with the view's first `read_ahead` (READ_AND_COUNT_SCRIPT), which refuses the request
    there. Say yes only where that read comes before any work worth refusing (a throttle must
    refuse before the work, not after); a view that returns without reading ahead is counted,
    and refused, as it returns."""
    assert "group" not in throttle, "the group is the view's dotted name, as _throttle_for computes it"
    method = throttle.get("method", ratelimit_core.ALL)

    def decorator(fn: Callable) -> Callable:
        @wraps(fn)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if counted_in_read_ahead is None or settings.CACHE_BYPASS or not counted_in_read_ahead(request):
                _refuse_if(request, _over_limit(request, fn, throttle, method))
                return fn(request, *args, **kwargs)
            if not ratelimit_core._method_match(request, method) or (spec := _throttle_for(request, fn, throttle)) is None:
                return fn(request, *args, **kwargs)
            pending = [(request, fn, throttle, spec)]
            token = _pending_count.set(pending)
            try:
                response = fn(request, *args, **kwargs)
            finally:
                _pending_count.reset(token)
            if pending:  # no read ahead took it
                _refuse_if(request, _counted_over(request, fn, throttle, spec))
            return response
        return wrapped
    return decorator


# A count waiting for the view's first read_ahead: [(request, view, throttle, (key, limit, lifetime))].
_pending_count: ContextVar[list | None] = ContextVar("jobs_cache_pending_count", default=None)

# The keys to read (KEYS but the last), then the throttle's count (the last key; ARGV: its lifetime).
READ_AND_COUNT_SCRIPT = """
local n = #KEYS - 1
local values = redis.call('MGET', unpack(KEYS, 1, n))
local count = redis.call('INCR', KEYS[#KEYS])
if count == 1 then redis.call('EXPIRE', KEYS[#KEYS], tonumber(ARGV[1])) end
values[n + 1] = count
return values
"""
READ_AND_COUNT_SCRIPT_SHA = hashlib.sha1(READ_AND_COUNT_SCRIPT.encode()).hexdigest()


def _read_and_count(keys: list[str], pending: tuple) -> dict:
    """`cache.get_many(keys)` and the throttle's count in one round trip; raises the throttle's
    exception when the count is over the limit. Without a count from Redis, the two calls."""
    request, fn, throttle, (throttle_key, limit, lifetime) = pending
    client, breaker = _redis_client()
    raw = None
    if client is not None:
        try:
            raw = _run_script(client, breaker, READ_AND_COUNT_SCRIPT, READ_AND_COUNT_SCRIPT_SHA,
                              [*(str(client.make_key(key)) for key in keys), str(client.make_key(throttle_key))], [lifetime])
        except ResponseError:  # Redis answered, but not a count (a key of another type, say): the two calls decide
            raw = None
    if raw is None:
        found = cache.get_many(keys)
        _refuse_if(request, is_ratelimited(request, fn=fn, increment=True, **throttle))
        return found
    _refuse_if(request, raw[-1] > limit)
    return {key: client.decode(value) for key, value in zip(keys, raw) if value is not None}


def _refuse_if(request: HttpRequest, limited: bool) -> None:
    request.limited = limited or getattr(request, "limited", False)
    if limited:
        cls = getattr(settings, "RATELIMIT_EXCEPTION_CLASS", Ratelimited)
        raise (import_string(cls) if isinstance(cls, str) else cls)()


def _over_limit(request: HttpRequest, fn: Callable, throttle: dict, method) -> bool:
    if not ratelimit_core._method_match(request, method):
        return False
    spec = _throttle_for(request, fn, throttle)
    if spec is None:
        return False  # throttles off, or no rate for this request: as django-ratelimit
    return _counted_over(request, fn, throttle, spec)


def _counted_over(request: HttpRequest, fn: Callable, throttle: dict, spec: tuple[str, int, int]) -> bool:
    """Count this request on `spec`'s key (_throttle_for) in one round trip: over the limit?"""
    client, breaker = _redis_client()
    count = None if client is None else _count(client, breaker, str(client.make_key(spec[0])), spec[2])
    if count is None:
        return is_ratelimited(request, fn=fn, increment=True, **throttle)
    return count > spec[1]


def stored_page_response(request: HttpRequest) -> HttpResponse | None:
    """The stored page for a shared request (no session, no messages, no credentials) to a page
    cached with cache_anonymous_page, or None (not such a page, not stored, or throttled: the
    full stack then answers as usual). Costs nothing but the throttle's count for a page this
    worker served less than LOCAL_PAGE_SECONDS ago; otherwise the URL resolution and one Redis
    round trip: the generation, the page (gzipped already for a client that accepts it) and the
    throttle's count in one script (STORED_PAGE_SCRIPT). On a cache that is not Redis, the separate calls."""
    if settings.CACHE_BYPASS or not shared_request(request):
        return None
    gzipped = _accepts_gzip(request)
    local_key = (request.path, request.META.get("QUERY_STRING", ""), gzipped)
    local = _local_page_response(request, local_key, gzipped)
    if local is not None:
        return local or None
    match = _resolve(request.path_info)
    if match is None:
        return None
    spec = getattr(match.func, "anonymous_page", None)
    if spec is None:
        return None
    request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware would check it (DisallowedHost: 400)
    job_id = match.kwargs[spec["posting"]] if spec["posting"] else None
    names = [POSTINGS_GENERATION_KEY, posting_key(job_id)] if job_id is not None else [GENERATION_KEY]
    plain_key = page_key(spec["name"], request.path, canonical_query(request, spec["params"]))
    key = compressed_key(plain_key) if gzipped else plain_key
    throttle = _throttle_for(request, match.func, spec["throttle"]) if spec["throttle"] else None
    trip = _one_trip(names, key, throttle)
    if trip is None:
        return _stored_page_in_calls(request, match, spec, job_id, key, gzipped)
    values, count = trip
    if names[0] not in values:
        return None  # no generation yet: the view makes it as the accessors do
    generation = (f"{values[names[0]]}.{values.get(names[1], 0)}" if job_id is not None else str(int(values[names[0]])))
    stored = values.get(key)
    if stored is None or stored[0] != generation:
        request.jobs_page_generation = (plain_key, generation)  # the view needs not read it again
        return None  # the view builds it (and counts the miss)
    if throttle and count is not None and count > throttle[1]:
        return None  # the view's own decorator answers 429
    fresh = _page_is_fresh(stored)
    if not fresh and _claim_rebuild(plain_key):
        request.jobs_page_generation = (plain_key, generation)
        request.jobs_page_rebuild = plain_key  # this request rebuilds it; the others get the expired copy
        return None
    count_lookup("pages", True)
    request.resolver_match = match
    _keep_locally(local_key, match, spec, stored[1], stored[2], "hit" if fresh else "stale")
    return _stored_answer(stored[1], stored[2], gzipped, state="hit" if fresh else "stale")


def _stored_page_in_calls(request, match, spec, job_id, key, gzipped) -> HttpResponse | None:
    generation, stored = _generation_and_page(job_id, key)
    if stored is None or stored[0] != generation or not _page_is_fresh(stored):
        return None  # the view's decorator builds it, or answers the expired copy while another rebuilds
    if spec["throttle"] and is_ratelimited(request, fn=match.func, increment=True, **spec["throttle"]):
        return None
    count_lookup("pages", True)
    request.resolver_match = match
    return _stored_answer(stored[1], stored[2], gzipped)


def shared_page_context(request: HttpRequest) -> dict:
    """Context for a page that may be stored and shown to other visitors.

    base.html puts a CSRF token in the page; a stored copy must not carry the first
    visitor's secret to everyone else (and must not make the response set a cookie).
    Anonymous visitors post nothing from these pages, so a blank token is enough.
    Such a page is only built for an anonymous visitor with no message pending
    (cache_anonymous_page), so it says so without asking the session who is there and the
    message storage what is pending (the context processors' lazy `user` and `messages`).
    """
    return {"csrf_token": "", "user": _ANONYMOUS, "messages": ()} if getattr(request, "jobs_shared_page", False) else {}


_ANONYMOUS = AnonymousUser()
