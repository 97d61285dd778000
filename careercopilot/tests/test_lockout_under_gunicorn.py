"""The "50 wrong passwords, then the right one" row, through gunicorn with two workers.

    pytest careercopilot/tests/test_lockout_under_gunicorn.py -s    # prints the row
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection

from careercopilot.tests.gunicorn_server import Browser, gunicorn

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="gunicorn's workers need a shared database"),
]


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
