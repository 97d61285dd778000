"""Instructions and CPU a page costs when the view builds it: callgrind per request, and the
host's instructions per millisecond measured on the same requests run natively.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc_bench REDIS_URL=redis://127.0.0.1:6379/13 \
      .venv/bin/python scripts/profile_pages.py [--pages search_common,posting] [--requests 3]

Each page kind runs in its own process under `valgrind --tool=callgrind`, with instrumentation
off until its warm-up requests are done (imports, compiled statements, connections), then on for
`--requests` requests, one dump each (a small C shim issues callgrind's client requests). The
requests go through Django's WSGI handler as gunicorn sends them (`DEBUG=0`, the whole middleware
stack), with `CACHE_BYPASS=1` so every page is built afresh, except `seeker_kept` (a logged-in
search answered from its kept results block). The database connection is read-only
(`default_transaction_read_only`): the shared full-size database is never written. The seeker's
session is put in the cache only (cached_db reads it there first).

Then each kind runs natively (`--native` requests after the same warm-up) for its median thread
CPU time a request; instructions a request over that is this host's instructions per ms.
The report (Markdown, stdout and `--out`/profile.md) gives per kind: M instructions a request, the
native CPU ms, and the hottest C functions (callgrind_annotate, inclusive and self).
"""

from __future__ import annotations

import argparse
import cProfile
import ctypes
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIM = r"""
#include <valgrind/callgrind.h>
void cc_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void cc_dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
void cc_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
"""
SEEKER_SECRET = "profile-pages-only-" + "x" * 40  # the sessions it signs live in this process's cache only


def page_kinds(common: str, rare: str, seeker: str) -> dict[str, dict]:
    return {
        "search_common": {"path": "/jobs/", "query": f"q={common}"},
        "search_rare": {"path": "/jobs/", "query": f"q={rare}"},
        "seeker_fresh": {"path": "/jobs/", "query": f"q={common}", "seeker": seeker},
        "seeker_kept": {"path": "/jobs/", "query": f"q={common}", "seeker": seeker, "cache": True},
        "posting": {"posting": True},
        "posting_gzip": {"posting": True, "gzip": True},
        # Answered from Django's page cache: what an anonymous visitor's repeat of a page costs.
        "stored_home": {"path": "/", "query": "", "cache": True},
        "stored_search": {"path": "/jobs/", "query": f"q={common}", "cache": True},
        "stored_search_gzip": {"path": "/jobs/", "query": f"q={common}", "cache": True, "gzip": True},
    }


def child_env(kind: dict) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "careercopilot.settings", "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0",
        "DEBUG": "0", "SECRET_KEY": SEEKER_SECRET, "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
        "STATIC_MANIFEST": "0", "THROTTLE_SEARCH": "1000000/m",
        # Never a write to the database profiled: any would fail, and the request with it.
        "PGOPTIONS": "-c default_transaction_read_only=on",
        # A cache of its own: another run's kept blocks and stored pages are never read.
        "CACHE_KEY_PREFIX": f"profile-pages-{os.getpid()}",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if kind.get("cache"):
        env.pop("CACHE_BYPASS", None)
    else:
        env["CACHE_BYPASS"] = "1"
    return env


# --- inside the measured process ------------------------------------------------------------

def _shim(directory: str):
    source, library = Path(directory) / "shim.c", Path(directory) / "shim.so"
    if not library.exists():
        source.write_text(SHIM)
        subprocess.run(["cc", "-O1", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    return ctypes.CDLL(str(library))


def _environ(path: str, query: str, *, cookie: str = "", gzip: bool = False) -> dict:
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) profile_pages",
        "HTTP_ACCEPT": "text/html,application/xhtml+xml", "HTTP_ACCEPT_LANGUAGE": "en",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    if gzip:
        environ["HTTP_ACCEPT_ENCODING"] = "gzip, deflate, br"
    return environ


def _seeker_cookie(name: str) -> str:
    """A session for seeker `name`, in the cache only (cached_db reads the cache before its table)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.utils.crypto import get_random_string

    from careercopilot.sessions import SessionStore

    user = get_user_model().objects.get(username=name)
    store = SessionStore(session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"))
    data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash()}
    store._cache.set(store.cache_key, data, 3600)
    # And the CSRF cookie a browser that has seen a page before sends (without it each page makes a new secret).
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}; {settings.CSRF_COOKIE_NAME}={'k' * 32}"


def _postings(count: int) -> list[tuple[int, str]]:
    """`count` open postings spread over the table, the same ones every run."""
    from jobs.models import Job

    last = Job.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    step = max(1, last // (count * 3))
    ids = list(range(step, last + 1, step))[: count * 3]
    found = dict(Job.objects.filter(pk__in=ids, is_active=True).values_list("pk", "slug"))
    return [(pk, found[pk]) for pk in ids if pk in found][:count]


def _where(key) -> str:
    filename, line, function = key
    for marker in ("site-packages/", str(ROOT) + "/", "/lib/python3"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{filename}:{line} {function}" if line else function


def measure(name: str, kind: dict, *, warmup: int, requests: int, native: int, instrument: str | None,
            top: int = 25) -> dict:
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    cookie = _seeker_cookie(kind["seeker"]) if kind.get("seeker") else ""
    if kind.get("posting"):
        pages = [(f"/jobs/{pk}/{slug}/", "") for pk, slug in _postings(warmup + native + requests)]
    else:
        pages = [(kind["path"], kind["query"])]
    statuses, sizes = [], []

    def get(i: int) -> None:
        path, query = pages[i % len(pages)]
        status = []
        response = application(_environ(path, query, cookie=cookie, gzip=kind.get("gzip", False)),
                               lambda s, headers, exc_info=None: status.append((s, headers)))
        try:
            size = sum(len(chunk) for chunk in response)
        finally:
            response.close()
        statuses.append(status[0][0])
        sizes.append(size)

    for i in range(warmup):
        get(i)
    result = {"name": name, "warmup_statuses": sorted(set(statuses))}
    statuses.clear()
    if instrument:
        shim = _shim(instrument)
        for i in range(requests):
            shim.cc_start()
            get(warmup + i)
            shim.cc_dump(f"{name}-{i}".encode())
            shim.cc_stop()
    else:
        cpu = []
        for i in range(native):
            start = time.thread_time_ns()
            get(warmup + i)
            cpu.append((time.thread_time_ns() - start) / 1e6)
        result["cpu_ms"] = cpu
        # Python functions by own time, under cProfile (its overhead inflates small calls: a
        # ranking of where the Python goes, not a measure).
        profiler = cProfile.Profile(time.thread_time)  # CPU, not the waits on PostgreSQL and Redis
        profiler.enable()
        for i in range(requests):
            get(warmup + native + i)
        profiler.disable()
        stats = pstats.Stats(profiler)
        rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # (cc, nc, tt, ct, callers)
        total = sum(value[2] for _key, value in rows) or 1
        result["python_self"] = [(value[2] / total, value[1] // max(requests, 1), _where(key)) for key, value in rows[:top]]
        rows.sort(key=lambda item: item[1][3], reverse=True)
        result["python_cumulative"] = [(value[3] / total, value[1] // max(requests, 1), _where(key)) for key, value in rows[:top]
                                       if "site-packages/gunicorn" not in key[0]]
    result.update(statuses=sorted(set(statuses)), bytes=statistics.mean(sizes) if sizes else 0,
                  logged_in=bool(cookie))
    return result


def save_html(directory: str, terms: list[str], seeker: str, postings: int) -> None:
    """Each page kind's HTML for `terms` and `postings` postings, to diff one tree's pages with
    another's (masked: CSRF tokens, new on every response, the facets' sampled "~N" counts and the
    relative times, which move between two runs minutes apart)."""
    import re

    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    cookie = _seeker_cookie(seeker)
    pages = [(f"search-{i}", "/jobs/", f"q={term}", "") for i, term in enumerate(terms)]
    pages += [(f"seeker-{i}", "/jobs/", f"q={term}", cookie) for i, term in enumerate(terms)]
    pages += [(f"posting-{pk}", f"/jobs/{pk}/{slug}/", "", "") for pk, slug in _postings(postings)]
    token = re.compile(rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')
    sampled = re.compile(rb'\(~[0-9,]+\)')
    relative = re.compile(rb'(<time [^>]*>)(?:just now|in [0-9]+ [a-z]+|[0-9]+ [a-z]+ ago)</time>')
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name, path, query, with_cookie in pages:
        status = []
        response = application(_environ(path, query, cookie=with_cookie), lambda s, h, e=None: status.append(s))
        body = b"".join(response)
        response.close()
        (out / f"{name}.html").write_bytes(status[0].encode() + b"\n" + relative.sub(rb"\1(ago)</time>", sampled.sub(b"(~N)", token.sub(rb"\1(token)", body))))
    # A seeker's page answered from its kept block (the pages above are built: CACHE_BYPASS): the
    # second request of each, with the cache on (this process's own key prefix).
    from django.test import override_settings

    with override_settings(CACHE_BYPASS=False):
        for i, term in enumerate(terms):
            for _ in range(2):
                status = []
                response = application(_environ("/jobs/", f"q={term}", cookie=cookie), lambda s, h, e=None: status.append(s))
                body = b"".join(response)
                response.close()
            (out / f"seeker-kept-{i}.html").write_bytes(status[0].encode() + b"\n" + relative.sub(rb"\1(ago)</time>", sampled.sub(b"(~N)", token.sub(rb"\1(token)", body))))


# --- the driver ------------------------------------------------------------------------------

def _instructions(dump: Path) -> int:
    for line in dump.read_text(errors="replace").splitlines():
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])
    raise ValueError(f"no totals in {dump}")


def _annotate(dumps: list[Path], top: int) -> list[tuple[int, str]]:
    """The C functions with most instructions of their own (CPython's, libc's, psycopg's...),
    summed over the dumps. callgrind_annotate reads one profile (further arguments are source
    files to annotate), so each dump is annotated on its own."""
    totals: Counter[str] = Counter()
    for dump in dumps:
        text = subprocess.run(["callgrind_annotate", "--threshold=100", str(dump)],
                              capture_output=True, text=True, check=True).stdout
        for line in text.split("file:function", 1)[-1].splitlines():
            parts = line.strip().split(None, 1)
            if len(parts) == 2 and parts[0].replace(",", "").isdigit():
                label = parts[1].split(")", 1)[-1].strip()  # drop the "(12.3%)" column
                where, _, function = label.rpartition(":")
                totals[f"{function} ({Path(where).name})"] += int(parts[0].replace(",", ""))
    return [(count, label) for label, count in totals.most_common(top)]


def run_kind(name: str, kind: dict, args, out: Path) -> dict:
    payload = json.dumps({"name": name, "kind": kind, "warmup": args.warmup, "requests": args.requests,
                          "native": args.native, "top": args.top})
    env = child_env(kind)
    prefix = out / name
    prefix.mkdir(parents=True, exist_ok=True)
    for old in prefix.glob("callgrind.out*"):
        old.unlink()
    command = [sys.executable, __file__, "--child", payload, "--instrument", str(out)]
    if not args.no_callgrind:
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", "--dump-instr=no",
                        f"--callgrind-out-file={prefix}/callgrind.out.%p", *command],
                       env=env, check=True, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    # callgrind.out.<pid>.<n>, one a request (callgrind.out.<pid>, written at exit, is empty)
    dumps = sorted((d for d in prefix.glob("callgrind.out.*.*")), key=lambda d: int(d.name.rsplit(".", 1)[1]))
    counts = [_instructions(d) for d in dumps] or [0]
    native = subprocess.run([sys.executable, __file__, "--child", payload], env=env, check=True, cwd=ROOT,
                            capture_output=True, text=True)
    measured = json.loads(native.stdout.strip().splitlines()[-1])
    return {"name": name, "instructions": counts, "dumps": [str(d) for d in dumps],
            "cpu_ms": measured["cpu_ms"], "statuses": measured["statuses"], "bytes": measured["bytes"],
            "logged_in": measured["logged_in"], "c_self": _annotate(dumps, args.top) if dumps else [],
            "python_self": measured["python_self"], "python_cumulative": measured["python_cumulative"]}


def report(results: list[dict], args) -> str:
    lines = [f"# Page profiles ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
             f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())})", "",
             f"Warm-up {args.warmup} requests, then {args.requests} under callgrind, {args.native} natively "
             f"(terms: common '{args.common}', rare '{args.rare}'; seeker '{args.seeker}').", "",
             "| page | M instructions a request (each) | native CPU ms, median (min) | M instructions / CPU ms | status | bytes |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        mean = statistics.mean(r["instructions"]) / 1e6
        median = statistics.median(r["cpu_ms"])
        lines.append(f"| {r['name']} | **{mean:.2f}** ({', '.join(f'{c / 1e6:.2f}' for c in r['instructions'])}) | "
                     f"{median:.2f} ({min(r['cpu_ms']):.2f}) | {mean / median:.2f} | {', '.join(r['statuses'])} | "
                     f"{r['bytes']:.0f} |")
    for r in results:
        total = sum(r["instructions"]) or 1
        lines += ["", f"## {r['name']}", "", "C functions by own instructions (callgrind; M a request, share):", ""]
        lines += [f"- {count / len(r['instructions']) / 1e6:.2f} M ({100 * count / total:.1f} %) `{label}`"
                  for count, label in r["c_self"]]
        for mode, title in (("python_self", "own"), ("python_cumulative", "cumulative")):
            lines += ["", f"Python functions by {title} time (cProfile; share of the request's, calls a request):", ""]
            lines += [f"- {100 * share:.1f} % ×{calls} `{where}`" for share, calls, where in r[mode]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", default="search_common,search_rare,seeker_fresh,seeker_kept,posting,posting_gzip")
    parser.add_argument("--common", default="regress")
    parser.add_argument("--rare", default="coo")
    parser.add_argument("--seeker", default="heavy")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--requests", type=int, default=3)
    parser.add_argument("--native", type=int, default=15)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "profile-pages"))
    parser.add_argument("--no-callgrind", action="store_true", help="the native CPU and cProfile only")
    parser.add_argument("--save-html", metavar="DIR", help="write the pages of --terms and --postings to DIR, measure nothing")
    parser.add_argument("--terms", default="regress,coo,design,senior data engineer,python,nurse,sales manager")
    parser.add_argument("--postings", type=int, default=100)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-html", help=argparse.SUPPRESS)
    parser.add_argument("--instrument", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_html:
        sys.path.insert(0, str(ROOT))
        save_html(*json.loads(args.child_html))
        return
    if args.child:
        job = json.loads(args.child)
        sys.path.insert(0, str(ROOT))
        result = measure(job["name"], job["kind"], warmup=job["warmup"], requests=job["requests"],
                         native=job["native"], instrument=args.instrument, top=job["top"])
        print(json.dumps(result))
        return
    if args.save_html:
        env = child_env({})
        command = [sys.executable, __file__, "--child-html", json.dumps([args.save_html, args.terms.split(","), args.seeker,
                                                                          args.postings])]
        subprocess.run(command, env=env, check=True, cwd=ROOT)
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    kinds = page_kinds(args.common, args.rare, args.seeker)
    results = []
    for name in args.pages.split(","):
        results.append(run_kind(name, kinds[name], args, out))
        print(f"{name}: {statistics.mean(results[-1]['instructions']) / 1e6:.2f} M", file=sys.stderr)
    text = report(results, args)
    (out / "profile.md").write_text(text)
    (out / "profile.json").write_text(json.dumps(results, indent=1))
    print(text)


if __name__ == "__main__":
    main()
