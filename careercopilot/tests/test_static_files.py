"""Delivery: static files under hashed names with far-future caching on the embedded default
(no STATIC_MANIFEST set), pre-compressed; HTML compressed; htmx only on the pages that use it."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = {"staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """collectstatic as `make run` does it, with nothing set but where to write."""
    root = tmp_path_factory.mktemp("static")
    env = {k: v for k, v in os.environ.items() if k not in {"STATIC_MANIFEST", "DEBUG"}}
    result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                            env={**env, "STATIC_ROOT": str(root)}, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return root


def test_the_embedded_default_hashes_static_names_and_caches_them_for_good(collected, settings, db):
    from django.conf import settings as live

    # The default the settings module picks when nothing is set (conftest swaps it for the suite).
    assert "STATIC_MANIFEST" not in os.environ
    with override_settings(STATIC_ROOT=collected, STORAGES={**live.STORAGES, **MANIFEST}):
        client = Client()
        html = client.get("/").content.decode()
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html)
        assert stylesheet, "the page links the stylesheet by its hashed name"

        served = client.get(stylesheet.group(1), HTTP_ACCEPT_ENCODING="br, gzip")
        assert served.status_code == 200
        assert "max-age=315360000" in served["Cache-Control"] and "immutable" in served["Cache-Control"]
        assert served["Content-Encoding"] in {"br", "gzip"}

        plain = client.get("/static/favicon.svg")
        assert plain["Cache-Control"] == "max-age=3600, public", "an unhashed name is never kept for a year"


@pytest.mark.django_db
def test_html_is_compressed_for_browsers_that_ask(client):
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"<h1" in gzip.decompress(response.content)


@pytest.mark.django_db
def test_htmx_is_loaded_only_on_pages_that_swap(client):
    assert "htmx" not in client.get("/").content.decode()
    assert "htmx" not in client.get("/login/").content.decode()
    assert "htmx-2.min.js" in client.get("/jobs/").content.decode()


@pytest.mark.django_db
def test_public_pages_describe_themselves_for_search_engines(client):
    for url in ("/", "/jobs/", "/login/", "/signup/"):
        html = client.get(url).content.decode()
        description = re.search(r'<meta name="description" content="([^"]+)">', html)
        assert description and len(description.group(1)) > 40, url
