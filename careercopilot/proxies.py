"""Who is asking: the client's address, trusting X-Forwarded-For only as far as we have proxies.

PROXY_COUNT is how many proxies we run in front of gunicorn. Each appends the address it got
the request from to X-Forwarded-For, so the client is the PROXY_COUNT-th entry from the
right; anything left of it was written by the client and may be a lie. With no proxy the
header is ignored: REMOTE_ADDR is the peer of the TCP connection. DRF's throttles
(NUM_PROXIES), django-axes (AXES_IPWARE_PROXY_COUNT) and django-ratelimit read the same setting.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    return hops[-min(proxies, len(hops))]
