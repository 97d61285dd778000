"""manage.py perfsuite: the repeatable profiling workflow (careercopilot/observability/perf.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careercopilot.observability import perf


class Command(BaseCommand):
    help = ("Load every endpoint of a realistic mix with wrk against a gunicorn started with production settings "
            "(or --url), beside a bare Django view as the ceiling, a no-cache pass and a silk pass; writes JSON "
            "and Markdown with SVG charts under reports/performance/.")

    def add_arguments(self, parser):
        parser.add_argument("--url", help="a running server to load instead (loopback only unless --allow-remote); "
                                          "it must use this command's DATABASE_URL (sessions are written there)")
        parser.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --url")
        parser.add_argument("--metrics-token", default="", help="METRICS_TOKEN of the --url server, for SQL and cache figures")
        parser.add_argument("--workers", type=int, default=2,
                            help="gunicorn workers of the servers it starts for the endpoint table (default 2, the issue's setting)")
        parser.add_argument("--crowd-workers", type=int, default=None,
                            help="gunicorn workers of the crowd's server (default: production's, GUNICORN_WORKERS' default in "
                                 f"gunicorn.conf.py, two per core: {perf.production_workers()} here)")
        parser.add_argument("--users", type=int, default=8, help="concurrent connections (default 8)")
        parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
        parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint (default 10)")
        parser.add_argument("--requests", type=int, default=0, help="request budget per wrk thread and endpoint (0: none)")
        parser.add_argument("--mix", default="", help="comma-separated endpoint names or kinds (anonymous, seeker, api, write); default all")
        parser.add_argument("--seeker", help="username whose pages are measured (default: the one with most applications)")
        parser.add_argument("--skip-no-cache", action="store_true", help="leave out the pass with every cache bypassed")
        parser.add_argument("--no-metrics-pass", action="store_true",
                            help="add a pass with django-prometheus's request metrics off (health, home, search_common) to show their cost")
        parser.add_argument("--crowd", default="", help="comma-separated connection counts: a mixed anonymous load "
                            "(>= 40%% of pages not cached) through nginx (deploy/nginx/), e.g. 200,1000")
        parser.add_argument("--crowd-duration", type=int, default=60, help="seconds per crowd load (default 60)")
        parser.add_argument("--skip-silk", action="store_true", help="leave out the pass with silk on (it migrates silk's tables)")
        parser.add_argument("--repeat", type=int, default=1, help="run the whole suite N times and report the spread")
        parser.add_argument("--compare", type=Path, help="an earlier report's JSON: flag endpoints >20%% slower relative to the ceiling")
        parser.add_argument("--gunicorn-threads", type=int, default=1,
                            help="threads per gunicorn worker of the servers it starts (default 1: sync workers; above 1: gthread)")
        parser.add_argument("--ports", default="", help="LOW-HIGH: the ports for the servers it starts (default 21500-21599)")
        parser.add_argument("--out", type=Path, default=perf.ROOT / "reports" / "performance", help="report folder")

    def handle(self, *args, **opts):
        if opts["compare"] and not opts["compare"].exists():
            raise CommandError(f"--compare: {opts['compare']} does not exist")
        try:
            ports = perf.ports_from(opts["ports"]) if opts["ports"] else perf.PORTS
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        options = perf.Options(
            url=opts["url"], allow_remote=opts["allow_remote"], workers=opts["workers"], crowd_workers=opts["crowd_workers"],
            threads_per_worker=max(1, opts["gunicorn_threads"]), ports=ports,
            load=perf.Load(opts["duration"], opts["users"], opts["threads"], opts["requests"]),
            only=[name.strip() for name in opts["mix"].split(",") if name.strip()] or None,
            seeker=opts["seeker"], no_cache_pass=not opts["skip_no_cache"],
            no_metrics_pass=opts["no_metrics_pass"],
            crowds=[int(n) for n in opts["crowd"].split(",") if n.strip()], crowd_duration=opts["crowd_duration"], silk_pass=not opts["skip_silk"],
            metrics_token=opts["metrics_token"], repeat=max(1, opts["repeat"]), out_dir=opts["out"],
            compare=opts["compare"], log=lambda line: self.stdout.write(line),
        )
        try:
            report = perf.run_suite(options)
        except (ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        json_path, md_path = perf.write_report(report, opts["out"])
        self.stdout.write(f"wrote {json_path} and {md_path}")
        if report.get("compare", {}).get("slower"):
            self.stdout.write(self.style.WARNING("slower than before: " + ", ".join(report["compare"]["slower"])))
