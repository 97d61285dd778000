"""Every SQL statement counted by what ran it, and the slow ones logged once, without parameters.

Django's execute wrapper (`connection.execute_wrappers`) times each statement. Over
settings.SLOW_QUERY_MS the statement is logged with its duration, its normalised SQL (literals
replaced by `?`: parameter values can hold personal data) and what ran it: the URL name of the
request, the Celery task, or the management command.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time

from django.conf import settings

# The request metrics' writes (it imports this module too: neither uses the other at import time).
from careercopilot.observability import requests as request_metrics

logger = logging.getLogger("careercopilot.slow_queries")


def _default_origin() -> str:
    if sys.argv and sys.argv[0].endswith("manage.py") and len(sys.argv) > 1:
        return f"command:{sys.argv[1]}"
    return "other"


DEFAULT_ORIGIN = _default_origin()


class _Request:
    """The URL name is looked up only when first needed, from the path."""

    __slots__ = ("path", "name")

    def __init__(self, path: str):
        self.path, self.name = path, None

    def __str__(self) -> str:
        if self.name is None:
            from django.urls import Resolver404, resolve

            try:
                self.name = resolve(self.path).view_name
            except Resolver404:
                self.name = "<unresolved>"
        return self.name


_origin: contextvars.ContextVar[object] = contextvars.ContextVar("db_origin", default=DEFAULT_ORIGIN)


def enter(origin: object) -> None:
    _origin.set(origin)


def leave() -> None:
    _origin.set(DEFAULT_ORIGIN)


def current_origin() -> str:
    return str(_origin.get())


def view_resolved(match) -> None:
    """Django has resolved this request's view: the origin takes its name from that match instead of
    resolving the path again at the first statement (~20 µs a request: a posting page, seen once
    each, missed every cache of resolved paths)."""
    origin = _origin.get()
    if type(origin) is _Request and origin.name is None and match is not None:
        origin.name = match.view_name


def request_started(environ=None, **kwargs) -> None:
    enter(_Request((environ or {}).get("PATH_INFO", "/")))


def request_finished(**kwargs) -> None:
    from careercopilot.observability.metrics import update_pool_gauges

    leave()
    update_pool_gauges()




# Quoted strings (with '' inside), dollar-quoted bodies, and numbers that stand alone (not
# the digits in an identifier such as t1 or a placeholder's name).
_STRING = re.compile(r"'(?:[^']|'')*'|\$\$.*?\$\$", re.S)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
NORMALISE_MAX_CHARS = 20_000


def normalise(sql: str) -> str:
    """The statement's shape: literals as ?, placeholders as ?, lists of them as one, one line.

    Regular expressions over the first NORMALISE_MAX_CHARS characters, not a SQL parser: a
    statement with thousands of ids must cost little and never raise (sqlparse refuses more than
    10,000 tokens).
    """
    text = sql[:NORMALISE_MAX_CHARS]
    text = _COMMENT.sub(" ", text)
    text = _STRING.sub("?", text)
    text = text.replace("%s", "?")
    text = re.sub(r"%\(\w+\)s", "?", text)
    text = _NUMBER.sub("?", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\(\s*\?(?:\s*,\s*\?)+\s*\)", "(?, …)", text)


_queries: dict[str, object] = {}  # origin -> db_queries_total's value for it, each labelled once


def wrapper(execute, sql, params, many, context):
    """connection.execute_wrappers entry: count the statement, log it if it was slow. The count is
    added in process and written with the request metrics (observability.requests.PENDING, at most
    a second later): `labels()` and, under gunicorn's multiprocess mode, an mmap write behind a lock
    were ~39 K instructions of every statement."""
    began = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed_ms = (time.perf_counter() - began) * 1000
        origin = current_origin()
        counted = _queries.get(origin)
        if counted is None:
            from careercopilot.observability.metrics import QUERIES

            counted = _queries[origin] = QUERIES.labels(origin)._value
        request_metrics.PENDING.add(((counted, 1.0),))
        if elapsed_ms >= settings.SLOW_QUERY_MS:
            from careercopilot.observability.metrics import SLOW_QUERIES

            SLOW_QUERIES.labels(origin).inc()
            try:
                statement = normalise(sql if isinstance(sql, str) else str(sql))
            except Exception:  # the log must never cost the query its answer
                statement = "(statement could not be normalised)"
            logger.warning(
                "slow query %.0f ms in %s: %s", elapsed_ms, origin, statement[:4000],
                extra={"duration_ms": round(elapsed_ms, 1), "origin": origin, "sql": statement},
            )


def install(connection=None, **kwargs) -> None:
    """connection_created: wrap this connection once (the wrapper list outlives reconnects)."""
    if connection is not None and wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(wrapper)
