"""What each middleware costs a request, in process: the handler timed with the whole stack,
with no middleware at all, and with each middleware left out in turn.

No sockets and no gunicorn: the figure is the thread's CPU time per request
(`time.thread_time`), which other processes on a shared machine barely move. The
configurations are timed in turns, round after round, and each keeps its best round, as
`timeit` does, because interference only ever adds time.
"""

from __future__ import annotations

import time
from io import BytesIO

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand
from django.test import override_settings
from django.test.client import RequestFactory


def _environ(path: str) -> dict:
    path, _, query = path.partition("?")
    environ = RequestFactory()._base_environ(PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD="GET")
    environ["SERVER_NAME"] = environ["HTTP_HOST"] = settings.ALLOWED_HOSTS[0].lstrip(".") if settings.ALLOWED_HOSTS else "localhost"
    return environ


class Stack:
    """One middleware list behind a WSGI handler, warmed (URLconf, templates, connections)."""

    def __init__(self, middleware: list[str], path: str):
        self.middleware = middleware
        with override_settings(MIDDLEWARE=middleware):
            self.handler = WSGIHandler()
        self.template = _environ(path)
        self.status = 0
        self.best = float("inf")
        self.run(200)

    def _start_response(self, code, headers, exc_info=None):
        self.status = int(code.split()[0])

    def run(self, requests: int) -> None:
        with override_settings(MIDDLEWARE=self.middleware):
            started = time.thread_time()
            for _ in range(requests):
                response = self.handler(dict(self.template, **{"wsgi.input": BytesIO(b"")}), self._start_response)
                for _ in response:
                    pass
                response.close()
            self.best = min(self.best, (time.thread_time() - started) / requests * 1e6)


class Command(BaseCommand):
    help = "Time the request handler in process with each middleware removed in turn."

    def add_arguments(self, parser):
        parser.add_argument("--path", action="append", help="path to request (repeatable); default /health/")
        parser.add_argument("--requests", type=int, default=1000, help="requests per configuration per round")
        parser.add_argument("--rounds", type=int, default=5)

    def handle(self, *args, **options):
        stack = list(settings.MIDDLEWARE)
        for path in options["path"] or ["/health/"]:
            full, bare = Stack(stack, path), Stack([], path)
            without = {name: Stack([m for m in stack if m != name], path) for name in stack}
            for _ in range(options["rounds"]):
                for configuration in (full, bare, *without.values()):
                    configuration.run(options["requests"])
            self.stdout.write(f"\n{path} (status {full.status}): whole stack {full.best:.1f} µs CPU, "
                              f"no middleware {bare.best:.1f} µs ({full.best / bare.best:.2f}×)")
            self.stdout.write(f"  {'left out':<58} {'µs/request':>10} {'saves':>8}")
            for name, configuration in without.items():
                note = "" if configuration.status == full.status else f"  (answers {configuration.status} without it)"
                self.stdout.write(f"  {name:<58} {configuration.best:>10.1f} {full.best - configuration.best:>8.1f}{note}")
