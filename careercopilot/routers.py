"""A read replica (DATABASE_REPLICA_URL) that never shows anyone a stale copy of their own write.

Reads go to the replica only inside a request that cannot have written anything the reader
expects to see:
- the request is safe (GET, HEAD, OPTIONS) and carries no pin cookie; any unsafe request, and
  any request that writes (a GET that saves a session, say), sets the pin cookie, and for
  REPLICA_PIN_SECONDS that browser's reads all go to the primary — long enough for the standby
  to replay the write, and the redirect after a form post reads what the post saved;
- once the request has written, its later reads go to the primary too;
- a read inside a transaction (atomic block) or a locking read (select_for_update: Django routes
  it as a write) goes to the primary;
- everything outside a request (Celery tasks, management commands, the shell) reads the primary.

A replica that fails to connect is skipped for DATABASE_REPLICA_RETRY_SECONDS: reads fall back to
the primary, and only the request that found it down pays (at most its pool's short timeout).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

from careercopilot.database.base import failed_recently

REPLICA = "replica"
PRIMARY = "default"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class _Request:
    replica_allowed: bool
    wrote: bool = False


_request: ContextVar[_Request | None] = ContextVar("replica_request", default=None)


def _replica_usable() -> bool:
    if failed_recently(REPLICA, settings.DATABASE_REPLICA_RETRY_SECONDS):
        return False
    try:
        connections[REPLICA].ensure_connection()  # a no-op once this request holds a connection
    except DatabaseError:  # recorded by the backend: skipped for the retry window
        return False
    return True


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        request = _request.get()
        if request is None or not request.replica_allowed:
            return PRIMARY
        instance = hints.get("instance")
        if instance is not None and instance._state.db == PRIMARY:
            return PRIMARY  # an object read from the primary fetches its relations there too
        if connections[PRIMARY].in_atomic_block or not _replica_usable():
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        request = _request.get()
        if request is not None and model._meta.app_label != "silk":  # the profiler's own records are no one's read
            request.replica_allowed = False
            request.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the same rows on both

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY


def replica_reads(get_response: Callable[[HttpRequest], HttpResponse]):
    """Decides per request whether reads may go to the replica, and pins a browser that wrote."""
    cookie = settings.REPLICA_PIN_COOKIE_NAME

    def middleware(request: HttpRequest) -> HttpResponse:
        state = _Request(replica_allowed=request.method in SAFE_METHODS and cookie not in request.COOKIES)
        token = _request.set(state)
        try:
            response = get_response(request)
        finally:
            _request.reset(token)
        if state.wrote or request.method not in SAFE_METHODS:
            response.set_cookie(cookie, "1", max_age=settings.REPLICA_PIN_SECONDS, httponly=True, samesite="Lax",
                                secure=settings.SESSION_COOKIE_SECURE)
        return response

    return middleware
