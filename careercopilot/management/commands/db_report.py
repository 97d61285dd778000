"""manage.py db_report: the slow-query and index analysis (careercopilot/observability/dbreport.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count

from careercopilot.observability import dbreport

ROOT = Path(__file__).resolve().parents[3]


class Command(BaseCommand):
    help = ("Top statements from pg_stat_statements, EXPLAIN (ANALYZE, BUFFERS) of the hot queries, unused "
            "indexes, sequentially scanned tables, unindexed foreign keys, cache hit ratios; written to "
            "reports/performance/db-report-<date>.md.")

    def add_arguments(self, parser):
        parser.add_argument("--seeker", help="username whose pipeline, board, dashboard and recommendations are explained "
                                             "(default: the one with most applications)")
        parser.add_argument("--no-explain", action="store_true", help="leave out the EXPLAIN ANALYZE section")
        parser.add_argument("--out", type=Path, default=ROOT / "reports" / "performance", help="report folder")

    def handle(self, *args, seeker, no_explain, out, **options):
        if connection.vendor != "postgresql":
            raise CommandError("db_report reads PostgreSQL's statistics; set DATABASE_URL to a PostgreSQL database.")
        User = get_user_model()
        if seeker:
            user = User.objects.filter(username=seeker).first()
            if user is None:
                raise CommandError(f"no user named {seeker!r}")
        else:
            user = (User.objects.filter(username="heavy").first()  # seed_demo --heavy-seeker
                    or User.objects.annotate(n=Count("applications")).order_by("-n").first()) if not no_explain else None
        usable, message = dbreport.statements_status()
        if not usable:
            self.stderr.write(self.style.WARNING(message))
        text = dbreport.build_report(seeker=user, explain_hot=not no_explain)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"db-report-{datetime.now(UTC):%Y-%m-%d}.md"
        path.write_text(text)
        self.stdout.write(f"wrote {path}")
