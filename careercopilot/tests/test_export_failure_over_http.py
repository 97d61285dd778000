"""A CSV export that fails halfway is a failed download, not a 200 that looks complete
(Deliver 11), checked over a real HTTP connection to gunicorn.

The failure is a real one: a row the database holds but cannot hand back (a year-10000
timestamp written behind the application's back), placed last, so it is met after the first
rows were sent. The client sees the chunked transfer broken off (no end marker: Python's
http.client raises IncompleteRead, curl exits 18, a browser marks the download failed), and the
partial file ends with an "EXPORT FAILED" line.
"""

from __future__ import annotations

import http.client
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.utils import timezone

from applications.exports import EXPORT_FAILED, EXPORT_FAILED_NOTE
from applications.models import Application
from careercopilot.tests.gunicorn_server import Browser, gunicorn

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="gunicorn's workers need a shared database"),
]

ROWS = 1_500  # more than one fetch of the export's server-side cursor (1,000 rows)


def test_an_export_failing_midway_breaks_off_the_transfer_with_a_last_error_line(alice, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    start = timezone.now() - timedelta(days=30)
    Application.objects.bulk_create(
        Application(user=alice, company_name=f"Company {n}", title="Engineer", created_at=start + timedelta(minutes=n))
        for n in range(ROWS)
    )
    last = Application.objects.order_by("-created_at").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE applications_application SET applied_at = '10000-01-01 11:59:59+00' WHERE id = %s", [last.pk])

    with gunicorn(workers=1) as base:
        browser = Browser(base)
        assert browser.log_in("alice", "alice-password-1")[0] == 200  # followed the redirect home
        http_connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
        http_connection.request("GET", "/applications/export.csv", headers={"Cookie": browser.cookie_header()})
        response = http_connection.getresponse()
        status, encoding = response.status, response.getheader("Transfer-Encoding")
        with pytest.raises(http.client.IncompleteRead) as broken:
            response.read()
        http_connection.close()
        with connection.cursor() as cursor:  # let the test database be flushed
            cursor.execute("DELETE FROM applications_application WHERE id = %s", [last.pk])

    assert (status, encoding) == (200, "chunked")
    body = broken.value.partial.decode("utf-8-sig")
    lines = body.splitlines()
    # The header, the first fetch of 1,000 rows (the bad row spoils the second fetch), the error line.
    assert lines[0].startswith("application_id,") and len(lines) == 1 + 1_000 + 1
    assert lines[-1] == f"{EXPORT_FAILED},{EXPORT_FAILED_NOTE}"
