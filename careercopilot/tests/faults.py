"""Real parts to break in fault tests: a redis-server and PostgreSQL clusters of the test's own,
on ports of their own, really stopped (SIGTERM), frozen (SIGSTOP) and started again.

The shared PostgreSQL and Redis of the machine are never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import pytest
from careercopilot.ports import free_port

REDIS_PORTS = range(20000, 20100)
POSTGRES_PORTS = range(20100, 20200)




def require(binary: str) -> str:
    """The path of a server binary; missing fails under REQUIRE_FULL_STACK=1, else skips."""
    found = shutil.which(binary) or (binary if os.path.exists(binary) else None)
    if not found:
        if os.environ.get("REQUIRE_FULL_STACK") == "1":
            pytest.fail(f"{binary} is required for the fault tests but is missing")
        pytest.skip(f"{binary} not installed")
    return found


def wait_until(condition, timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(interval)


class RedisServer:
    """A redis-server of the test's own: nothing saved to disk, stopped and frozen for real."""

    def __init__(self) -> None:
        self.binary = require("redis-server")
        self.port = free_port(REDIS_PORTS)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--loglevel", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.answers, 10)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM, as `systemctl stop` would: the port is closed, connections are refused."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, nothing ever answers (a hung server)."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


class PostgresCluster:
    """An initdb cluster under a temporary folder on a port of its own, run as the postgres user."""

    BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))

    def __init__(self, root: Path, name: str = "primary") -> None:
        for tool in ("initdb", "pg_ctl", "pg_basebackup"):
            require(str(self.BIN / tool))
        self.root, self.name = root, name
        self.data = root / name
        self.port = free_port(POSTGRES_PORTS)
        self.log = root / f"{name}.log"

    def run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*as_postgres, *command], check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        self.run(str(self.BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--no-sync", "--locale=C.UTF-8")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 60\n"
                       "wal_level = replica\nmax_wal_senders = 4\nshared_buffers = 32MB\n")
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")

    def standby_of(self, primary: "PostgresCluster") -> None:
        """A streaming standby of `primary`: pg_basebackup -R writes standby.signal and the
        primary_conninfo; this cluster's own port and socket folder override the copied ones."""
        self.run(str(self.BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                 "-D", str(self.data), "-R", "-X", "stream", "-c", "fast", "--no-sync")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\nunix_socket_directories = '{self.root}'\nhot_standby = on\n")

    def start(self) -> None:
        self.run(str(self.BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run(str(self.BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
                                 "-AtX", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True, text=True)
        return result.stdout.strip()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


def cluster_root() -> Path:
    """A temporary folder the postgres user can write into."""
    root = Path(tempfile.mkdtemp(prefix="cc-faults-pg-"))
    os.chmod(root, 0o777)
    return root


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A cookie-keeping HTTP client that sends the CSRF token as a browser would and does not
    follow redirects, timing every request; a new connection per request (any worker)."""

    def __init__(self, base: str) -> None:
        self.base, self.jar = base, CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.jar), _NoRedirect)
        self.timings: list[float] = []

    def request(self, path: str, data: dict | None = None, headers: dict | None = None, timeout: float = 30):
        headers = {"Referer": self.base + path, **(headers or {})}
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self.csrf()}
        body = urlencode(data).encode() if data is not None else None
        started = time.monotonic()
        try:
            response = self.opener.open(Request(self.base + path, data=body, headers=headers), timeout=timeout)
            status, text, head = response.status, response.read().decode(), response.headers
        except HTTPError as error:
            status, text, head = error.code, error.read().decode(), error.headers
        except (URLError, OSError) as error:  # refused, reset, or no answer within `timeout`: status 0
            status, text, head = 0, f"{type(error).__name__}: {error}", {}
        elapsed = time.monotonic() - started
        self.timings.append(elapsed)
        return status, text, head, elapsed

    def get(self, path: str, **kwargs):
        return self.request(path, **kwargs)

    def post(self, path: str, fields: dict, **kwargs):
        return self.request(path, data=fields, **kwargs)

    def csrf(self) -> str:
        token = next((cookie.value for cookie in self.jar if cookie.name == "csrftoken"), None)
        if token is None:
            self.get("/login/")
            token = next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")
        return token

    def log_in(self, username: str, password: str):
        return self.post("/login/", {"username": username, "password": password})


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20)[-1]


WORKER_VISIBILITY_TIMEOUT = 5  # production: CELERY_VISIBILITY_TIMEOUT, just above the longest task's time limit


def start_worker(broker: RedisServer, log_path: Path, **extra_env: str) -> subprocess.Popen:
    """A real Celery worker on `broker`, against the test database and cache, a task that lost its
    worker delivered again after WORKER_VISIBILITY_TIMEOUT seconds. Solo pool: the task runs in the
    worker's main process, which is what a test kills."""
    import sys

    from django.conf import settings

    from careercopilot.tests.gunicorn_server import ROOT, database_url

    env = {
        **os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker.url, "CELERY_TASK_ALWAYS_EAGER": "0",
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"], "DEBUG": "0", "SECRET_KEY": "worker-test-" + "x" * 40,
        "CELERY_VISIBILITY_TIMEOUT": str(WORKER_VISIBILITY_TIMEOUT), "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        **extra_env,
    }
    celery = ROOT / ".venv" / "bin" / "celery"
    return subprocess.Popen(
        [str(celery) if celery.exists() else os.path.join(os.path.dirname(sys.executable), "celery"),
         "-A", "careercopilot", "worker", "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-l", "info"], cwd=ROOT, env=env, stdout=log_path.open("ab"), stderr=subprocess.STDOUT)


def lock_waiters(dbname: str) -> list[int]:
    """Backends of `dbname` waiting on a lock: a worker blocked where the test holds a row lock."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [dbname])
        return [pid for (pid,) in cursor.fetchall()]


@pytest.fixture
def broker():
    """A broker Redis of the test's own, stopped, frozen or restarted without touching the machine's."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()
