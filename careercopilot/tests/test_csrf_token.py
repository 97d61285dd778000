"""The CSRF token pages print (careercopilot/csrf.py): Django's token, masked with one read of the
system's randomness; Django's middleware accepts it and refuses everything it refused before."""

from __future__ import annotations

import hashlib
import inspect
import re
from collections import Counter

import pytest
from django.conf import settings
from django.middleware import csrf as djangos
from django.template import Context, RequestContext, Template
from django.template import context_processors
from django.test import Client, RequestFactory

from careercopilot import csrf as ours

pytestmark = pytest.mark.django_db

SECRET = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"


def _token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


def test_it_masks_as_django_masks(monkeypatch):
    monkeypatch.setattr(ours, "_random_indices", lambda count: list(range(7, 7 + count)))
    monkeypatch.setattr(djangos, "_get_new_csrf_string", lambda: "".join(djangos.CSRF_ALLOWED_CHARS[i] for i in range(7, 39)))

    assert ours.mask_cipher_secret(SECRET) == djangos._mask_cipher_secret(SECRET)  # the same mask, the same token
    assert djangos._unmask_cipher_token(ours.mask_cipher_secret(SECRET)) == SECRET


def test_each_token_is_new_and_reads_back_to_the_secret():
    tokens = {ours.mask_cipher_secret(SECRET) for _ in range(200)}

    assert len(tokens) == 200
    for token in tokens:
        assert len(token) == djangos.CSRF_TOKEN_LENGTH and not djangos.invalid_token_chars_re.search(token)
        assert djangos._unmask_cipher_token(token) == SECRET


def test_the_mask_takes_bytes_below_248_modulo_62_and_draws_again_for_the_rest(monkeypatch):
    reads = iter([bytes([255, 248, 247, 0, 61, 62, 123, 124]), bytes(range(40))])
    monkeypatch.setattr(ours.os, "urandom", lambda n: next(reads)[:n])

    assert ours._random_indices(32) == [247 % 62, 0, 61, 0, 123 % 62, 0, *range(26)]


def test_every_character_is_about_as_likely():
    drawn = Counter(ours._random_indices(62_000))

    assert len(drawn) == 62
    assert all(800 < count < 1200 for count in drawn.values())  # 1,000 expected each; ±20 % is ~6 standard deviations


def test_a_secret_django_would_refuse_goes_to_djangos_mask():
    with pytest.raises(ValueError):  # str.index's, as Django's
        ours.mask_cipher_secret("not a secret!" * 3)


def test_templates_print_this_token(monkeypatch, alice):
    monkeypatch.setattr(ours, "_random_indices", lambda count: [5] * count)
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = SECRET
    request.user = alice

    printed = Template("{{ csrf_token }}|{% csrf_token %}").render(RequestContext(request))

    expected = ours.mask_cipher_secret(SECRET)
    assert printed == f'{expected}|<input type="hidden" name="csrfmiddlewaretoken" value="{expected}">'
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True  # the cookie's expiry renewed, as Django does
    assert Template("{{ csrf_token }}").render(Context({})) == ""  # no request, no token


def test_a_logged_in_page_s_token_is_accepted_and_a_forged_one_refused(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    token = _token(client.get("/jobs/?q=python"))
    secret = client.cookies[settings.CSRF_COOKIE_NAME].value

    assert djangos._unmask_cipher_token(token) == secret
    assert client.post("/logout/", {"csrfmiddlewaretoken": ours.mask_cipher_secret(SECRET)}).status_code == 403
    assert client.post("/logout/", {}).status_code == 403
    assert client.post("/logout/", {"csrfmiddlewaretoken": token}).status_code == 302


def test_a_first_visit_gets_a_new_secret_in_its_cookie():
    client = Client(enforce_csrf_checks=True)
    token = _token(client.get("/login/"))

    assert djangos._unmask_cipher_token(token) == client.cookies[settings.CSRF_COOKIE_NAME].value


def test_this_is_still_djangos_get_token_and_processor_it_copies():
    # careercopilot/csrf.py is Django 5.2's get_token, mask and processor; a Django that changes them must be read again.
    sources = [inspect.getsource(f) for f in (djangos.get_token, djangos._mask_cipher_secret, djangos._get_new_csrf_string,
                                              context_processors.csrf)]
    assert hashlib.sha256("".join(sources).encode()).hexdigest()[:16] == "8802732b42cffe79"
    assert settings.TEMPLATES[0]["OPTIONS"]["context_processors"][-1] == "careercopilot.csrf.csrf"
