"""What a fresh web worker would otherwise do on its first requests, done before it takes any.

gunicorn.conf.py calls `load_code()` once in the master (preload_app: the workers fork with it
all in memory) and `connect()` in each worker after the fork. A cold worker's first request
measured 160–600 ms (lazy imports, URLconf, template compilation, new connections) where a
warm one answers in about 1 ms (issue 11).
"""

from __future__ import annotations

import logging

from django.template import TemplateDoesNotExist
from django.template.loader import get_template

logger = logging.getLogger(__name__)

# The pages most visitors reach first; each compiles its parents and includes too.
TEMPLATES = (
    "home.html", "jobs/list.html", "jobs/detail.html", "jobs/company.html", "applications/list.html",
    "applications/board.html", "applications/detail.html", "applications/_detail.html", "analytics/dashboard.html", "registration/login.html",
    "429.html",
)


def load_code() -> None:
    """Imports and compilations only: no connection is opened, so it is safe before a fork.
    Best effort: a failure is logged and the server starts cold rather than not at all (the
    same gunicorn.conf.py also serves perfsuite's bare ceiling project, which has none of this)."""
    try:
        _load_code()
    except Exception:
        logger.warning("warm-up: loading the code failed; workers start cold", exc_info=True)


def _load_code() -> None:
    from django.urls import get_resolver, reverse

    import rest_framework.views  # noqa: F401  (the API's import chain, settings read)
    from drf_spectacular.generators import SchemaGenerator  # noqa: F401

    resolver = get_resolver()
    resolver.url_patterns  # imports every view module, DRF's included  # noqa: B018
    reverse("health")  # builds the reverse tables once
    for name in TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:  # a renamed page: warming is best effort
            pass


def connect() -> None:
    """This process's own connections (never inherited across a fork): the database (its pool
    when pooling is on) and the cache. Best effort too: a database that is down now is the
    readiness probe's news, not a reason for the worker to die."""
    try:
        _connect()
    except Exception:
        logger.warning("warm-up: connecting failed; the first request will connect", exc_info=True)


def _connect() -> None:
    from django.core.cache import cache
    from django.db import connections

    connections["default"].ensure_connection()
    cache.get("warm-up")
