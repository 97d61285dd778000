"""Headers and caching of private responses (Deliver 10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from jobs.tests.factories import JobFactory

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_every_page_carries_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_every_page_switches_off_the_browser_features_it_does_not_use(client):
    policy = client.get("/")["Permissions-Policy"]

    for feature in ("camera=()", "geolocation=()", "microphone=()", "payment=()"):
        assert feature in policy


def test_no_template_has_inline_script_style_or_handlers():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:|hx-on", re.IGNORECASE)
    found = [f"{path.relative_to(TEMPLATES)}: {match.group()}" for path in TEMPLATES.rglob("*.html") for match in inline.finditer(path.read_text())]

    assert found == []


def test_logged_in_pages_are_private_and_not_stored(alice_client, alice):
    for url in ("/", "/jobs/", JobFactory().get_absolute_url(), "/applications/", "/dashboard/", "/profile/", "/api/v1/applications/"):
        cache_control = alice_client.get(url)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, url
        assert "public" not in cache_control


def test_token_authenticated_api_responses_are_private(alice):
    token = Token.objects.create(user=alice)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    for url in ("/api/v1/applications/", "/api/v1/jobs/", "/api/v1/analytics/summary/"):
        cache_control = client.get(url).get("Cache-Control", "")
        assert "private" in cache_control and "no-store" in cache_control, url


def test_anonymous_pages_are_left_cacheable(client):
    JobFactory()
    for url in ("/", "/jobs/", "/api/v1/jobs/"):
        assert "private" not in client.get(url).get("Cache-Control", ""), url


def test_hsts_preload_only_when_asked(settings):
    assert settings.SECURE_HSTS_PRELOAD is False  # nothing in the environment asked for it
