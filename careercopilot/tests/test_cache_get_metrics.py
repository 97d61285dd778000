"""A cache read counted in process (careercopilot/cache_backends.py `_counted_get`): the same
requests, hits and misses django-prometheus's RedisCache.get counts under backend="redis", written
with the request metrics instead of on every read."""

import pytest
from django.core.cache import cache, caches
from django_prometheus.cache.metrics import django_cache_get_total, django_cache_hits_total, django_cache_misses_total

from careercopilot.cache_backends import ResilientRedisCache
from careercopilot.observability import requests as request_metrics

pytestmark = pytest.mark.skipif(not isinstance(caches["default"], ResilientRedisCache), reason="the counted read is the Redis cache's")


def _counts() -> tuple[float, float, float]:
    return tuple(metric.labels(backend="redis")._value.get()
                 for metric in (django_cache_get_total, django_cache_hits_total, django_cache_misses_total))


def test_reads_hits_and_misses_are_counted_once_written(monkeypatch):
    held = request_metrics.PendingWrites(every=3600)
    monkeypatch.setattr(request_metrics, "PENDING", held)
    cache.set("counted-read", {"a": 1}, 30)
    gets, hits, misses = _counts()

    assert cache.get("counted-read") == {"a": 1}
    assert cache.get("counted-read-missing", "default") == "default"
    assert cache.get("counted-read-missing") is None

    assert _counts() == (gets, hits, misses)  # nothing written per read
    held.flush()
    assert _counts() == (gets + 3, hits + 1, misses + 2)
