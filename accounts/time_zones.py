"""The seeker's time zone: kept on the profile, remembered in the session, active per request.

Every date a seeker sees is rendered in their zone. Reading it from the profile on each
request would cost every logged-in page a query, so the zone rides in the session (already
loaded to find the user) and is refreshed at log-in and whenever the profile changes.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

SESSION_KEY = "time_zone"
DEFAULT = "UTC"


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    # Region/City names only: the legacy aliases (EST5EDT, Etc/GMT+3 and the like) confuse more than help.
    names = {name for name in zoneinfo.available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))}
    return tuple(sorted(names | {DEFAULT}))


@lru_cache(maxsize=1)
def _time_zone_set() -> frozenset[str]:
    return frozenset(time_zone_names())


def is_time_zone(name: str) -> bool:
    return name in _time_zone_set()


def remember_time_zone(request: HttpRequest, name: str) -> None:
    request.session[SESSION_KEY] = name if is_time_zone(name) else DEFAULT


# Programs get UTC ("Z") from the API whoever calls it: an answer must not change with the
# session (or token) that asked, and an offset-carrying timestamp is unambiguous anyway.
API_PATH_PREFIX = "/api/"


def seeker_time_zone_middleware(get_response):
    """Activate the seeker's zone for the request; anonymous visitors (no session cookie) and the API get UTC."""

    def middleware(request: HttpRequest):
        name = None
        if settings.SESSION_COOKIE_NAME in request.COOKIES and not request.path_info.startswith(API_PATH_PREFIX):  # never touch the session (and Vary) of anonymous pages
            name = request.session.get(SESSION_KEY)
        if name and is_time_zone(name):
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        return get_response(request)

    return middleware
