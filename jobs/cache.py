"""Every cached thing about the job catalogue, and the one switch that makes it all stale.

Keys carry the catalogue *generation*: a number kept under one key. Any change to a job,
company or skill bumps it after commit, so every key built from the old number is simply
never read again and expires on its own timeout. No key is ever searched for or deleted,
which keeps invalidation O(1) on Redis whatever the number of cached pages.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from prometheus_client import Counter

T = TypeVar("T")

# Hits and misses per named layer (pages, facets, totals, similar, trending, user_metrics,
# recommendations, ...): the catalogue's accessors and analytics' count here, the scrape adds
# every process up (careercopilot/observability/).
CACHE_LAYER_REQUESTS = Counter(
    "cache_layer_requests_total", "Cached-value lookups by named cache layer and result (hit or miss)", ["layer", "result"]
)


def count_lookup(layer: str, hit: bool) -> None:
    CACHE_LAYER_REQUESTS.labels(layer, "hit" if hit else "miss").inc()

GENERATION_KEY = "jobs:generation"

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


def catalogue_generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Start from the clock, not from 1: if the key was evicted, a restart at 1 could
        # meet pages cached under an old 1 that have not expired yet.
        cache.add(GENERATION_KEY, int(time.time() * 1000), timeout=None)
        generation = cache.get(GENERATION_KEY)
    if generation is None:  # no cache at all (Redis away: careercopilot/cache_backends.py): a number no page is stored under
        return int(time.time() * 1000)
    return int(generation)


def bump_catalogue_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # key missing: any fresh value is newer than what pages were built with
        cache.add(GENERATION_KEY, int(time.time() * 1000), timeout=None)


def catalogue_changed() -> None:
    """Call from any write to jobs, companies or skills; stale data goes once the write commits.

    Before commit a reader could rebuild a page from the old rows under the new generation,
    so the bump waits for the commit (and a rolled-back write bumps nothing).
    """
    transaction.on_commit(bump_catalogue_generation)


def _digest(*parts: Any) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


# --- Named keys, one per data set ----------------------------------------------------------


def facets_key(generation: int, filters_key: str) -> str:
    return f"jobs:facets:{generation}:{_digest(filters_key)}"


def total_key(generation: int, filters_key: str) -> str:
    return f"jobs:total:{generation}:{_digest(filters_key)}"


def similar_key(generation: int, job_id: int, limit: int) -> str:
    return f"jobs:similar:{generation}:{job_id}:{limit}"


def rates_key(generation: int) -> str:
    # Exchange rates: a refresh recomputes postings and bumps the generation, so this follows.
    return f"jobs:rates:{generation}"


def active_planned_key() -> str:
    # The planner's idea of how many postings are open: steers the search plan, never shown.
    return "jobs:active-planned"


def page_key(generation: int, name: str, path: str, canonical_query: str) -> str:
    return f"jobs:page:{name}:{generation}:{_digest(path, canonical_query)}"


def page_budget_key(name: str, window: int) -> str:
    return f"jobs:page-budget:{name}:{window}"


def cached_value(
    key: str, timeout: int, compute: Callable[[], T], *, layer: str,
    to_cache: Callable[[T], Any] | None = None, from_cache: Callable[[Any], T] | None = None,
) -> T:
    """The cached value, else compute() stored. The cache holds plain data only (no pickle,
    careercopilot/cache_backends.py): `to_cache`/`from_cache` convert anything else. `layer`
    names the data set in the hit/miss counter."""
    stored = None if settings.CACHE_BYPASS else cache.get(key)
    count_lookup(layer, stored is not None)
    if stored is not None:
        return from_cache(stored) if from_cache else stored
    value = compute()
    cache.set(key, to_cache(value) if to_cache else value, timeout)
    return value


# --- Whole anonymous pages -----------------------------------------------------------------


def _cacheable_request(request: HttpRequest) -> bool:
    if settings.CACHE_BYPASS:  # perfsuite's no-cache pass: the page is built every time
        return False
    # A pending flash message would be rendered into the stored page and shown to everyone.
    return request.method in ("GET", "HEAD") and not request.user.is_authenticated and not len(get_messages(request))


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


def cache_anonymous_page(name: str, timeout: int, *, params: tuple[str, ...] = ()):
    """Serve anonymous visitors a stored copy of the page, built under the current generation.

    Only the body and content type are stored, never cookies, so one visitor's session or
    CSRF cookie cannot be handed to the next. A hit costs two cache reads and no SQL.
    Logged-in visitors always get a fresh page (it carries their own buttons).

    The key is the path and the canonical query (`params` are the names the page reads);
    the view sees that same canonical query, so the stored page matches its key exactly and
    junk parameters can neither make new keys nor end up in its links.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _cacheable_request(request):
                return view(request, *args, **kwargs)
            query = canonical_query(request, params)
            key = page_key(catalogue_generation(), name, request.path, query)
            stored = cache.get(key)
            count_lookup("pages", stored is not None)
            if stored is not None:
                content, content_type = stored
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
                    cache.set(key, (response.content, response["Content-Type"]), timeout)
                response["X-Page-Cache"] = "miss" if stored else "skip"
            patch_vary_headers(response, ("Cookie",))
            return response

        return wrapper

    return decorator


def shared_page_context(request: HttpRequest) -> dict:
    """Context for a page that may be stored and shown to other visitors.

    base.html puts a CSRF token in the page; a stored copy must not carry the first
    visitor's secret to everyone else (and must not make the response set a cookie).
    Anonymous visitors post nothing from these pages, so a blank token is enough.
    """
    return {"csrf_token": ""} if getattr(request, "jobs_shared_page", False) else {}
