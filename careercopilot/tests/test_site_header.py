"""The header is rendered once per worker and section (ui.site_header) and filled in per request:
each visitor sees their own name, unread count and CSRF token, and the section they are in."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

pytestmark = pytest.mark.django_db


def header(response) -> str:
    return re.search(r'<header class="topbar">.*?</header>', response.content.decode(), re.S).group(0)


def logged_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_each_seeker_sees_their_own_name_and_a_working_log_out(alice, bob):
    first, second = logged_in(alice), logged_in(bob)
    alices = header(first.get("/searches/"))

    bobs = header(second.get("/searches/"))

    assert "(alice)" in alices and "(bob)" in bobs and "alice" not in bobs
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', bobs).group(1)
    assert _unmask_cipher_token(token) == second.cookies[settings.CSRF_COOKIE_NAME].value
    assert second.post("/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert "(bob)" not in second.get("/jobs/").content.decode()


def test_a_name_is_escaped(django_user_model):
    user = django_user_model.objects.create_user(username="<b>eve</b>", password="x-password-12345")

    body = header(logged_in(user).get("/searches/"))

    assert "&lt;b&gt;eve&lt;/b&gt;" in body and "<b>eve" not in body


@pytest.mark.parametrize(("path", "current"), [("/searches/", "/searches/"), ("/applications/board/", "/applications/"),
                                               ("/jobs/", "/jobs/"), ("/dashboard/", "/dashboard/")])
def test_the_section_the_page_is_in_is_marked(alice, path, current):
    body = header(logged_in(alice).get(path))

    assert body.count('aria-current="page"') == 1 and f'href="{current}" aria-current="page"' in body


def test_an_anonymous_visitor_gets_the_log_in_links(client):
    body = header(client.get("/login/"))

    assert "Log out" not in body and "csrfmiddlewaretoken" not in body
    assert 'href="/login/" aria-current="page"' in body
