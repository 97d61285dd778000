"""The CSRF token a page prints: Django's, masked with one read of the system's randomness.

Django masks the cookie's secret anew on every page (a different token each response, against
BREACH): `_mask_cipher_secret` draws a 32-character mask with `get_random_string`, which is 32
`secrets.choice` calls, each its own `os.urandom` read (a system call), then adds mask and secret
character by character through `str.index` over the 62 allowed characters: ~60 µs of a logged-in
page's CPU. `mask_cipher_secret` below gives the same token from the same distribution: the mask's
characters are drawn uniformly from the same 62, from one `os.urandom` read (a byte below 248, four
times 62, taken modulo 62 — each character equally likely, as `secrets.choice` makes them; a byte
of 248 or more is dropped and another drawn), and the sum goes through a table. Django's
middleware reads the token back unchanged (`_unmask_cipher_token`); the cookie, its secret and
every check are Django's.

`get_token` and the context processor `csrf` are Django 5.2's, step for step, with that mask (a
test pins Django's source, so an upgrade that changes them is read again). The processor is
listed after Django's built-in one, so `csrf_token` in a template, `{% csrf_token %}` included,
is this one's; Django's own lazy value is never evaluated.
"""

from __future__ import annotations

import os

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, _add_new_csrf_cookie, _mask_cipher_secret
from django.utils.functional import SimpleLazyObject

_CHARS = CSRF_ALLOWED_CHARS
_BASE = len(_CHARS)
_INDEX = {char: i for i, char in enumerate(_CHARS)}
_BELOW = 256 - 256 % _BASE  # 248: bytes under it fall evenly on the 62 characters


def _random_indices(count: int) -> list[int]:
    """`count` indices into the allowed characters, each uniform and independent."""
    found: list[int] = []
    while len(found) < count:
        found += [byte % _BASE for byte in os.urandom(count + 8) if byte < _BELOW]  # one read (3 % of bytes dropped)
    return found[:count]


def mask_cipher_secret(secret: str) -> str:
    """django.middleware.csrf._mask_cipher_secret: a new mask, then each secret character moved by it."""
    mask = _random_indices(CSRF_SECRET_LENGTH)
    try:
        cipher = [_CHARS[(_INDEX[char] + shift) % _BASE] for char, shift in zip(secret, mask)]
    except KeyError:  # not a secret Django's middleware would have kept: Django's answer (its ValueError)
        return _mask_cipher_secret(secret)
    return "".join([_CHARS[shift] for shift in mask]) + "".join(cipher)


def get_token(request) -> str:
    """django.middleware.csrf.get_token, with the mask above."""
    if "CSRF_COOKIE" in request.META:
        csrf_secret = request.META["CSRF_COOKIE"]
        # As Django: the cookie is sent again with the response, renewing its expiry.
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    else:
        csrf_secret = _add_new_csrf_cookie(request)
    return mask_cipher_secret(csrf_secret)


def csrf(request) -> dict:
    """django.template.context_processors.csrf, with get_token above."""

    def _get_val():
        token = get_token(request)
        if token is None:
            return "NOTPROVIDED"
        else:
            return token

    return {"csrf_token": SimpleLazyObject(_get_val)}
