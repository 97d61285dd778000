"""The request metrics counted in process (careercopilot/observability/requests.py): the same
series django-prometheus's own middleware writes, reaching prometheus_client within a second."""

from __future__ import annotations

import time

import django_prometheus.middleware
import pytest
from django.test import Client, override_settings
from prometheus_client import REGISTRY

from careercopilot.observability import requests as request_metrics

pytestmark = pytest.mark.django_db

OURS = ("careercopilot.observability.requests.RequestMetricsBeforeMiddleware",
        "careercopilot.observability.requests.RequestMetricsAfterMiddleware")
THEIRS = ("django_prometheus.middleware.PrometheusBeforeMiddleware",
          "careercopilot.tests.test_request_metrics.DjangoPrometheusAfter")


class DjangoPrometheusAfter(django_prometheus.middleware.PrometheusAfterMiddleware):
    """django-prometheus's own, counting an early answer under its view as the project always has."""

    def process_response(self, request, response):
        if getattr(request, "answered_early", False):
            self.process_view(request, None)
        return super().process_response(request, response)


def _middleware(before: str, after: str) -> list[str]:
    from django.conf import settings

    swapped = {OURS[0]: before, OURS[1]: after}
    return [swapped.get(name, name) for name in settings.MIDDLEWARE]


def _samples() -> dict[tuple, float]:
    request_metrics.flush()
    found = {}
    for family in REGISTRY.collect():
        if not family.name.startswith("django_http"):
            continue
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _requests() -> None:
    client = Client()
    assert client.get("/health/").status_code == 200  # answered early
    assert client.get("/jobs/").status_code == 200  # the view, a template
    assert client.get("/no-such-page/").status_code == 404
    assert client.post("/login/", {"username": "nobody", "password": "wrong-password-123"}).status_code in (200, 403)
    assert client.get("/jobs/", HTTP_X_REQUESTED_WITH="XMLHttpRequest").status_code == 200
    assert client.generic("BREW", "/health/").status_code == 200


def _counted(middleware: list[str]) -> dict[tuple, float]:
    with override_settings(MIDDLEWARE=middleware):
        before = _samples()
        _requests()
        after = _samples()
    # Latency sums and buckets depend on the clock: their counts are compared, the rest exactly.
    return {key: value - before.get(key, 0.0) for key, value in after.items()
            if value != before.get(key, 0.0) and ("latency" not in key[0] or key[0].endswith("_count"))}


def test_it_writes_the_series_django_prometheus_writes(settings):
    settings.RATELIMIT_ENABLE = False
    theirs = _counted(_middleware(*THEIRS))
    ours = _counted(_middleware(*OURS))
    # The one difference, on purpose: django-prometheus labels latency with the raw method (a
    # client's junk method became a new series); ours with the checked one, as its counters do.
    raw = ("django_http_requests_latency_seconds_by_view_method_count", (("method", "BREW"), ("view", "health")))
    assert theirs.pop(raw) == 1
    theirs[(raw[0], (("method", "<invalid method>"), ("view", "health")))] = 1
    assert ours == theirs
    assert ours[("django_http_requests_total_by_view_transport_method_total",
                 (("method", "GET"), ("transport", "http"), ("view", "health")))] == 1
    assert ours[("django_http_requests_total_by_method_total", (("method", "<invalid method>"),))] == 1


def test_the_counts_reach_prometheus_client_within_a_second_without_a_scrape():
    client = Client()
    request_metrics.flush()
    labels = {"view": "health", "transport": "http", "method": "GET"}
    name = "django_http_requests_total_by_view_transport_method_total"
    before = REGISTRY.get_sample_value(name, labels) or 0.0
    for _ in range(5):
        client.get("/health/")
    deadline = time.monotonic() + request_metrics.FLUSH_SECONDS + 2
    while REGISTRY.get_sample_value(name, labels) != before + 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert REGISTRY.get_sample_value(name, labels) == before + 5


def test_a_scrape_counts_the_requests_its_own_process_served_just_before(client, monkeypatch):
    monkeypatch.setattr(request_metrics, "PENDING", request_metrics.PendingWrites(every=3600))  # no timely thread
    labels = {"view": "health", "transport": "http", "method": "GET"}
    before = REGISTRY.get_sample_value("django_http_requests_total_by_view_transport_method_total", labels) or 0.0
    client.get("/health/")
    client.get("/health/")
    scraped = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    line = next(line for line in scraped.splitlines()
                if line.startswith("django_http_requests_total_by_view_transport_method_total{") and 'view="health"' in line)
    assert float(line.rsplit(" ", 1)[1]) == before + 2
