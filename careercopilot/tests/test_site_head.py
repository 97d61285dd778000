"""The head's stylesheet and scripts are looked up once per worker (ui.site_head) and every page
still links them, in the same order, by their static-file names."""

from __future__ import annotations

import re

import pytest
from django.templatetags.static import static

from careercopilot.templatetags import ui

pytestmark = pytest.mark.django_db


def test_every_page_links_the_stylesheet_and_scripts_in_its_head(client):
    for path in ("/", "/jobs/", "/login/"):
        head = re.search(r"<head>.*?</head>", client.get(path).content.decode(), re.S).group(0)

        assert (f'<meta name="color-scheme" content="light dark">\n'
                f'  <script src="{static("js/theme.js")}"></script>\n'
                f'  <link rel="stylesheet" href="{static("css/site.css")}">\n'
                f'  <link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">\n'
                f'  <script src="{static("js/ui.js")}" defer></script>\n') in head


def test_the_head_is_rendered_once_per_worker(client):
    from jobs import views

    ui._head_markup.cache_clear()
    views._frames.clear()  # an anonymous /jobs/ prints the head only through the frame kept per worker

    client.get("/jobs/")
    client.get("/login/")

    assert ui._head_markup.cache_info().misses == 1 and ui._head_markup.cache_info().hits >= 1


def test_the_search_page_loads_htmx_as_the_include_did_and_looks_it_up_once_per_worker(client):
    from django.template.loader import render_to_string

    ui._htmx_markup.cache_clear()

    pages = [client.get("/jobs/").content.decode(), client.get("/jobs/?q=nothing").content.decode()]

    for page in pages:
        assert render_to_string("_htmx.html") in page
        assert f'<script src="{static("django_htmx/htmx-2.min.js")}" defer></script>' in page
    assert ui._htmx_markup.cache_info().misses == 1 and ui._htmx_markup.cache_info().hits >= 1
