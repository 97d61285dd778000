"""The "50 wrong passwords, then the right one" row, through gunicorn with two workers.

    pytest careercopilot/tests/test_lockout_under_gunicorn.py -s    # prints the row
"""

from __future__ import annotations

import re
import time
from collections import Counter
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from django.conf import settings
from django.db import connection

from careercopilot.tests.gunicorn_server import gunicorn

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="gunicorn's workers need a shared database"),
]


class Browser:
    """A cookie-keeping client that fetches the form's CSRF token, as a browser would; a new
    connection per request, so requests land on either worker."""

    def __init__(self, base: str):
        self.base, self.opener = base, build_opener(HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> str:
        return self.opener.open(self.base + path, timeout=10).read().decode()

    def log_in(self, username: str, password: str) -> tuple[int, str, str]:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get("/login/")).group(1)
        body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password}).encode()
        request = Request(self.base + "/login/", data=body, headers={"Referer": self.base + "/login/"})
        try:
            response = self.opener.open(request, timeout=10)
            return response.status, response.geturl(), response.read().decode()
        except HTTPError as error:
            return error.code, "", error.read().decode()


def test_fifty_wrong_passwords_then_the_right_one_through_two_gunicorn_workers(alice):
    with gunicorn(workers=2) as base:
        browser = Browser(base)
        started = time.monotonic()
        codes = [browser.log_in("alice", f"wrong-{n}")[0] for n in range(50)]
        status, _, page = browser.log_in("alice", "alice-password-1")
        seconds = time.monotonic() - started

    limit = settings.AXES_FAILURE_LIMIT
    assert codes[: limit - 1] == [200] * (limit - 1)
    assert set(codes[limit - 1 :]) == {429}
    assert status == 429 and "Too many failed log-ins" in page
    counts = ", ".join(f"{n}×{code}" for code, n in sorted(Counter(codes).items()))
    print(f"\n50 wrong passwords on /login/ through gunicorn (2 workers, DEBUG=0): {counts}; "
          f"then the right one: {status} “Too many failed log-ins … wait {settings.AXES_COOLOFF_TIME.seconds // 60} minutes”"
          f" ({seconds:.1f} s for 51 log-ins)")
