"""The performance suite behind `manage.py perfsuite`: wrk drives each endpoint of a realistic
mix against a gunicorn (started here with production settings, or a loopback URL), beside a bare
Django view served the same way (careercopilot/bare/) as the ceiling, with a pass where the
caches are bypassed and one with silk on. Per endpoint: latency percentiles, throughput,
errors, SQL queries per request and cache hit rate (from /metrics scraped before and after),
server CPU and memory (psutil). Written as JSON and Markdown with SVG charts.

wrk is the load generator (a subprocess, one run per endpoint so each has its own percentiles;
the Lua in wrk/scenario.lua writes them as JSON). Nothing here times requests itself.
"""

from __future__ import annotations

import ipaddress
import json
import os
import platform
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import psutil
from prometheus_client.parser import text_string_to_metric_families
from careercopilot.observability.requests import FLUSH_SECONDS
from careercopilot.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
LUA = Path(__file__).with_name("wrk") / "scenario.lua"
SLOW_QUERY_LINE = " careercopilot.slow_queries slow query "  # as slow_queries logs each one
SLOWER_THAN = 0.20  # --compare flags an endpoint whose p95, as a ratio to the ceiling, grew more
PORTS = range(21500, 21600)


def ports_from(text: str) -> range:
    """`9100-9199` as a range of ports (`--ports`): each checkout on a shared machine owns one."""
    try:
        low, high = (int(part) for part in text.split("-", 1))
    except ValueError:
        raise ValueError(f"--ports: expected LOW-HIGH, e.g. 9100-9199, not {text!r}") from None
    if not 0 < low <= high < 65536:
        raise ValueError(f"--ports: {text!r} is not a range of ports")
    return range(low, high + 1)


# --- What is requested ----------------------------------------------------------------------

@dataclass
class Request:
    path: str
    method: str = "GET"
    body: str = ""
    headers: dict = field(default_factory=dict)
    # Requests that must reach the server in their list order (a status moved there and back)
    # carry a lane: each wrk thread takes the lanes of its own (lane % threads), in order, so
    # two threads never send one application's moves out of turn.
    lane: int | None = None


@dataclass
class Endpoint:
    name: str
    kind: str  # anonymous, seeker, api, write
    requests: list[Request]
    weight: int = 1


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid Lua string literal for our ASCII paths


def lua_script(requests: list[Request], *, budget: int, out: Path, threads: int = 1) -> str:
    rows = []
    for r in requests:
        headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in r.headers.items())
        body = _lua_string(r.body) if r.body else "nil"
        lane = "nil" if r.lane is None else str(int(r.lane))
        rows.append(f"  {{method = {_lua_string(r.method)}, path = {_lua_string(r.path)}, headers = {{{headers}}}, "
                    f"body = {body}, lane = {lane}}},")
    template = LUA.read_text()
    return (
        template.replace("local requests = REQUESTS", "local requests = {\n" + "\n".join(rows) + "\n}")
        .replace("local budget = BUDGET", f"local budget = {int(budget)}")
        .replace("local threads_total = THREADS", f"local threads_total = {max(1, int(threads))}")
        .replace("local out_path = OUT", f"local out_path = {_lua_string(str(out))}")
    )


def build_endpoints(*, seeker_cookie: str, writer_cookie: str, csrf: str, sample: int = 50) -> list[Endpoint]:
    """The mix, drawn from the live database: search terms at three frequencies (skills by how
    many postings carry them), open postings and companies, the seeker's own applications."""
    from applications.models import Application
    from jobs.models import Company, Job

    terms = _terms_by_frequency(_skills_by_postings())
    jobs = list(Job.objects.active().order_by("-id").values_list("id", "slug")[:sample])
    companies = list(Company.objects.order_by("-id").values_list("slug", flat=True)[:sample])
    seeker = _user_of(seeker_cookie)
    own = list(Application.objects.filter(user_id=seeker).order_by("-id").values_list("id", flat=True)[:sample])
    writer = _user_of(writer_cookie)
    saved = list(Application.objects.filter(user_id=writer, status="saved").order_by("id").values_list("id", flat=True)[:sample])
    tracked = set(Application.objects.filter(user_id=writer, job_id__in=[pk for pk, _ in jobs]).values_list("job_id", flat=True))
    untracked = [pk for pk, _ in jobs if pk not in tracked]

    seeker_headers = {"Cookie": seeker_cookie}
    writer_headers = {"Cookie": f"{writer_cookie}; csrftoken={csrf}", "X-CSRFToken": csrf,
                      "Content-Type": "application/x-www-form-urlencoded"}
    endpoints = [Endpoint("health", "anonymous", [Request("/health/")], weight=1),
                 Endpoint("home", "anonymous", [Request("/")], weight=10)]
    for frequency, words in terms.items():
        endpoints.append(Endpoint(f"search_{frequency}", "anonymous",
                                  [Request(f"/jobs/?q={_q(w)}") for w in words], weight=5))
    endpoints += [
        Endpoint("search_newest_deep", "anonymous", [Request("/jobs/?sort=newest&page=50")], weight=1),
        Endpoint("job_detail", "anonymous", [Request(f"/jobs/{pk}/{slug}/") for pk, slug in jobs], weight=10),
        Endpoint("company", "anonymous", [Request(f"/companies/{slug}/") for slug in companies], weight=3),
        # Logged in, a search is always built for the visitor (never a stored page); the totals and
        # facets it reads may still come from their caches.
        Endpoint("search_seeker", "seeker", [Request(f"/jobs/?q={_q(w)}", headers=seeker_headers)
                                             for w in terms["medium"] + terms["rare"]], weight=2),
        Endpoint("pipeline", "seeker", [Request("/applications/", headers=seeker_headers)], weight=5),
        Endpoint("board", "seeker", [Request("/applications/board/", headers=seeker_headers)], weight=3),
        Endpoint("application", "seeker",
                 [Request(f"/applications/{pk}/", headers=seeker_headers) for pk in own] or
                 [Request("/applications/", headers=seeker_headers)], weight=4),
        Endpoint("dashboard", "seeker", [Request("/dashboard/", headers=seeker_headers)], weight=4),
        Endpoint("recommendations", "seeker", [Request("/recommendations/", headers=seeker_headers)], weight=2),
        Endpoint("export_csv", "seeker", [Request("/applications/export.csv", headers=seeker_headers)], weight=1),
        Endpoint("api_jobs", "api", [Request(f"/api/v1/jobs/?search={_q(w)}") for w in terms["common"]], weight=3),
        Endpoint("api_applications", "api", [Request("/api/v1/applications/", headers=seeker_headers)], weight=2),
    ]
    if untracked:
        endpoints.append(Endpoint("write_track", "write", [
            Request(f"/applications/track/{pk}/", "POST", "", writer_headers) for pk in untracked], weight=1))
    if saved:
        # Each saved application goes to withdrawn and back: both moves are legal, in this order,
        # and a list far longer than the connections in flight keeps the order.
        endpoints.append(Endpoint("write_status", "write", [
            Request(f"/applications/{pk}/status/", "POST", f"to_status={status}", writer_headers, lane=i)
            for status in ("withdrawn", "saved") for i, pk in enumerate(saved)], weight=1))
    return endpoints


def crowd_requests(*, distinct_postings: int = 20_000, distinct_searches: int = 2_000) -> list[Request]:
    """A mixed anonymous crowd where at least 40 % of requests find no cached page: half go to
    postings' own pages drawn from `distinct_postings` open postings (each seen about once a run),
    a tenth to searches for less frequent vocabulary terms; the rest are what everyone asks for
    (home, the plain list, the top searches), which the caches answer."""
    import random

    from django.db import connection

    from jobs.models import Job, SearchTerm

    rng = random.Random(7)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A random sample of open postings without reading a million rows (TABLESAMPLE).
            cursor.execute("SELECT id, slug FROM jobs_job TABLESAMPLE SYSTEM (5) WHERE is_active LIMIT %s", [distinct_postings])
        else:
            cursor.execute("SELECT id, slug FROM jobs_job WHERE is_active LIMIT %s", [distinct_postings])
        postings = cursor.fetchall()
    if not postings:
        postings = list(Job.objects.active().values_list("id", "slug")[:distinct_postings])
    terms = list(SearchTerm.objects.order_by("-frequency", "key").values_list("term", flat=True)[: 20 + distinct_searches])
    top, rarer = terms[:10] or ["engineer"], terms[20:] or terms or ["engineer"]
    popular = [Request("/"), Request("/jobs/"), *(Request(f"/jobs/?q={_q(t)}") for t in top)]
    rng.shuffle(postings)
    rows = []
    for i in range(max(len(postings), 1000)):
        slot = i % 10
        if slot < 5 and postings:
            pk, slug = postings[i % len(postings)]
            rows.append(Request(f"/jobs/{pk}/{slug}/"))
        elif slot == 5:
            rows.append(Request(f"/jobs/?q={_q(rarer[(i // 10) % len(rarer)])}"))
        else:
            rows.append(popular[i % len(popular)])
    return rows


def _q(word: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(word)


def _skills_by_postings() -> list[tuple[str, int]]:
    from django.db import connection

    # A sample of the job-skill rows (TABLESAMPLE): ranking skills needs proportions, not counts.
    with connection.cursor() as cursor:
        rows = []
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT s.name, count(*) AS n FROM jobs_jobskill js TABLESAMPLE SYSTEM (2) "
                "JOIN jobs_skill s ON s.id = js.skill_id GROUP BY s.name ORDER BY n DESC"
            )
            rows = cursor.fetchall()
        if len(rows) < 9:
            cursor.execute("SELECT s.name, count(*) FROM jobs_jobskill js JOIN jobs_skill s ON s.id = js.skill_id "
                           "GROUP BY s.name ORDER BY 2 DESC")
            rows = cursor.fetchall()
    return rows


def _terms_by_frequency(skills: list[tuple[str, int]]) -> dict[str, list[str]]:
    names = [name for name, _ in skills] or ["engineer"]
    third = max(1, len(names) // 3)
    return {
        "common": names[:3],
        "medium": names[third:third + 3] or names[:3],
        "rare": names[-3:],
    }


def _user_of(cookie: str) -> int | None:
    from django.contrib.sessions.backends.db import SessionStore

    key = cookie.split("=", 1)[1] if "=" in cookie else ""
    data = SessionStore(session_key=key).load()
    return int(data["_auth_user_id"]) if data.get("_auth_user_id") else None


def session_cookie(user) -> str:
    """A logged-in session for `user`, written where the server reads sessions (the database,
    through cached_db): no password needed and no log-in throttle met."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.set_expiry(3600)
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def seeker_and_writer(seeker_name: str | None):
    """The seeker whose pages are measured (by name, else the one with most applications) and a
    writer of our own whose tracking and status moves do not change the seeker's pages."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from applications.models import Application
    from applications.services import application_create
    from jobs.models import Job

    User = get_user_model()
    if seeker_name:
        seeker = User.objects.get(username=seeker_name)
    else:
        top = (Application.objects.values("user_id").annotate(n=Count("id")).order_by("-n").first())
        seeker = User.objects.get(pk=top["user_id"]) if top else User.objects.order_by("id").first()
    writer, created = User.objects.get_or_create(username="perfsuite-writer", defaults={"email": "perfsuite@localhost"})
    if created:
        writer.set_unusable_password()
        writer.save()
    have = Application.objects.filter(user=writer, status="saved").count()
    if have < 100:
        taken = set(Application.objects.filter(user=writer).values_list("job_id", flat=True))
        for job in Job.objects.active().order_by("id")[: 100 - have + len(taken)]:
            if job.pk not in taken:
                application_create(user=writer, job=job)
    return seeker, writer


# --- Servers --------------------------------------------------------------------------------



@dataclass
class Server:
    base: str
    process: psutil.Process | None
    metrics_token: str = ""
    log: IO[bytes] | None = None  # gunicorn's stderr (its error log and our warnings), a file the process appends to


def server_log_between(log: IO[bytes] | None, start: int, end: int, *, lines: int = 40, limit: int = 4 << 20) -> list[str]:
    """What the server wrote between two sizes of its log: its last `lines` lines other than slow-query
    warnings (a saturated server writes those by the hundred, and they would hide the one line that
    says why an answer failed), then how many of those were left out. Read with pread: the file's
    offset is shared with the process writing it, so seeking here would move its writes."""
    if log is None or end <= start:
        return []
    first = max(start, end - limit)
    written = os.pread(log.fileno(), end - first, first).decode(errors="replace").splitlines()
    slow = [line for line in written if SLOW_QUERY_LINE in line]
    kept = [line for line in written if SLOW_QUERY_LINE not in line][-lines:]
    return kept + ([f"({len(slow)} slow-query warnings left out)"] if slow else [])


def log_size(log: IO[bytes] | None) -> int:
    return os.fstat(log.fileno()).st_size if log is not None else 0


@contextmanager
def gunicorn(app: str, *, workers: int, extra_env: dict[str, str], metrics: bool = True, ports: range = PORTS,
             threads: int = 1):
    from django.conf import settings

    port = free_port(ports)
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="perfsuite-metrics-") as metrics_dir, tempfile.TemporaryFile() as log:
        env = {
            **os.environ,
            # This process's key: the sessions it writes for the seeker must verify on the server.
            "DEBUG": "0", "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0", "STATIC_MANIFEST": "0", "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers), "GUNICORN_THREADS": str(threads), "GUNICORN_ACCESS_LOG": "/dev/null", "METRICS_TOKEN": token,
            # The suite measures speed, not the throttles: a real client is one address among many.
            "THROTTLE_SEARCH": "1000000/m", "THROTTLE_EXPORT": "1000000/m", "API_THROTTLE_ANON": "1000000/min",
            "API_THROTTLE_USER": "1000000/min", "GUNICORN_MAX_REQUESTS": "0",
            **_database_env(), **extra_env,
        }
        if metrics:
            env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        else:
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        if app.startswith("careercopilot.bare"):
            env["DJANGO_SETTINGS_MODULE"] = "careercopilot.bare.settings"
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), app, "-c", str(ROOT / "gunicorn.conf.py")],
            # A file, not a pipe: a pipe nobody reads fills up over a long run and the workers hang.
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            probe = "/" if app.startswith("careercopilot.bare") else "/health/"
            while True:
                try:
                    urllib.request.urlopen(base + probe, timeout=2)
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise RuntimeError(f"gunicorn {app} did not start: " + log.read().decode()[-2000:])
                    time.sleep(0.2)
            yield Server(base, psutil.Process(process.pid), token, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _database_env() -> dict[str, str]:
    """The database and cache this process uses (a test's database, not the one in the environment)."""
    from django.conf import settings
    from django.db import connection

    env = {"CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", "")}
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return env


def check_target(url: str, *, allow_remote: bool) -> None:
    host = urlsplit(url).hostname or ""
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = host == "localhost"
    if not local and not allow_remote:
        raise ValueError(f"{url} is not a loopback address: pass --allow-remote to load a remote server on purpose")


def server_process_for(url: str) -> psutil.Process | None:
    """The process listening on the URL's port (a gunicorn master), for CPU and memory."""
    port = urlsplit(url).port or 80
    try:
        for conn in psutil.net_connections("tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
                process = psutil.Process(conn.pid)
                return process.parent() if process.parent() and "gunicorn" in " ".join(process.parent().cmdline()) else process
    except (psutil.AccessDenied, psutil.NoSuchProcess):
        return None
    return None


def _tree(process: psutil.Process | None) -> list[psutil.Process]:
    if process is None:
        return []
    try:
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(process: psutil.Process | None) -> float:
    total = 0.0
    for p in _tree(process):
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


# The parts of the machine a crowd load runs on: where each answer's CPU goes, by program.
CPU_PARTS = {"gunicorn": "gunicorn", "postgres": "postgres", "nginx": "nginx", "wrk": "wrk", "redis-server": "redis"}


def machine_cpu() -> dict:
    """A snapshot for cpu_split: the CPU seconds each process on the machine has used so far, with
    the part it belongs to (CPU_PARTS, the rest "other"); this process's finished children (wrk
    has ended by the time a load is over and is no longer listed: its CPU is in the children's
    usage once it has been waited for); and the machine's busy total from /proc/stat."""
    pids = {}
    for p in psutil.process_iter(["name", "cmdline", "cpu_times", "create_time"]):
        times = p.info.get("cpu_times")
        if times is None:
            continue
        name = p.info.get("name") or ""
        cmdline = " ".join(p.info.get("cmdline") or [])
        part = next((label for key, label in CPU_PARTS.items() if name.startswith(key) or (key == "gunicorn" and "gunicorn" in cmdline)), "other")
        pids[(p.pid, p.info.get("create_time"))] = (part, times.user + times.system)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = psutil.cpu_times()
    return {"pids": pids, "children": children.ru_utime + children.ru_stime,
            "machine_busy": total.user + total.nice + total.system + total.irq + total.softirq + getattr(total, "steal", 0.0)}


def _used_between(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds by part between two snapshots: what each process still running at the second
    used since the first (all of it, for one started in between), plus this process's children
    that finished in between (its wrk runs). A process that ended in between, and was not ours to
    wait for (another program's load, a worker recycled), is left out of the parts rather than
    subtracted from them; its time is still in machine_busy."""
    used = dict.fromkeys([*CPU_PARTS.values(), "other"], 0.0)
    for key, (part, seconds) in after["pids"].items():
        used[part] += seconds - before["pids"].get(key, (part, 0.0))[1]
    used["wrk"] += after["children"] - before["children"]
    used["machine_busy"] = after["machine_busy"] - before["machine_busy"]
    return used


def cpu_split(before: dict, after: dict, answers: int, wall: float) -> dict:
    """CPU ms per answered request by part, and what the machine's cores allow: at the measured
    cost an answer needs `machine_busy` ms of CPU, so `cores × 1000 / machine_busy` answers a
    second is the most the machine can give, whatever the server does."""
    if not answers or wall <= 0:
        return {}
    per_answer = {part: round(1000 * seconds / answers, 3) for part, seconds in _used_between(before, after).items()}
    cores = psutil.cpu_count() or 1
    busy = per_answer["machine_busy"] * answers / 1000
    return {"cpu_ms_per_answer": per_answer, "cores": cores, "machine_busy_percent": round(100 * busy / (wall * cores), 1),
            "answers_per_s_the_cores_allow": round(cores * 1000 / per_answer["machine_busy"], 1) if per_answer["machine_busy"] else None}


def rss_mb(process: psutil.Process | None) -> float:
    total = 0
    for p in _tree(process):
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return round(total / 2**20, 1)


# --- Metrics from /metrics --------------------------------------------------------------------

def scrape(base: str, token: str) -> dict[tuple, float] | None:
    if not token:
        return None
    request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"})
    try:
        text = urllib.request.urlopen(request, timeout=30).read().decode()
    except OSError:
        return None
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _sum(samples: dict | None, name: str, **match) -> float:
    if not samples:
        return 0.0
    return sum(v for (n, labels), v in samples.items()
               if n == name and all(dict(labels).get(k) == want for k, want in match.items())
               and dict(labels).get("view") != "prometheus-metrics")


def metric_deltas(before: dict | None, after: dict | None) -> dict:
    if before is None or after is None:
        return {"sql_queries_per_request": None, "cache_hit_rate": None, "cache_layers": {}, "server_requests": None}

    def delta(name, **match):
        return _sum(after, name, **match) - _sum(before, name, **match)

    served = delta("django_http_requests_total_by_view_transport_method_total")
    queries = delta("db_queries_total")
    hits, misses = delta("cache_layer_requests_total", result="hit"), delta("cache_layer_requests_total", result="miss")
    layers = {}
    for (name, labels), _ in after.items():
        if name == "cache_layer_requests_total":
            layer = dict(labels)["layer"]
            h = delta(name, layer=layer, result="hit")
            m = delta(name, layer=layer, result="miss")
            if h + m:
                layers[layer] = {"hits": int(h), "misses": int(m), "hit_rate": round(h / (h + m), 4)}
    return {
        "server_requests": int(served),
        "sql_queries_per_request": round(queries / served, 2) if served else None,
        "cache_hit_rate": round(hits / (hits + misses), 4) if hits + misses else None,
        "cache_layers": layers,
    }


# --- One wrk run --------------------------------------------------------------------------------

@dataclass
class Load:
    duration: int
    connections: int
    threads: int
    budget: int  # requests per wrk thread, 0 for none
    timeout: int = 10


def run_wrk(base: str, requests: list[Request], load: Load, workdir: Path, name: str) -> dict:
    out = workdir / f"{name}.json"
    script = workdir / f"{name}.lua"
    # wrk gives each thread connections / threads connections: fewer connections than threads
    # would leave threads idle, so the threads follow the connections, not the other way round.
    threads, connections = max(1, min(load.threads, load.connections)), load.connections
    lanes = {r.lane for r in requests if r.lane is not None}
    if lanes:
        # A lane keeps its order only on one connection: two connections of one thread each take
        # the thread's next request, and one held up on a slow answer is overtaken by the other,
        # which then sends the move back before the server saw the move there. So a laned list
        # runs one connection per thread, and no thread without a lane of its own (it would have
        # nothing to send).
        threads = connections = min(load.connections, len(lanes))
    script.write_text(lua_script(requests, budget=load.budget, out=out, threads=threads))
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{load.duration}s",
               "--timeout", f"{load.timeout}s", "-s", str(script), base]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=load.duration + 120)
    if finished.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed for {name}: {finished.stderr or finished.stdout}")
    return json.loads(out.read_text())


def warm_up(server: Server, endpoint: Endpoint) -> None:
    """Each distinct page once, so the cached pass measures the steady state, not the first visits."""
    for request in endpoint.requests[:100]:
        if request.method != "GET":
            return
        try:
            urllib.request.urlopen(urllib.request.Request(server.base + request.path, headers=request.headers), timeout=60).read()
        except OSError:
            pass


def _written_scrape(server: Server) -> dict[tuple, float] | None:
    """A scrape once every worker has written what it counted: each writes its request counts
    once a second (careercopilot/observability/requests.py), only the scraped one at once."""
    if server.metrics_token:
        time.sleep(FLUSH_SECONDS + 0.2)
    return scrape(server.base, server.metrics_token)


def measure(server: Server, endpoint: Endpoint, load: Load, workdir: Path) -> dict:
    before = _written_scrape(server)
    cpu_before, wall_before = cpu_seconds(server.process), time.monotonic()
    result = run_wrk(server.base, endpoint.requests, load, workdir, endpoint.name)
    wall = time.monotonic() - wall_before
    cpu = cpu_seconds(server.process) - cpu_before
    after = _written_scrape(server)
    errors = sum(result["errors"].values())
    return {
        "kind": endpoint.kind,
        "requests": result["requests"],
        "rps": round(result["requests"] / result["duration_s"], 1) if result["duration_s"] else 0.0,
        "latency_ms": result["latency_ms"],
        "errors": errors,
        "error_detail": result["errors"],
        # Every answer that was not 2xx or 3xx, by status code (wrk's own count has no codes).
        "statuses": result.get("statuses") or {},
        "error_rate": round(errors / result["requests"], 4) if result["requests"] else None,
        "bytes_per_request": round(result["bytes"] / result["requests"]) if result["requests"] else None,
        "answered_by": result.get("answered_by"),
        "server_cpu_percent": round(100 * cpu / wall, 1) if server.process else None,
        "server_cpu_ms_per_request": round(1000 * cpu / result["requests"], 2) if server.process and result["requests"] else None,
        "server_rss_mb": rss_mb(server.process) if server.process else None,
        **metric_deltas(before, after),
    }


def with_ratios(results: dict[str, dict], ceiling: dict) -> dict[str, dict]:
    for row in results.values():
        row["ratio_to_ceiling"] = {
            q: round(row["latency_ms"][q] / ceiling["latency_ms"][q], 2) if ceiling["latency_ms"][q] else None
            for q in ("p50", "p95", "p99")
        }
        row["ratio_to_ceiling"]["rps"] = round(row["rps"] / ceiling["rps"], 4) if ceiling["rps"] else None
    return results


def mix_requests(endpoints: list[Endpoint]) -> list[Request]:
    """The whole mix as one list, each endpoint's requests in proportion to its weight. Requests
    that must keep their order (lanes: status moves there and back) are measured on their own
    and left out: shuffled into the mix, a move would arrive before the one it undoes."""
    mixed = []
    for endpoint in endpoints:
        reqs = [r for r in endpoint.requests if r.lane is None]
        if not reqs:
            continue
        for i in range(endpoint.weight * 4):
            mixed.append(reqs[i % len(reqs)])
    # Interleave deterministically so no stretch of the list is one endpoint.
    return [mixed[(i * 7919) % len(mixed)] for i in range(len(mixed))] if len(mixed) % 7919 else mixed


# --- The suite --------------------------------------------------------------------------------

def production_workers() -> int:
    """gunicorn.conf.py's default for GUNICORN_WORKERS (two per core; a test holds the two equal):
    the crowd is production's load, so it runs on production's worker count."""
    return 2 * (os.cpu_count() or 1)


@dataclass
class Options:
    url: str | None = None
    allow_remote: bool = False
    workers: int = 2  # the 8-connection table's: the setting
    crowd_workers: int | None = None  # the crowd's; None: production_workers()
    threads_per_worker: int = 1  # gunicorn's: above 1 the workers are gthread (GUNICORN_THREADS)
    ports: range = PORTS
    load: Load = field(default_factory=lambda: Load(10, 8, 2, 0))
    only: list[str] | None = None
    seeker: str | None = None
    no_cache_pass: bool = True
    no_metrics_pass: bool = False
    silk_pass: bool = True
    crowds: list[int] = field(default_factory=list)  # connections of each load through nginx
    crowd_duration: int = 60
    metrics_token: str = ""
    repeat: int = 1
    out_dir: Path = ROOT / "reports" / "performance"
    compare: Path | None = None
    log: callable = print


ANONYMOUS_ENDPOINTS = frozenset({"health", "home", "search_common", "search_medium", "search_rare",
                                 "search_newest_deep", "job_detail", "company", "anonymous"})


def anonymous_only(options: Options) -> bool:
    return bool(options.only) and set(options.only) <= ANONYMOUS_ENDPOINTS


def _environment() -> dict:
    from django.conf import settings
    from django.db import connection

    load1, load5, load15 = os.getloadavg()
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        sha = ""
    counts = {}
    with connection.cursor() as cursor:
        for table in ("jobs_job", "auth_user", "applications_application"):
            if connection.vendor == "postgresql":
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            else:
                cursor.execute(f"SELECT count(*) FROM {table}")
            row = cursor.fetchone()
            counts[table] = int(row[0]) if row else None
    return {
        "host": platform.node(), "cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(), "git_sha": sha, "load_average_at_start": [load1, load5, load15],
        "database": connection.vendor, "rows_estimated": counts, "cache": settings.CACHES["default"]["BACKEND"],
    }


def run_suite(options: Options) -> dict:
    if options.url:
        check_target(options.url, allow_remote=options.allow_remote)
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    started = datetime.now(UTC)
    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "environment": _environment(),
        "settings": {
            "target": options.url or "gunicorn started by perfsuite (DEBUG=0)", "workers": options.workers,
            "duration_s": options.load.duration, "connections": options.load.connections,
            "threads": options.load.threads, "request_budget_per_thread": options.load.budget,
            "passes": ["cached"] + (["no_cache"] if options.no_cache_pass else [])
                      + (["no_metrics"] if options.no_metrics_pass else []) + (["silk"] if options.silk_pass else []),
            "repeat": options.repeat, "crowds_through_nginx": options.crowds, "crowd_duration_s": options.crowd_duration,
            "crowd_workers": crowd_workers(options) if options.crowds else None,
        },
        "runs": [],
    }
    # Only anonymous pages asked for: no seeker, writer or session is made, so the suite writes
    # nothing to the database (a shared, read-only full-size copy can be measured).
    report["settings"]["writes_nothing"] = anonymous_only(options)
    seeker, writer = (None, None) if anonymous_only(options) else seeker_and_writer(options.seeker)
    report["settings"]["seeker"] = seeker.get_username() if seeker else None
    from applications.models import Application

    report["settings"]["seeker_applications"] = Application.objects.filter(user=seeker).count() if seeker else 0
    with tempfile.TemporaryDirectory(prefix="perfsuite-") as tmp:
        workdir = Path(tmp)
        for repeat in range(options.repeat):
            report["runs"].append(_one_run(options, seeker, writer, workdir, repeat))
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["environment"]["load_average_at_end"] = list(os.getloadavg())
    report["summary"] = summarise(report["runs"])
    if options.compare:
        report["compare"] = compare(report, json.loads(Path(options.compare).read_text()))
    return report


def _one_run(options: Options, seeker, writer, workdir: Path, repeat: int) -> dict:
    log = options.log
    run = {"repeat": repeat + 1, "load_average_at_start": list(os.getloadavg()), "passes": {}}
    csrf = secrets.token_hex(16)  # a 32-character secret: Django accepts it as the cookie and the header
    if anonymous_only(options):
        cookies = {"seeker_cookie": "", "writer_cookie": "", "csrf": csrf}
    else:
        cookies = {"seeker_cookie": session_cookie(seeker), "writer_cookie": session_cookie(writer), "csrf": csrf}

    def endpoints_now() -> list[Endpoint]:
        # Built again for each pass: the writes start from the applications saved at that moment.
        found = build_endpoints(**cookies)
        return [e for e in found if e.name in options.only or e.kind in options.only] if options.only else found

    endpoints = endpoints_now()
    log(f"run {repeat + 1}: {len(endpoints)} endpoints, {options.load.duration}s each, "
        f"{options.load.connections} connections (load average {os.getloadavg()[0]:.2f})")

    passes = [("cached", {})]
    if options.no_cache_pass:
        passes.append(("no_cache", {"CACHE_BYPASS": "1"}))
    if options.no_metrics_pass:
        passes.append(("no_metrics", {"PROMETHEUS_REQUEST_METRICS": "0"}))
    if options.silk_pass:
        passes.append(("silk", {"SILK_ENABLED": "1", "SILK_INTERCEPT_PERCENT": os.environ.get("SILK_INTERCEPT_PERCENT", "100")}))

    with ExitStack() as outer:
        # The ceiling is measured before every pass and after the last, on one bare server kept up
        # all along; each pass is compared with the ceilings on either side of it, so a machine
        # that got busier in the middle of the run moves the ceiling with the pass.
        bare = outer.enter_context(gunicorn("careercopilot.bare.wsgi", workers=options.workers, extra_env={}, metrics=False,
                                                ports=options.ports, threads=options.threads_per_worker))

        def ceiling() -> dict:
            row = measure(bare, Endpoint("ceiling", "bare", [Request("/")]), options.load, workdir)
            log(f"  ceiling: p50 {row['latency_ms']['p50']} ms, p95 {row['latency_ms']['p95']} ms, {row['rps']} req/s "
                f"(load average {os.getloadavg()[0]:.2f})")
            return row

        ceilings = [ceiling()]
        for index, (name, env) in enumerate(passes):
            if index:
                endpoints = endpoints_now()
            wanted = [e for e in endpoints if e.name in NO_METRICS_ENDPOINTS] if name == "no_metrics" else endpoints
            with ExitStack() as stack:
                if options.url and name == "cached":
                    server = Server(options.url.rstrip("/"), server_process_for(options.url), options.metrics_token)
                elif options.url:
                    log(f"  {name}: skipped (needs a server started by the suite, not --url)")
                    continue
                else:
                    if name == "silk":
                        _migrate_silk()
                    server = stack.enter_context(gunicorn("careercopilot.wsgi", workers=options.workers, extra_env=env,
                                                          ports=options.ports, threads=options.threads_per_worker))
                results = {}
                for endpoint in wanted:
                    if name != "no_cache":
                        warm_up(server, endpoint)
                    results[endpoint.name] = measure(server, endpoint, options.load, workdir)
                    row = results[endpoint.name]
                    log(f"  {name:10} {endpoint.name:20} p50 {row['latency_ms']['p50']:8.2f} ms  p95 {row['latency_ms']['p95']:8.2f} ms"
                        f"  {row['rps']:7.1f} req/s  errors {row['errors']}  sql/req {row['sql_queries_per_request']}"
                        f"  hit {row['cache_hit_rate']}")
                mixed = mix_requests(wanted) if name != "no_metrics" else []
                mix = measure(server, Endpoint("mix", "mix", mixed), options.load, workdir) if mixed else None
                if mix:
                    log(f"  {name:10} {'mix':20} p50 {mix['latency_ms']['p50']:8.2f} ms  {mix['rps']:7.1f} req/s")
            ceilings.append(ceiling())
            around = combine_ceilings(ceilings[-2:])
            run["passes"][name] = {"endpoints": with_ratios(results, around), "mix": mix, "ceiling": around}
    if options.crowds and not options.url:
        run["proxy"] = crowd_pass(options, workdir)
        run["proxy_workers"] = crowd_workers(options)
    run["ceilings"] = ceilings
    run["ceiling"] = combine_ceilings(ceilings)
    run["ceiling_spread"] = spread([c["rps"] for c in ceilings])
    run["load_average_at_end"] = list(os.getloadavg())
    return run


def crowd_workers(options: Options) -> int:
    return options.crowd_workers or production_workers()


def crowd_pass(options: Options, workdir: Path) -> dict:
    """The anonymous crowd (crowd_requests) through nginx (deploy/nginx/) in front of a fresh
    gunicorn with production settings and production's worker count (unless --crowd-workers),
    once per number of connections, `crowd_duration` s each."""
    from careercopilot.observability import nginx as proxy

    if not proxy.available():
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
    log = options.log
    requests = crowd_requests()
    results = {}
    with gunicorn("careercopilot.wsgi", workers=crowd_workers(options), extra_env={}, ports=options.ports,
                  threads=options.threads_per_worker) as server, \
            proxy.nginx(server.base.removeprefix("http://"), ports=options.ports, workers=os.cpu_count() or 1,
                        worker_connections=max(options.crowds) * 2 + 256) as base:
        front = Server(base, server.process, server.metrics_token)
        for connections in options.crowds:
            load = Load(options.crowd_duration, connections, max(1, min(options.load.threads, connections)), 0)
            cpu_before, wall_before, log_before = machine_cpu(), time.monotonic(), log_size(server.log)
            row = measure(front, Endpoint(f"crowd_{connections}", "anonymous", requests), load, workdir)
            if row.get("statuses") or any((row.get("error_detail") or {}).values()):
                # What gunicorn said while some answers failed: a 503 is a search over its statement
                # timeout or the database unavailable, and only the log tells which.
                row["server_log"] = server_log_between(server.log, log_before, log_size(server.log))
            row["cpu_split"] = cpu_split(cpu_before, machine_cpu(), row["requests"], time.monotonic() - wall_before)
            answered = row.get("answered_by") or {}
            total = sum(answered.values())
            row["connections"] = connections
            row["miss_share"] = round(answered.get("view", 0) / total, 3) if total else None
            row["load_average"] = list(os.getloadavg())
            results[str(connections)] = row
            log(f"  nginx      {connections:5d} connections  p50 {row['latency_ms']['p50']:8.2f} ms  p95 {row['latency_ms']['p95']:8.2f} ms"
                f"  p99 {row['latency_ms']['p99']:8.2f} ms  {row['rps']:7.1f} req/s  errors {row['error_detail']} statuses {row['statuses']}"
                f"  built by the view {row['miss_share']}  (load average {os.getloadavg()[0]:.2f})")
            for line in row.get("server_log", []):
                log(f"             gunicorn: {line}")
            if row["cpu_split"]:
                split = row["cpu_split"]
                log(f"             CPU ms per answer: {', '.join(f'{k} {v}' for k, v in split['cpu_ms_per_answer'].items())};"
                    f" machine busy {split['machine_busy_percent']} % of {split['cores']} cores: at most {split['answers_per_s_the_cores_allow']} answers/s")
    return results


# The no-metrics pass (request metrics off) needs only what shows their cost: the whole stack on
# a trivial view and a page from the cache.
NO_METRICS_ENDPOINTS = ("health", "home", "search_common")


def spread(values: list[float]) -> float:
    """(max - min) / median: how far repeated measurements of one thing differ."""
    values = [v for v in values if v is not None]
    if len(values) < 2 or not statistics.median(values):
        return 0.0
    return round((max(values) - min(values)) / statistics.median(values), 3)


def combine_ceilings(rows: list[dict]) -> dict:
    """Several measurements of the bare view as one: the mean of each percentile and of the rate."""
    keys = rows[0]["latency_ms"].keys()
    return {
        "kind": "bare", "measurements": len(rows), "requests": sum(r["requests"] for r in rows),
        "errors": sum(r["errors"] for r in rows),
        "latency_ms": {k: round(statistics.fmean(r["latency_ms"][k] for r in rows), 3) for k in keys},
        "rps": round(statistics.fmean(r["rps"] for r in rows), 1),
    }


def _migrate_silk() -> None:
    env = {**os.environ, **_database_env(), "SILK_ENABLED": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "silk", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def summarise(runs: list[dict]) -> dict:
    """Per endpoint of the cached pass: the median over repeats, and how far the repeats differ."""
    summary = {}
    first = runs[0]["passes"].get("cached", {}).get("endpoints", {})
    for name in first:
        rows = [run["passes"]["cached"]["endpoints"][name] for run in runs if name in run["passes"].get("cached", {}).get("endpoints", {})]
        p50 = [r["ratio_to_ceiling"]["p50"] for r in rows if r["ratio_to_ceiling"]["p50"] is not None]
        rps = [r["rps"] for r in rows]
        summary[name] = {
            "p50_ms_median": statistics.median(r["latency_ms"]["p50"] for r in rows),
            "p95_ms_median": statistics.median(r["latency_ms"]["p95"] for r in rows),
            "ratio_p50_median": statistics.median(p50) if p50 else None,
            "ratio_p50_spread": round((max(p50) - min(p50)) / statistics.median(p50), 3) if len(p50) > 1 and statistics.median(p50) else 0.0,
            "rps_spread": round((max(rps) - min(rps)) / statistics.median(rps), 3) if len(rps) > 1 and statistics.median(rps) else 0.0,
        }
    return summary


def compare(report: dict, old: dict) -> dict:
    """Endpoints whose p95, as a ratio to the ceiling measured in the same run, grew by more
    than 20 % since `old`: a machine busier as a whole moves both and flags nothing."""
    def ratios(rep):
        run = rep["runs"][0]["passes"].get("cached", {}).get("endpoints", {})
        return {name: row["ratio_to_ceiling"]["p95"] for name, row in run.items()}

    new, before = ratios(report), ratios(old)
    rows = {}
    for name, ratio in new.items():
        if name in before and before[name] and ratio:
            change = ratio / before[name] - 1
            rows[name] = {"old_ratio_p95": before[name], "new_ratio_p95": ratio, "change": round(change, 3),
                          "slower": change > SLOWER_THAN}
    return {"threshold": SLOWER_THAN, "endpoints": rows, "slower": sorted(n for n, r in rows.items() if r["slower"])}


# --- Writing the report ---------------------------------------------------------------------

def write_report(report: dict, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = report["started_at"].replace(":", "").replace("+0000", "Z")
    json_path = out_dir / f"perfsuite-{stamp}.json"
    md_path = json_path.with_suffix(".md")
    json_path.write_text(json.dumps(report, indent=2))
    charts = []
    for i, run in enumerate(report["runs"], 1):
        svg = out_dir / f"perfsuite-{stamp}-run{i}.svg"
        svg.write_text(bar_chart(run))
        charts.append(svg.name)
    md_path.write_text(markdown(report, charts))
    return json_path, md_path


def bar_chart(run: dict) -> str:
    """p50 and p95 of each endpoint as a ratio to the ceiling, one bar per pass (log scale)."""
    import math

    passes = list(run["passes"])
    # Every endpoint of any pass, in first-seen order: a pass can lack one (the writer had no
    # untracked posting left for write_track by the second pass), and its bar is simply absent.
    names = list(dict.fromkeys(n for p in passes for n in run["passes"][p]["endpoints"]))

    def ratio_of(p: str, n: str) -> float | None:
        row = run["passes"][p]["endpoints"].get(n)
        return (row["ratio_to_ceiling"]["p50"] or 1) if row else None

    colours = {"cached": "#2b6cb0", "no_cache": "#c05621", "silk": "#6b46c1"}
    row_h, bar_h, left, width = 14 * max(1, len(passes)) + 10, 12, 170, 560
    values = [v for p in passes for n in names if (v := ratio_of(p, n)) is not None]
    top = max(values + [2])
    scale = width / math.log10(top * 1.2)
    height = 40 + row_h * len(names) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<text x="4" y="14" font-weight="bold">p50 latency as a multiple of the bare Django view (log scale; 1 = ceiling)</text>']
    for i, name in enumerate(names):
        y = 30 + i * row_h
        out.append(f'<text x="4" y="{y + bar_h}">{name}</text>')
        for j, p in enumerate(passes):
            ratio = ratio_of(p, name)
            if ratio is None:
                out.append(f'<text x="{left}" y="{y + j * 14 + 10}" fill="#777">{p}: not measured</text>')
                continue
            w = max(1.0, math.log10(max(ratio, 1.0)) * scale)
            out.append(f'<rect x="{left}" y="{y + j * 14}" width="{w:.1f}" height="{bar_h}" fill="{colours.get(p, "#555")}"/>')
            out.append(f'<text x="{left + w + 4:.1f}" y="{y + j * 14 + 10}">{ratio}×</text>')
    legend_y = height - 12
    for j, p in enumerate(passes):
        out.append(f'<rect x="{left + j * 110}" y="{legend_y - 9}" width="10" height="10" fill="{colours.get(p, "#555")}"/>')
        out.append(f'<text x="{left + j * 110 + 14}" y="{legend_y}">{p}</text>')
    out.append("</svg>")
    return "\n".join(out)


def side_by_side(run: dict) -> list[str]:
    """Each endpoint's throughput as a multiple of the bare view's, one column per pass, and p95."""
    passes = list(run["passes"])
    if not passes:
        return []
    names = list(dict.fromkeys(n for p in passes for n in run["passes"][p]["endpoints"]))
    head = " | ".join(f"{p} × bare req/s | {p} p95 ms" for p in passes)
    lines = ["| endpoint | " + head + " |", "| --- |" + " ---: | ---: |" * len(passes)]
    for name in names:
        cells = []
        for p in passes:
            row = run["passes"][p]["endpoints"].get(name)
            cells += ([f"{row['ratio_to_ceiling']['rps']:.3f}", f"{row['latency_ms']['p95']:.1f}"] if row else ["", ""])
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines + [""]


def markdown(report: dict, charts: list[str]) -> str:
    env, st = report["environment"], report["settings"]
    lines = [
        f"# Performance suite, {report['started_at']}",
        "",
        f"Host {env['host']}: {env['cpus']} cores, {env['memory_gb']} GiB; {env['database']}; commit `{env['git_sha'][:12]}`.",
        f"Rows (estimated): {env['rows_estimated']}. Seeker `{st['seeker']}` with {st['seeker_applications']} applications.",
        f"Target: {st['target']}, {st['workers']} workers; wrk {st['threads']} threads, {st['connections']} connections, "
        f"{st['duration_s']} s per endpoint; load average at start {env['load_average_at_start'][0]:.2f}, "
        f"at end {env['load_average_at_end'][0]:.2f}.",
        "",
    ]
    for i, run in enumerate(report["runs"], 1):
        c = run["ceiling"]
        each = ", ".join(f"{row['rps']:.0f}" for row in run.get("ceilings", []))
        lines += [f"## Run {i} (load average {run['load_average_at_start'][0]:.2f} → {run['load_average_at_end'][0]:.2f})", "",
                  f"Ceiling (bare Django view, same gunicorn): p50 {c['latency_ms']['p50']} ms, p95 {c['latency_ms']['p95']} ms, "
                  f"{c['rps']} req/s" + (f" (measured before each pass and after the last: {each} req/s, spread "
                                         f"{run['ceiling_spread']:.0%}; each pass is divided by the two around it)" if each else "") + ".", ""]
        lines += side_by_side(run)
        for name, data in run["passes"].items():
            lines += [f"### Pass: {name}", "",
                      "| endpoint | p50 ms | p95 ms | p99 ms | req/s | × ceiling p50 | × ceiling p95 | errors | SQL/req | cache hit | CPU ms/req | RSS MB |",
                      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
            for ep, row in data["endpoints"].items():
                lat, ratio = row["latency_ms"], row["ratio_to_ceiling"]
                hit = "n/a" if row["cache_hit_rate"] is None else f"{row['cache_hit_rate']:.0%}"
                lines.append(f"| {ep} | {lat['p50']:.1f} | {lat['p95']:.1f} | {lat['p99']:.1f} | {row['rps']:.1f} | {ratio['p50']} | "
                             f"{ratio['p95']} | {row['errors']} | {row['sql_queries_per_request']} | {hit} | "
                             f"{row['server_cpu_ms_per_request']} | {row['server_rss_mb']} |")
            m = data["mix"]
            if m is None:
                lines.append("")
                continue
            lines += [f"| **mix** | {m['latency_ms']['p50']:.1f} | {m['latency_ms']['p95']:.1f} | {m['latency_ms']['p99']:.1f} | "
                      f"{m['rps']:.1f} | | | {m['errors']} | {m['sql_queries_per_request']} | "
                      f"{'n/a' if m['cache_hit_rate'] is None else format(m['cache_hit_rate'], '.0%')} | {m['server_cpu_ms_per_request']} | {m['server_rss_mb']} |", ""]
        if run.get("proxy"):
            lines += [f"### Through nginx: mixed anonymous crowd ({run.get('proxy_workers', st['workers'])} gunicorn workers)", "",
                      "| connections | p50 ms | p95 ms | p99 ms | req/s | errors (connect/read/write/status/timeout) | "
                      "non-2xx by code | nginx cache | Django cache | built by the view | load average |",
                      "| ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |"]
            for connections, row in run["proxy"].items():
                lat, e, a = row["latency_ms"], row["error_detail"], row.get("answered_by") or {}
                lines.append(f"| {connections} | {lat['p50']:.1f} | {lat['p95']:.1f} | {lat['p99']:.1f} | {row['rps']:.1f} | "
                             f"{e['connect']}/{e['read']}/{e['write']}/{e['status']}/{e['timeout']} | "
                             f"{', '.join(f'{code}: {n}' for code, n in sorted((row.get('statuses') or {}).items())) or 'none'} | {a.get('nginx_cache', 0)} | "
                             f"{a.get('django_cache', 0)} | {a.get('view', 0)} ({row['miss_share'] or 0:.0%}) | {row['load_average'][0]:.2f} |")
            lines.append("")
            splits = {c: r["cpu_split"] for c, r in run["proxy"].items() if r.get("cpu_split")}
            if splits:
                parts = list(next(iter(splits.values()))["cpu_ms_per_answer"])
                lines += ["CPU ms per answered request, by program (the whole machine's busy time last), and the answers a second "
                          "the cores allow at that cost:", "",
                          f"| connections | {' | '.join(parts)} | machine busy % | answers/s the cores allow |",
                          f"| ---: | {' | '.join('---:' for _ in parts)} | ---: | ---: |"]
                for c, split in splits.items():
                    lines.append(f"| {c} | {' | '.join(str(split['cpu_ms_per_answer'][p]) for p in parts)} | "
                                 f"{split['machine_busy_percent']} | {split['answers_per_s_the_cores_allow']} |")
                lines.append("")
            for c, r in run["proxy"].items():
                if r.get("server_log"):
                    lines += [f"What gunicorn wrote while {c} connections got failed answers (its last lines):", "", "```",
                              *r["server_log"], "```", ""]
        if i <= len(charts):
            lines += [f"![p50 as a multiple of the ceiling]({charts[i - 1]})", ""]
    if len(report["runs"]) > 1:
        lines += ["## Repeatability (cached pass)", "", "| endpoint | median p50 ms | median × ceiling | spread of × ceiling | spread of req/s |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for ep, s in report["summary"].items():
            lines.append(f"| {ep} | {s['p50_ms_median']:.1f} | {s['ratio_p50_median']} | {s['ratio_p50_spread']:.0%} | {s['rps_spread']:.0%} |")
        lines.append("")
    if "compare" in report:
        cmp = report["compare"]
        lines += [f"## Compared with the earlier report (p95 as a ratio to the ceiling; flagged above +{cmp['threshold']:.0%})", "",
                  "| endpoint | before | now | change | |", "| --- | ---: | ---: | ---: | --- |"]
        for ep, row in cmp["endpoints"].items():
            lines.append(f"| {ep} | {row['old_ratio_p95']} | {row['new_ratio_p95']} | {row['change']:+.0%} | {'**slower**' if row['slower'] else ''} |")
        lines.append("")
    return "\n".join(lines)
