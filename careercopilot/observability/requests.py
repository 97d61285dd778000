"""django-prometheus's request metrics — the same names, labels and buckets — counted in process
and written to prometheus_client in batches.

django-prometheus makes sixteen writes a request through two MiddlewareMixin classes (label
validation, `request.headers` built from the environ, a histogram's buckets walked in Python);
in multiprocess mode each write is also an mmap write behind a process-wide lock and a pid
check. In process that was 58 µs of a 134 µs `/health/` (issue 11). prometheus_client offers
no batching of its own, so here a request only adds to a dict keyed by prometheus_client's own
value objects (each labelled child is made once per label set), and the sums go to those
values — the files a scrape reads — at most FLUSH_SECONDS later, from a thread of the worker;
also when the worker's own scrape runs (`flush()` in multiprocess.scrape) and when it exits
(gunicorn's `worker_exit`). A scrape may therefore miss another worker's last second, which
it counts at the next scrape: nothing is lost, only late by at most a second.
"""

from __future__ import annotations

import os
import threading
from bisect import bisect_left
from time import perf_counter
from typing import Any

from django_prometheus.middleware import Metrics
from careercopilot.observability import slow_queries

FLUSH_SECONDS = 1.0
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH"})
UNNAMED_VIEW = "<unnamed view>"


class PendingWrites:
    """Increments to prometheus_client values, held in this process and written in one go."""

    def __init__(self, every: float = FLUSH_SECONDS):
        self.every = every
        self._reset()
        # A forked worker starts with nothing pending and no flushing thread (threads do not
        # survive a fork); what the parent held is written first, under the parent's pid.
        os.register_at_fork(before=self.flush, after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._amounts: dict[Any, float] = {}
        self._thread: threading.Thread | None = None

    def add(self, items) -> None:
        """`items`: (value, amount) pairs, a value being a prometheus_client value object."""
        with self._lock:
            amounts = self._amounts  # read under the lock: flush() swaps it
            for value, amount in items:
                amounts[value] = amounts.get(value, 0.0) + amount
        if self._thread is None:
            self._start()

    def flush(self) -> None:
        with self._lock:
            amounts, self._amounts = self._amounts, {}
        for value, amount in amounts.items():
            value.inc(amount)

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="request-metrics", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        stop = threading.Event()  # never set: the thread ends with its process
        while not stop.wait(self.every):
            if self._amounts:
                self.flush()


PENDING = PendingWrites()


def flush() -> None:
    PENDING.flush()


# prometheus_client keeps a counter's value in `_value`, a histogram's sum in `_sum` and each
# bucket's own count (not cumulative) in `_buckets`; these are what Counter.inc and
# Histogram.observe write. Checked here so an upgrade that moves them fails at import, not quietly.
def _counter_value(child) -> Any:
    return child._value


class _Histogram:
    __slots__ = ("bounds", "buckets", "sum")

    def __init__(self, child):
        self.bounds = list(child._upper_bounds)
        self.buckets = list(child._buckets)
        self.sum = child._sum

    def observed(self, amount: float) -> tuple[tuple[Any, float], tuple[Any, float]]:
        return (self.sum, amount), (self.buckets[bisect_left(self.bounds, amount)], 1.0)


def _method(request) -> str:
    method = request.method
    return method if method in METHODS else "<invalid method>"


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name is None:
        return UNNAMED_VIEW
    return match.view_name


class _Children:
    """Labelled children by label values, each made once (`labels()` validates and locks)."""

    def __init__(self):
        self._made: dict[tuple, Any] = {}

    def counter(self, metric, *values: str) -> Any:
        key = (id(metric), *values)
        value = self._made.get(key)
        if value is None:
            value = self._made[key] = _counter_value(metric.labels(*values) if values else metric)
        return value

    def histogram(self, metric, *values: str) -> _Histogram:
        key = (id(metric), "histogram", *values)
        histogram = self._made.get(key)
        if histogram is None:
            histogram = self._made[key] = _Histogram(metric.labels(*values) if values else metric)
        return histogram


class RequestMetricsBeforeMiddleware:
    """django-prometheus's PrometheusBeforeMiddleware (requests and responses before the stack,
    latency including every middleware), counted in process."""

    def __init__(self, get_response):
        self.get_response = get_response
        metrics = Metrics.get_instance()
        children = _Children()
        self._requests = children.counter(metrics.requests_total)
        self._responses = children.counter(metrics.responses_total)
        self._latency = children.histogram(metrics.requests_latency_before)

    def __call__(self, request):
        started = perf_counter()
        response = self.get_response(request)
        PENDING.add(((self._requests, 1.0), (self._responses, 1.0), *self._latency.observed(perf_counter() - started)))
        return response


class RequestMetricsAfterMiddleware:
    """django-prometheus's PrometheusAfterMiddleware: the same counters and histograms by method,
    transport, view, status, charset and template, counted in process. A request answered early
    (careercopilot.middleware.early_answers, no view phase) is counted under the view it stood for.
    One difference: latency by view is labelled with the checked method, as the counters are
    (django-prometheus used the raw method there, so junk methods made new series)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.metrics = Metrics.get_instance()
        self.children = _Children()
        m = self.metrics
        self._request_body = self.children.histogram(m.requests_body_bytes)
        self._response_body = self.children.histogram(m.responses_body_bytes)
        self._ajax = self.children.counter(m.requests_ajax)
        self._streaming = self.children.counter(m.responses_streaming)
        self._per_shape: dict[tuple, tuple] = {}

    def _counters(self, method: str, transport: str, view: str, status: str, charset: str | None, viewed: bool):
        key = (method, transport, view, status, charset, viewed)
        found = self._per_shape.get(key)
        if found is None:
            m, c = self.metrics, self.children
            counters = [c.counter(m.requests_by_method, method), c.counter(m.requests_by_transport, transport),
                        c.counter(m.responses_by_status, status),
                        c.counter(m.responses_by_status_view_method, status, view, method)]
            if viewed:
                counters.append(c.counter(m.requests_by_view_transport_method, view, transport, method))
            if charset is not None:
                counters.append(c.counter(m.responses_by_charset, charset))
            found = self._per_shape[key] = (tuple((value, 1.0) for value in counters),
                                            c.histogram(m.requests_latency_by_view_method, view, method))
        return found

    def __call__(self, request):
        started = perf_counter()
        response = self.get_response(request)
        elapsed = perf_counter() - started
        method = _method(request)
        meta = request.META
        transport = "https" if request.is_secure() else "http"
        view = _view_name(request)
        viewed = getattr(request, "_metrics_viewed", False) or getattr(request, "answered_early", False)
        charset = getattr(response, "charset", None)
        counters, latency = self._counters(method, transport, view, str(response.status_code),
                                           None if charset is None else str(charset), viewed)
        items = [*counters, *self._request_body.observed(int(meta.get("CONTENT_LENGTH") or 0)),
                 *latency.observed(elapsed)]
        if meta.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest":
            items.append((self._ajax, 1.0))
        if getattr(response, "streaming", False):
            items.append((self._streaming, 1.0))
        else:
            items.extend(self._response_body.observed(len(response.content)))
        PENDING.add(items)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._metrics_viewed = True
        slow_queries.view_resolved(request.resolver_match)  # its statements' origin, without resolving again

    def process_template_response(self, request, response):
        if hasattr(response, "template_name"):
            PENDING.add(((self.children.counter(self.metrics.responses_by_templatename, str(response.template_name)), 1.0),))
        return response

    def process_exception(self, request, exception):
        view = _view_name(request)
        m, c = self.metrics, self.children
        PENDING.add(((c.counter(m.exceptions_by_type, type(exception).__name__), 1.0),
                     (c.counter(m.exceptions_by_view, view), 1.0)))
