"""Sessions: Django's cached_db engine, safe when the cache is away (SESSION_ENGINE).

Django's cached_db reads the cache before the database but lets a failing cache write or delete
through as a 500. On ResilientRedisCache (careercopilot/cache_backends.py) those calls never
raise: with Redis away every read misses and the session comes from its database row, and every
write still goes to the row first.

What is left is the copy Redis kept from before the outage (a frozen Redis, or one restarted with
persistence, still has it): a session changed or ended (log-out) while Redis was away would come
back from that stale copy. So a process that met the cache unavailable while handling a session
deletes every cached session copy once the cache answers again, before it reads any session from
it; the sessions are then read from their rows and cached anew. (A process that handled no session
during the outage does not know there was one; under traffic every worker does.)
"""

from __future__ import annotations

import logging
import threading

from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

log = logging.getLogger("careercopilot.sessions")

_outage = threading.Event()  # this process met the cache unavailable while handling a session


def _cache_available(cache) -> bool:
    available = getattr(cache, "available", None)
    return available() if available else True


class SessionStore(CachedDBStore):
    def _note_outage(self) -> None:
        if not _cache_available(self._cache):
            _outage.set()

    def _forget_copies_from_before_the_outage(self) -> None:
        if not _outage.is_set() or not _cache_available(self._cache):
            return
        deleted = self._cache.delete_pattern(f"{KEY_PREFIX}*")
        if _cache_available(self._cache):  # the delete reached Redis
            _outage.clear()
            log.warning("the cache is back: deleted %s session copies cached before the outage", deleted)

    def load(self):
        self._forget_copies_from_before_the_outage()
        data = super().load()
        self._note_outage()
        return data

    def exists(self, session_key):
        self._forget_copies_from_before_the_outage()
        found = super().exists(session_key)
        self._note_outage()
        return found

    def save(self, must_create=False):
        super().save(must_create)
        self._note_outage()

    def delete(self, session_key=None):
        super().delete(session_key)
        self._note_outage()
