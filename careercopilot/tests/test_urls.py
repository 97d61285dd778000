"""The URLconf's order: a path resolves to the first pattern that matches it, so a pattern placed
earlier (the postings' pages are first of the includes, careercopilot/urls.py) must not take
another's paths."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver, resolve

# A value for each converter and each named group the URLconf's patterns use.
_SAMPLES = {"int": "7", "str": "x-y", "slug": "x-y", "path": "x/y", "uuid": "12345678-1234-5678-1234-567812345678"}


def _patterns(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, route)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield route, pattern


def _sample_path(route: str) -> str | None:
    if route.startswith("^") or "(?P" in route:
        return None  # a regex pattern (the admin's, DRF's format suffixes): not this test's concern
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLES.get(m.group(1) or "str", "x-y"), route)


def test_it_resolves_each_named_route_to_its_own_view():
    checked = 0
    for route, pattern in _patterns(get_resolver()):
        path = _sample_path(route)
        if path is None or route.startswith(("admin/", "silk/")):
            continue
        match = resolve(path)
        assert match.func is pattern.callback or match.url_name == pattern.name, (route, match.route)
        checked += 1
    assert checked > 50


def test_the_postings_pages_resolve_before_the_other_includes():
    assert resolve("/jobs/7/a-slug/").url_name == "job_detail"
    assert resolve("/companies/a-slug/").url_name == "company_detail"
    assert resolve("/login/").url_name == "login"
    assert resolve("/admin/").url_name == "index"
