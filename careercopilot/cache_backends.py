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


# --- Trust: Redis is not a single point of failure -------------------------------------------------
"""A Redis that is stopped, unreachable or frozen costs one short socket timeout, not the site.

ResilientRedisCache is django-redis (through django-prometheus's subclass, for the hit and miss
counts) with a circuit breaker in front of it. django-redis already turns every redis-py
connection error into one exception (ConnectionInterrupted, with IGNORE_EXCEPTIONS to swallow it),
but a swallowed error still costs the full socket timeout on every call, and its "ignored" answers
(`add` returns None, `incr` returns None) break callers that expect a cache's answers. So:

- the first connection error or timeout opens the breaker (process-local: each gunicorn worker
  or Celery process learns on its own first failed call); while it is open no call goes to
  Redis at all, and each one gets the answer of the FALLBACK cache instead;
- every CACHE_BREAKER_RESET_SECONDS while it is open, the next call starts a probe (a PING) in
  a thread of its own and is itself answered by the fallback at once: if Redis answers the
  breaker closes and everything resumes by itself; if not it stays open. No request waits for a
  probe, so a frozen Redis costs each process one socket timeout per outage, not one per reset
  period (with the probe inside a request, the test's frozen Redis added 78 ms to the p95);
- the fallback is Django's DummyCache (a cache that keeps nothing: every read misses and is
  rebuilt from the database, `add` succeeds, `incr` says the key is missing: exactly the
  answers of an empty cache), except for keys under LOCAL_FALLBACK_PREFIXES, the throttle
  counters of DRF ("throttle_") and django-ratelimit ("rl:"), which go to a per-process
  local-memory cache, so throttles keep counting (per worker) while Redis is away.
  Sessions are read from the database meanwhile (careercopilot.sessions).
"""

import logging  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from django.core.cache.backends.dummy import DummyCache  # noqa: E402
from django_prometheus.cache.backends.redis import RedisCache as PrometheusRedisCache  # noqa: E402
from django_prometheus.cache.metrics import django_cache_get_fail_total  # noqa: E402
from django_redis.cache import omit_exception  # noqa: E402
from django_redis.exceptions import ConnectionInterrupted  # noqa: E402
from prometheus_client import Counter  # noqa: E402
from redis.exceptions import ConnectionError as RedisConnectionError  # noqa: E402
from redis.exceptions import TimeoutError as RedisTimeoutError  # noqa: E402

from careercopilot.observability import requests as request_metrics  # noqa: E402

log = logging.getLogger("careercopilot.cache")

REDIS_DOWN = (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError, OSError)

CACHE_DEGRADED = Counter(
    "careercopilot_cache_degraded_total",
    "Cache calls answered by the fallback because Redis was unreachable or its breaker open",
    ["alias", "reason"],
)


class CircuitBreaker:
    """closed → (a failure) → open → (reset_after seconds) → half-open: one call probes →
    closed on success, open again on failure. Thread-safe; one per cache location per process."""

    def __init__(self, name: str, reset_after: float) -> None:
        self.name, self.reset_after = name, reset_after
        self.state = "closed"
        self.opened_at = 0.0
        self._lock = threading.Lock()
        # Set by the cache: asks Redis once, raising if it does not answer. With a probe the
        # half-open call happens in a thread of its own; without one, the caller is the probe.
        self.probe: Callable[[], object] | None = None
        self._probing = False

    def allow(self) -> bool:
        if self.state == "closed":  # the fast path: no lock while Redis is healthy
            return True
        with self._lock:
            if self.state != "open" or time.monotonic() - self.opened_at < self.reset_after:
                return False
            if self.probe is None:
                self.state = "half-open"  # this caller is the one probe
                return True
            if self._probing:
                return False
            self._probing = True
        threading.Thread(target=self._run_probe, name=f"cache-probe-{self.name}", daemon=True).start()
        return False

    def _run_probe(self) -> None:
        try:
            self.probe()
        except Exception as exc:  # still away: open for another period
            self.failure(exc)
        else:
            self.success()
        finally:
            with self._lock:
                self._probing = False

    def success(self) -> None:
        if self.state != "closed":
            with self._lock:
                was, self.state = self.state, "closed"
            if was != "closed":
                log.warning("cache %s: Redis answers again, breaker closed", self.name)

    def failure(self, exc: BaseException) -> None:
        with self._lock:
            was, self.state, self.opened_at = self.state, "open", time.monotonic()
        if was == "closed":
            log.error("cache %s: Redis unreachable (%s: %s); breaker open, serving without it for %ss",
                      self.name, type(exc).__name__, exc, self.reset_after)

    def reset(self) -> None:
        with self._lock:
            self.state, self.opened_at = "closed", 0.0


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(name: str, reset_after: float) -> CircuitBreaker:
    """One breaker per cache location in this process (Django makes a cache object per thread)."""
    with _breakers_lock:
        if name not in _breakers:
            _breakers[name] = CircuitBreaker(name, reset_after)
        return _breakers[name]


def all_breakers() -> dict[str, CircuitBreaker]:
    return dict(_breakers)


GUARDED_METHODS = (
    "get", "set", "add", "delete", "touch", "get_many", "set_many", "delete_many", "incr", "decr",
    "has_key", "clear", "delete_pattern", "ttl", "pttl", "expire", "persist", "keys", "iter_keys", "incr_version",
)
# Answers of the methods the fallback cache does not have.
_NO_FALLBACK = {"delete_pattern": 0, "ttl": None, "pttl": None, "expire": False, "persist": False, "keys": [],
                "iter_keys": iter(())}


class CacheUnavailable(RuntimeError):
    """Raised by ResilientRedisCache.check() (the readiness probe) when Redis cannot be used."""


class ResilientRedisCache(PrometheusRedisCache):
    """django-redis behind a circuit breaker, degrading to a fallback cache (see above).

    OPTIONS beyond django-redis's: LOCAL_FALLBACK_PREFIXES (keys that fall back to a
    per-process local-memory cache rather than to nothing), BREAKER_RESET_SECONDS (how long the
    breaker stays open before one call probes Redis again, default 5).
    """

    def __init__(self, server: str, params: dict) -> None:
        params = {**params, "OPTIONS": dict(params.get("OPTIONS", {}))}
        local_prefixes = tuple(params["OPTIONS"].pop("LOCAL_FALLBACK_PREFIXES", ()))
        reset_after = float(params["OPTIONS"].pop("BREAKER_RESET_SECONDS", 5))
        params["OPTIONS"]["IGNORE_EXCEPTIONS"] = False  # the breaker decides, below
        super().__init__(server, params)
        self.alias = params.get("ALIAS", server)
        self.breaker = breaker_for(f"{self.alias}@{server}", reset_after)
        self.breaker.probe = self._ping
        fallback_params = {key: value for key, value in params.items() if key in ("TIMEOUT", "KEY_PREFIX", "VERSION")}
        self.fallback = DummyCache("", fallback_params)
        self.local_prefixes = local_prefixes
        self.local_fallback = MessagePackLocMemCache(
            f"fallback-{self.alias}", {**fallback_params, "OPTIONS": {"MAX_ENTRIES": 10_000}}) if local_prefixes else None

    def _ping(self) -> None:
        self.client.get_client(write=True).ping()

    def available(self) -> bool:
        """False while the breaker is open (Redis failed lately and has not answered since)."""
        return self.breaker.state == "closed"

    def _degraded(self, name: str, reason: str, args, kwargs):
        CACHE_DEGRADED.labels(self.alias, reason).inc()
        kwargs.pop("client", None)
        fallback = self.fallback
        if self.local_prefixes and args and isinstance(args[0], str) and args[0].startswith(self.local_prefixes):
            fallback = self.local_fallback
        method = getattr(fallback, name, None)
        if method is None:
            return _NO_FALLBACK.get(name)
        return method(*args, **kwargs)

    def check(self) -> str:
        """The readiness probe: a real write and read through the breaker; raises when Redis
        is not usable (an open breaker included, so a probe of a dead Redis costs nothing)."""
        if not self.breaker.allow():
            raise CacheUnavailable(f"breaker open since Redis failed (retried every {self.breaker.reset_after:g} s)")
        try:
            PrometheusRedisCache.set(self, "ready-probe", "1", 10)
            value = PrometheusRedisCache.get(self, "ready-probe")
        except REDIS_DOWN as exc:
            self.breaker.failure(exc)
            raise CacheUnavailable(f"{type(exc).__name__}: {exc}") from exc
        self.breaker.success()
        if value != "1":
            raise CacheUnavailable("the cache did not return what was written")
        return "ok"


_get_counts: list[tuple] = []  # django-prometheus's get, hit and miss counters for "redis", labelled once


@omit_exception
def _counted_get(self, key, default=None, version=None, client=None):
    """django-prometheus's RedisCache.get (the same requests, hits, misses and failures under
    backend="redis"), its counts added in process and written with the request metrics at most a
    second later (careercopilot.observability.requests.PENDING), where it called `labels()` twice
    and, under gunicorn's multiprocess mode, made two mmap writes behind a lock: ~45 K of a
    cache.get's ~245 K instructions, and every logged-in request reads its session with one."""
    if not _get_counts:
        _get_counts.append(tuple(metric.labels(backend="redis")._value
                                 for metric in (django_cache_get_total, django_cache_hits_total, django_cache_misses_total)))
    gets, hits, misses = _get_counts[0]
    try:
        cached = self.client.get(key, default=None, version=version, client=client)
    except ConnectionInterrupted as e:
        request_metrics.PENDING.add(((gets, 1.0),))
        django_cache_get_fail_total.labels(backend="redis").inc()
        if self._ignore_exceptions:
            if self._log_ignored_exceptions:
                self.logger.error(str(e))
            return default
        raise
    if cached is not None:
        request_metrics.PENDING.add(((gets, 1.0), (hits, 1.0)))
        return cached
    request_metrics.PENDING.add(((gets, 1.0), (misses, 1.0)))
    return default


def _guard(name: str, original: Callable | None = None):
    original = original or getattr(PrometheusRedisCache, name)

    def method(self, *args, **kwargs):
        if not self.breaker.allow():
            return self._degraded(name, "breaker-open", args, kwargs)
        try:
            result = original(self, *args, **kwargs)
        except REDIS_DOWN as exc:
            self.breaker.failure(exc)
            return self._degraded(name, "error", args, kwargs)
        except BaseException:  # Redis answered (a missing key for incr, a value it cannot store)
            self.breaker.success()
            raise
        self.breaker.success()
        return result

    method.__name__ = method.__qualname__ = name
    method.__doc__ = original.__doc__
    return method


for _name in GUARDED_METHODS:
    setattr(ResilientRedisCache, _name, _guard(_name, _counted_get if _name == "get" else None))
