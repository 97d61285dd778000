"""No pickle in the shared cache: every value is MessagePack, and must be plain data.

A pickled value is code to whoever can write the cache: any process (or attacker) able to
write to Redis could make every web worker that reads a key run what it likes. MessagePack
carries data only: None, bools, numbers, strings, bytes, lists, dicts, and (as extension
types) datetimes, dates, Decimals and tuples. Anything else (a model instance, a lazy
string, a dataclass) is refused when it is written, so a cache write that would need
pickle fails in tests, not in production. The embedded default's local-memory cache goes
through the same serializer, so tests on either backend see the same behaviour.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgpack
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django_prometheus.cache.backends.locmem import LocMemCache
from django_prometheus.cache.metrics import django_cache_get_total, django_cache_hits_total, django_cache_misses_total

DATETIME, DATE, DECIMAL, TUPLE = 1, 2, 3, 4


def _default(value: Any):
    if isinstance(value, datetime):
        return msgpack.ExtType(DATETIME, value.isoformat().encode())
    if isinstance(value, date):
        return msgpack.ExtType(DATE, value.isoformat().encode())
    if isinstance(value, Decimal):
        return msgpack.ExtType(DECIMAL, str(value).encode())
    if isinstance(value, tuple):
        return msgpack.ExtType(TUPLE, pack(list(value)))
    # Subclasses of the plain types (a TextChoices member, a SafeString) are stored as the plain type.
    if isinstance(value, str):
        return str.__str__(value)  # str(value) would hand a SafeString back unchanged
    for plain in (bool, int, float, bytes):
        if isinstance(value, plain):
            return plain(value)
    raise TypeError(f"cannot cache a {type(value).__module__}.{type(value).__qualname__}: store plain data (see careercopilot/cache_backends.py)")


def _ext_hook(code: int, data: bytes):
    if code == DATETIME:
        return datetime.fromisoformat(data.decode())
    if code == DATE:
        return date.fromisoformat(data.decode())
    if code == DECIMAL:
        return Decimal(data.decode())
    if code == TUPLE:
        return tuple(unpack(data))
    return msgpack.ExtType(code, data)


def pack(value: Any) -> bytes:
    # strict_types: a tuple or a str subclass reaches _default instead of passing as a list or str.
    return msgpack.packb(value, default=_default, strict_types=True, use_bin_type=True, datetime=False)


def unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=False)


class MessagePackSerializer:
    """django-redis's SERIALIZER (integers are stored bare by django-redis, for INCR)."""

    def __init__(self, options: dict | None = None) -> None:
        pass

    def dumps(self, value: Any) -> bytes:
        return pack(value)

    def loads(self, value: bytes) -> Any:
        return unpack(value)


class MessagePackLocMemCache(LocMemCache):
    """Django's local-memory cache, holding MessagePack bytes instead of pickles.

    The same bookkeeping as Django's (expiry, LRU order, culling) and django-prometheus's
    hit and miss counts; only the four methods that pickled are written again.
    """

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        packed = pack(value)
        with self._lock:
            if self._has_expired(key):
                self._set(key, packed, timeout)
                return True
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        packed = pack(value)
        with self._lock:
            self._set(key, packed, timeout)

    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend="locmem").inc()
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                django_cache_misses_total.labels(backend="locmem").inc()
                return default
            packed = self._cache[key]
            self._cache.move_to_end(key, last=False)
        django_cache_hits_total.labels(backend="locmem").inc()
        return unpack(packed)

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                raise ValueError(f"Key '{key}' not found")
            new_value = unpack(self._cache[key]) + delta
            self._cache[key] = pack(new_value)
            self._cache.move_to_end(key, last=False)
        return new_value
