"""A real gunicorn (DEBUG=0, several workers) on this test session's database, for tests that
must go through the production server: a lock that has to hold across worker processes.

The test must use a committed database (transactional_db): the workers are other processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import re
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener
from pathlib import Path

from django.conf import settings
from django.db import connection
from careercopilot.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(21100, 21200)  # this checkout's share of the machine's ports




def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def gunicorn(*, workers: int = 2, ports: range = PORTS, **env: str):
    """`ports`: a test that counts requests takes a range no other checkout's start-up probe can wander into."""
    port = free_port(ports)
    environment = {
        **os.environ, "DEBUG": "0", "SECRET_KEY": "gunicorn-test-" + "x" * 40, "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": database_url(), "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers), "GUNICORN_ACCESS_LOG": "/dev/null",
        "STATIC_MANIFEST": "0", **env,
    }
    # The log goes to a file, not a pipe: a pipe nobody reads fills up (a fault test logs a traceback
    # per request) and every worker then hangs writing to it.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "careercopilot.wsgi", "-c", "gunicorn.conf.py"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/health/", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("gunicorn did not start: " + log.read().decode()[-2000:]) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class Browser:
    """A cookie-keeping client that sends the log-in form's CSRF token, as a browser would; a new
    connection per request, so requests land on any worker."""

    def __init__(self, base: str):
        self.base, self.jar = base, CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        return self.opener.open(self.base + path, timeout=10).read().decode()

    def log_in(self, username: str, password: str, *, next: str = "") -> tuple[int, str, str]:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get("/login/")).group(1)
        fields = {"csrfmiddlewaretoken": token, "username": username, "password": password}
        if next:
            fields["next"] = next
        body = urlencode(fields).encode()
        request = Request(self.base + "/login/", data=body, headers={"Referer": self.base + "/login/"})
        try:
            response = self.opener.open(request, timeout=10)
            return response.status, response.geturl(), response.read().decode()
        except HTTPError as error:
            return error.code, "", error.read().decode()

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)
