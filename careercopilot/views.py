"""The project's top-level views: pages that span apps (home) and the operational endpoints
(liveness, readiness, the Prometheus scrape)."""

from __future__ import annotations

import hmac
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from accounts.exports import account_data
from analytics.selectors import trending_postings
from applications.exports import applications_data
from careercopilot.celery import app as celery_app
from jobs import cache as jobs_cache
from jobs.selectors import newest_jobs
from notifications.exports import notifications_data


@jobs_cache.cache_anonymous_page("home", jobs_cache.HOME_PAGE_TIMEOUT)
def home(request: HttpRequest) -> HttpResponse:
    """The catalogue's newest postings beside analytics' trending ones."""
    context = {"newest": newest_jobs(10), "trending": trending_postings(6), **jobs_cache.shared_page_context(request)}
    return render(request, "home.html", context)


@login_required
@ratelimit(key="user", rate=lambda group, request: settings.THROTTLE_EXPORT, block=True)
@never_cache
def account_export(request: HttpRequest) -> JsonResponse:
    """Everything the seeker owns, in one JSON file: the account and profile; every application
    with its timeline, interviews, contacts and documents; the document library (names: the files
    download from it); the deletion log; the saved searches and the inbox. Not the calendar feed's
    secret address, a credential. Here, above the apps, because it reads them all; a new app that
    keeps a seeker's data adds its part."""
    user = request.user
    data = {
        "exported_at": timezone.localtime().isoformat(timespec="seconds"),
        "time_zone": timezone.get_current_timezone_name(),
        "account": account_data(user),
        **applications_data(user),  # applications, documents, deleted_applications
        **notifications_data(user),  # saved_searches, notifications
    }
    filename = f"career-copilot-{user.get_username()}-{timezone.localdate().isoformat()}.json"
    return JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False},
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# What never_cache writes, fixed: never_cache parses, merges and dates the header on every
# call, about a tenth of a whole /health/ answer (issue 11's profile). No Expires: a
# Cache-Control max-age wins over it in every HTTP/1.1 cache.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
HEALTH_BODY = b'{"status": "ok"}'


def health(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(HEALTH_BODY, content_type="application/json")
    response["Cache-Control"] = NEVER_CACHE
    return response


def _check_database() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connections.close_all()  # this thread's connection goes back to the pool
    return "ok"


def _check_cache() -> str:
    check = getattr(cache, "check", None)  # ResilientRedisCache: through its breaker
    if callable(check):
        return check()
    cache.set("ready-probe", "1", 10)
    if cache.get("ready-probe") != "1":
        raise RuntimeError("cache did not return what was written")
    return "ok"


def _check_broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=READY_TIMEOUT_SECONDS)
    return "ok"


# Trust: /ready/ answers within its budget whatever hangs. Each check runs in a thread of its own
# and is given READY_TIMEOUT_SECONDS in all; a check still running then is reported as timed out
# (and finishes, or fails, on its own socket timeout in the background). A bounded pool, so a
# probe hammering a hung part cannot pile up threads: a queued check simply times out too.
READY_TIMEOUT_SECONDS = 1.5
READY_CHECKS = (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker))
_ready_pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="ready")


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    futures = {name: _ready_pool.submit(check) for name, check in READY_CHECKS}
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    checks = {}
    for name, future in futures.items():
        try:
            checks[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            future.cancel()
            checks[name] = f"error: no answer within {READY_TIMEOUT_SECONDS:g} s"
        except Exception as exc:  # a readiness probe reports, it does not crash
            checks[name] = f"error: {exc.__class__.__name__}: {exc}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503)


def _metrics_allowed(request: HttpRequest) -> bool:
    """The scraper's bearer token (METRICS_TOKEN), a staff session, or a direct scrape from an
    allow-listed address. Behind a proxy every request arrives from the proxy's (often
    loopback) address, so there the address allows nothing: only the token or staff do."""
    token = settings.METRICS_TOKEN
    sent = request.META.get("HTTP_AUTHORIZATION", "")
    if token and sent.startswith("Bearer ") and hmac.compare_digest(sent.removeprefix("Bearer ").strip().encode(), token.encode()):
        return True
    if request.user.is_authenticated and request.user.is_staff:
        return True
    return not settings.PROXY_COUNT and request.META.get("REMOTE_ADDR") in settings.METRICS_ALLOWED_IPS


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus scrape: not public (see _metrics_allowed)."""
    if not _metrics_allowed(request):
        return HttpResponseForbidden("metrics are not public", headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    from prometheus_client import CONTENT_TYPE_LATEST

    from careercopilot.observability.multiprocess import scrape

    return HttpResponse(scrape(), content_type=CONTENT_TYPE_LATEST)


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """RATELIMIT_VIEW: too many searches, sign-ups, exports or imports from one address or account."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response


DATABASE_UNAVAILABLE_RETRY_SECONDS = 5


def _database_unavailable(exc: BaseException | None) -> bool:
    """The database could not be reached or dropped the connection (Django wraps psycopg's
    errors, the pool's PoolTimeout included, in OperationalError / InterfaceError)."""
    from django.db import InterfaceError, OperationalError

    while exc is not None:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. A database outage is a 503 saying to try again (JSON under /api/, a page that
    needs no database elsewhere), answered as soon as the pool gives up (DATABASE_POOL_TIMEOUT);
    anything else is Django's 500."""
    if _database_unavailable(sys.exc_info()[1]):
        headers = {"Retry-After": str(DATABASE_UNAVAILABLE_RETRY_SECONDS)}
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "The service is temporarily unavailable; try again in a few seconds."},
                                status=503, headers=headers)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = headers["Retry-After"]
        return response
    from django.views.defaults import server_error as page

    return page(request)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: JSON under /api/ (as the schema documents), the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
