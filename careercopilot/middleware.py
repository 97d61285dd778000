"""Project-wide response rules."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def _served_a_user(request: HttpRequest) -> bool:
    """A response can only depend on who is logged in if the view read the session; asking
    otherwise would read it here and add `Vary: Cookie` to pages that never looked."""
    session = getattr(request, "session", None)
    return session is not None and session.accessed and request.user.is_authenticated


def private_responses(get_response: Callable[[HttpRequest], HttpResponse]):
    """`Cache-Control: private, no-store` on every response to a logged-in visitor or an
    authenticated API client (session or token: DRF sets request.user on the Django request
    too), so no shared cache or proxy keeps one person's page, and the browser keeps no copy
    after log-out. Anonymous responses are left alone: those may be cached publicly."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if "HTTP_AUTHORIZATION" in request.META or _served_a_user(request):
            patch_cache_control(response, private=True, no_store=True)
            if "public" in response.get("Cache-Control", ""):
                response["Cache-Control"] = response["Cache-Control"].replace("public, ", "").replace(", public", "")
        return response

    return middleware
