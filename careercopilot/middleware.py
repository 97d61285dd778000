"""Project-wide response rules."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import django.contrib.messages.middleware
from csp.constants import HEADER as CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as CSP_HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.urls import resolve
from django.utils.functional import SimpleLazyObject, empty

from jobs.cache import stored_page_response


def _served_a_user(request: HttpRequest) -> bool:
    """A response can only depend on who is logged in if the view read the session; asking
    otherwise would read it here and add `Vary: Cookie` to pages that never looked."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)  # absent when a middleware above auth answered
    return session is not None and session.accessed and user is not None and user.is_authenticated


def _without_vary_cookie(response: HttpResponse) -> None:
    kept = [value.strip() for value in response.get("Vary", "").split(",") if value.strip() and value.strip().lower() != "cookie"]
    if kept:
        response["Vary"] = ", ".join(kept)
    elif "Vary" in response:
        del response["Vary"]


def private_responses(get_response: Callable[[HttpRequest], HttpResponse]):
    """`Cache-Control: private, no-store` on every response to a logged-in visitor or an
    authenticated API client (session or token: DRF sets request.user on the Django request
    too), so no shared cache or proxy keeps one person's page, and the browser keeps no copy
    after log-out. Anonymous responses are left alone: those may be cached publicly.

    Placed above SessionMiddleware, it also sees the `Vary: Cookie` that one adds whenever a
    template merely asked whether someone is logged in. An answer a view marked public
    (jobs.cache.mark_public) to a request without a session cookie is the same for everyone,
    so it varies on no cookie; one that set a cookie on its way out is that visitor's own and
    loses `public`."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if "HTTP_AUTHORIZATION" in request.META or _served_a_user(request):
            patch_cache_control(response, private=True, no_store=True)
        elif "public" in response.get("Cache-Control", ""):
            if response.cookies:
                patch_cache_control(response, private=True)
            elif settings.SESSION_COOKIE_NAME not in request.COOKIES:
                _without_vary_cookie(response)
        return response

    return middleware


HEALTH_PATH = "/health/"


def _with_length(response: HttpResponse) -> HttpResponse:
    """Content-Length, as CommonMiddleware gives every full answer: without it gunicorn sends the
    body chunked, copying it into a chunk and writing the closing chunk separately."""
    response.headers["Content-Length"] = str(len(response.content))
    return response


def early_answers(get_response: Callable[[HttpRequest], HttpResponse]):
    """Answers that need nothing below this point: the liveness probe, and a stored anonymous
    page to a visitor with no session (jobs.cache.stored_page_response). Sessions, CSRF,
    log-in, time zone, messages, throttles and lockouts are for requests that read them; these
    two read none, so they skip those middleware (about half a trivial request's CPU time,
    README, "Serving and caching", Early answers). Everything above still applies: security headers, CSP,
    compression, static files and the request metrics (the view is counted as if it ran)."""
    health_match = []

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH:
            if not health_match:
                health_match.append(resolve(HEALTH_PATH))
            request.resolver_match = health_match[0]
            request.answered_early = True
            return _with_length(health_match[0].func(request))
        if request.method in ("GET", "HEAD"):
            response = stored_page_response(request)
            if response is not None:
                request.answered_early = True
                return _with_length(response)
        return get_response(request)

    return middleware


# --- The same middleware, with the per-request work done once --------------------------------
# `manage.py benchmark_middleware` times the stack with each one left out: these two and the
# request metrics (careercopilot/observability/requests.py) were the dearest on a trivial view
# (README, "Serving and caching").


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's header, built once for as long as the settings hold the same policy:
    django-csp rebuilds both headers (policy and report-only) from the settings on every
    response. Anything per response (a nonce, the decorators' config) takes django-csp's own path."""

    _PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                     "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._built: tuple | None = None

    def _headers(self) -> tuple:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        if self._built is None or self._built[0] is not policy or self._built[1] is not report_only:
            self._built = (policy, report_only, tuple(
                (header, built, tuple((source or {}).get("EXCLUDE_URL_PREFIXES") or ()))
                for header, built, source in (
                    (CSP_HEADER, build_policy(), policy),
                    (CSP_HEADER_REPORT_ONLY, build_policy(report_only=True), report_only),
                ) if built
            ))
        return self._built[2]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, a) for a in self._PER_RESPONSE):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for header, value, excluded in self._headers():
            if header not in response and not request.path_info.startswith(excluded):
                response[header] = value
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class MessageMiddleware(django.contrib.messages.middleware.MessageMiddleware):
    """Django's messages, with the storage made when a view, template or page cache first asks
    for it: most responses (health, API, static, cached pages) never do, and a storage nobody
    read or added to has nothing to save."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(partial(default_storage, request))

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)
