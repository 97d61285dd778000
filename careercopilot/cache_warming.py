"""Cache warming: after the catalogue changes, the pages people hit first are rebuilt by a Celery
task, so the first visitor after an import or an edit does not pay for everyone.

The catalogue sends `jobs.cache.catalogue_generation_bumped` after commit; `schedule_warming`
(connected in careercopilot/apps.py) debounces a burst of bumps (an import commits many batches)
into one task, CACHE_WARMING_DELAY seconds later. The task asks the site itself for each page,
as an anonymous visitor, through the whole middleware stack and the page cache
(jobs.cache.cache_anonymous_page): what it stores is exactly what a visitor would have stored.
Warmed: the home page (with trending), /jobs/, and the first page of the CACHE_WARMING_SEARCHES
most frequent terms of the search vocabulary (jobs.SearchTerm).
"""

from __future__ import annotations

import io
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest

logger = logging.getLogger(__name__)

SCHEDULED_KEY = "careercopilot:warming-scheduled"


def schedule_warming(sender=None, **kwargs) -> None:
    """The first bump of a burst schedules one warming; those until it starts add nothing. Never
    fails the write that bumped: a broker away means cold pages, not an error."""
    if not settings.CACHE_WARMING or settings.CACHE_BYPASS:
        return
    from careercopilot.tasks import warm_catalogue_caches

    try:
        # The key outlives the delay by a margin: a task lost with a worker does not block warming for long.
        if not cache.add(SCHEDULED_KEY, 1, timeout=settings.CACHE_WARMING_DELAY + 120):
            return
        warm_catalogue_caches.apply_async(countdown=settings.CACHE_WARMING_DELAY)
    except Exception as exc:  # noqa: BLE001 (the broker or the cache away: no warming this time)
        logger.warning("cache warming not scheduled: %s", exc)
        try:
            cache.delete(SCHEDULED_KEY)
        except Exception:  # noqa: BLE001
            pass


def top_search_terms(limit: int) -> list[str]:
    from jobs.models import SearchTerm

    terms: list[str] = []
    for term in SearchTerm.objects.order_by("-frequency", "key").values_list("term", flat=True)[: limit * 2]:
        if term.lower() not in {t.lower() for t in terms}:
            terms.append(term)
    return terms[:limit]


def pages_to_warm() -> list[str]:
    searches = [f"/jobs/?{urlencode({'q': term})}" for term in top_search_terms(settings.CACHE_WARMING_SEARCHES)]
    return ["/", "/jobs/", *searches]


_handler: BaseHandler | None = None


def _site() -> BaseHandler:
    """Django's request handling with the project's middleware, without the WSGI handler's
    request_started/finished signals (they would close the task's database connection)."""
    global _handler
    if _handler is None:
        handler = BaseHandler()
        handler.load_middleware()
        _handler = handler
    return _handler


def _host() -> str:
    return next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "") and not h.startswith(".")), "localhost")


def render_anonymously(path_and_query: str) -> tuple[int, str]:
    """The page as an anonymous visitor with no cookies gets it: (status, X-Page-Cache)."""
    path, _, query = path_and_query.partition("?")
    host = _host()
    request = WSGIRequest({
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": host, "SERVER_PORT": "443", "HTTP_HOST": host, "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "careercopilot-cache-warming",
        "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(),
    })
    response = _site().get_response(request)
    return response.status_code, response.get("X-Page-Cache", "")


def warm() -> dict[str, str]:
    """Every page in pages_to_warm(), built now under the current generation; what each answered."""
    done = {}
    for page in pages_to_warm():
        try:
            status, stored = render_anonymously(page)
            done[page] = f"{status} {stored}".strip()
        except Exception as exc:  # noqa: BLE001 (one page failing leaves the others warm)
            logger.warning("cache warming: %s failed: %s", page, exc)
            done[page] = f"error {type(exc).__name__}"
    logger.info("cache warming: %s", done)
    return done
