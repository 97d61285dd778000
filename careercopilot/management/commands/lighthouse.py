"""Lighthouse on the pages people judge us by: home, search, a job page, the dashboard and the board.

Mobile (Lighthouse's default: a mid-range phone, slow 4G, simulated) and desktop (`--preset=desktop`)
for each page; the dashboard and the board as a signed-in seeker, whose session cookie is sent as an
extra header. Lighthouse itself is npm's `lighthouse`, pinned in scripts/lighthouse/package.json and
installed there by `npm ci` (into a git-ignored node_modules) on first use; it drives Debian's
chromium (CHROME_PATH). The JSON and HTML reports and a summary (summary.md, summary.json) land in
--out (reports/lighthouse/, git-ignored); the summary table is printed.

Without --base-url a gunicorn with production settings (DEBUG=0, hashed static files; run
collectstatic first) is started on this process's database and cache, as perfsuite does.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import shutil
import subprocess
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from careercopilot.observability.perf import ROOT, check_target, gunicorn

PACKAGE = ROOT / "scripts" / "lighthouse"
PORTS = range(21600, 21700)  # beside perfsuite's share
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGETS = {"performance": 98, "accessibility": 100, "best-practices": 100, "seo": 100}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
ATTEMPTS = 3


def _lighthouse_binary() -> Path:
    binary = PACKAGE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise CommandError("npm is needed to install Lighthouse (apt-get install npm)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PACKAGE, check=True)
    return binary


def _session_cookie(base: str, username: str, password: str) -> str:
    """Log in through the login form, as a browser would, and return the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/login/", timeout=30).read()
    csrf = next((cookie.value for cookie in jar if cookie.name == settings.CSRF_COOKIE_NAME), "")
    form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": csrf}).encode()
    request = urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": f"{base}/login/"})
    opener.open(request, timeout=30).read()
    session = next((cookie.value for cookie in jar if cookie.name == settings.SESSION_COOKIE_NAME), None)
    if session is None:
        raise CommandError(f"could not log in as {username!r} at {base}/login/")
    return f"{settings.SESSION_COOKIE_NAME}={session}"


def _a_job_path() -> str:
    from jobs.models import Job

    job = Job.objects.active().order_by("-posted_at", "-id").only("id", "slug", "title").first()
    if job is None:
        raise CommandError("no active posting to audit: seed some (manage.py seed_demo)")
    return job.get_absolute_url()


def _scores(report: dict) -> dict:
    row = {name: round((report["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}
    row["bytes"] = int(report["audits"]["total-byte-weight"]["numericValue"])
    row["requests"] = len(report["audits"].get("network-requests", {}).get("details", {}).get("items", []))
    # Lighthouse's measure of this machine's CPU at the time (a free core here: ~750; a desktop:
    # 1,000+). Mobile throttling multiplies what it measured, so a busy machine costs mobile scores.
    row["cpu_index"] = round(report.get("environment", {}).get("benchmarkIndex") or 0)
    row["missed"] = sorted({
        ref["id"] for name in CATEGORIES for ref in report["categories"][name]["auditRefs"]
        if ref.get("weight") and (report["audits"][ref["id"]].get("score") is not None)
        and report["audits"][ref["id"]]["score"] < 1
    })
    return row


class Command(BaseCommand):
    help = "Run Lighthouse (mobile and desktop) on home, search, a job page, the dashboard and the board."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="", help="a running server (default: start gunicorn with DEBUG=0)")
        parser.add_argument("--port-range", default=f"{PORTS.start}-{PORTS.stop - 1}", help="for the gunicorn it starts")
        parser.add_argument("--username", default="demo", help="the seeker whose dashboard and board are audited")
        parser.add_argument("--password", default="demo-password-123")
        parser.add_argument("--search", default="/jobs/?q=engineer", help="the search page's path")
        parser.add_argument("--job", default="", help="a job page's path (default: the newest active posting)")
        parser.add_argument("--pages", default="home,search,job,dashboard,board", help="which of the five, comma-separated")
        parser.add_argument("--form-factors", default="mobile,desktop")
        parser.add_argument("--runs", type=int, default=1, help="runs per page and form factor; the median by performance is kept")
        parser.add_argument("--out", default=str(ROOT / "reports" / "lighthouse"))
        parser.add_argument("--check", action="store_true", help="exit non-zero when a score misses its target")

    def handle(self, *args, **opts):
        binary = _lighthouse_binary()
        out = Path(opts["out"])
        out.mkdir(parents=True, exist_ok=True)
        pages = {
            "home": ("/", False), "search": (opts["search"], False), "job": (opts["job"] or _a_job_path(), False),
            "dashboard": ("/dashboard/", True), "board": ("/applications/board/", True),
        }
        chosen = [name.strip() for name in opts["pages"].split(",") if name.strip()]
        unknown = set(chosen) - set(pages)
        if unknown:
            raise CommandError(f"unknown page(s): {', '.join(sorted(unknown))}; choose from {', '.join(pages)}")
        form_factors = [name.strip() for name in opts["form_factors"].split(",") if name.strip()]
        with ExitStack() as stack:
            base = opts["base_url"].rstrip("/")
            if base:
                check_target(base, allow_remote=False)
            else:
                start, _, stop = opts["port_range"].partition("-")
                server = stack.enter_context(gunicorn(
                    "careercopilot.wsgi", workers=2, metrics=False, ports=range(int(start), int(stop) + 1),
                    extra_env={"STATIC_MANIFEST": "1", "ALLOWED_HOSTS": "localhost,127.0.0.1"},
                ))
                # localhost: a secure context for the browser, as the site is on HTTPS in production.
                base = server.base.replace("127.0.0.1", "localhost")
            cookie = _session_cookie(base, opts["username"], opts["password"]) if any(pages[n][1] for n in chosen) else ""
            rows = []
            for name in chosen:
                path, signed_in = pages[name]
                for form_factor in form_factors:
                    runs = [self._run(binary, base + path, name, form_factor, run, out, cookie if signed_in else "")
                            for run in range(opts["runs"])]
                    runs.sort(key=lambda row: row["performance"])
                    row = runs[len(runs) // 2] if len(runs) % 2 else runs[len(runs) // 2 - 1]
                    if len(runs) > 1:
                        row["performance_runs"] = [run["performance"] for run in runs]
                    rows.append({"page": name, "path": path, "form_factor": form_factor, **row})
        self._summarise(rows, out, opts["check"])

    def _run(self, binary: Path, url: str, name: str, form_factor: str, run: int, out: Path, cookie: str) -> dict:
        stem = out / (f"{name}-{form_factor}" + (f"-{run + 1}" if run else ""))
        command = [
            str(binary), url, "--quiet", "--output=json", "--output=html", f"--output-path={stem}",
            f"--chrome-flags={CHROME_FLAGS}", f"--only-categories={','.join(CATEGORIES)}",
        ]
        if form_factor == "desktop":
            command.append("--preset=desktop")
        if cookie:
            command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        report_path = Path(f"{stem}.report.json")
        for attempt in range(ATTEMPTS):
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
            if done.returncode == 0 and report_path.exists():
                break
            # A busy machine sometimes loses the trace (NO_NAVSTART, NO_FCP): Lighthouse says to run again.
            self.stderr.write(f"lighthouse failed on {url} ({form_factor}), attempt {attempt + 1}: {done.stderr.strip()[-300:]}")
        else:
            raise CommandError(f"lighthouse failed on {url} ({form_factor}) {ATTEMPTS} times: {done.stderr[-2000:]}")
        report = json.loads(report_path.read_text())
        if report.get("runtimeError"):
            raise CommandError(f"lighthouse could not load {url}: {report['runtimeError']}")
        landed = urllib.parse.urlsplit(report.get("finalDisplayedUrl", url))
        if landed.path != urllib.parse.urlsplit(url).path:
            raise CommandError(f"{url} ended at {landed.path} (a redirect: not logged in?), not the page asked for")
        return _scores(report)

    def _summarise(self, rows: list[dict], out: Path, check: bool) -> None:
        lines = [
            "| page | form factor | performance | accessibility | best practices | SEO | bytes (KiB) | requests | CPU index |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        misses = []
        for row in rows:
            performance = str(row["performance"])
            if "performance_runs" in row:
                performance += f" (runs {', '.join(map(str, row['performance_runs']))})"
            lines.append(
                f"| {row['page']} | {row['form_factor']} | {performance} | {row['accessibility']} | "
                f"{row['best-practices']} | {row['seo']} | {row['bytes'] / 1024:.1f} | {row['requests']} | {row['cpu_index']} |"
            )
            for name, target in TARGETS.items():
                if row[name] < target:
                    misses.append(f"{row['page']} {row['form_factor']}: {name} {row[name]} < {target} "
                                  f"(audits below 1: {', '.join(row['missed']) or 'none'})")
        table = "\n".join(lines)
        (out / "summary.md").write_text(table + "\n")
        (out / "summary.json").write_text(json.dumps(rows, indent=2) + "\n")
        self.stdout.write(table)
        self.stdout.write(f"\nReports: {out}/<page>-<form factor>.report.html (and .json); this table: {out}/summary.md")
        if misses:
            self.stdout.write("\nBelow target:\n  " + "\n  ".join(misses))
            if check:
                raise CommandError(f"{len(misses)} score(s) below target")
        elif rows:
            self.stdout.write("\nEvery score meets its target.")
