"""Recompute stored metrics now: one user, every user, or the platform figures."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analytics import services


class Command(BaseCommand):
    help = "Recompute per-user metrics (--user ID, --all) and, with --platform, trending and daily stats."

    def add_arguments(self, parser):
        parser.add_argument("--user", type=int, action="append", dest="users", metavar="ID", help="a user id (repeatable)")
        parser.add_argument("--all", action="store_true", help="every user, in batches")
        parser.add_argument("--platform", action="store_true", help="also trending postings/skills and daily stats")
        parser.add_argument("--batch-size", type=int, default=services.BATCH_SIZE)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs, CI)")

    def handle(self, *args, users=None, all=False, platform=False, batch_size=services.BATCH_SIZE, no_progress=False, **options):
        if not (users or all or platform):
            raise CommandError("Say what to recompute: --user ID, --all, or --platform.")
        if users and all:
            raise CommandError("Use either --user or --all, not both.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        started = time.perf_counter()
        if users:
            missing = set(users) - set(get_user_model().objects.filter(id__in=users).values_list("id", flat=True))
            if missing:
                raise CommandError(f"No user with id {', '.join(map(str, sorted(missing)))}.")
            done = self._with_progress(len(set(users)), no_progress, lambda progress: services.user_metrics_recompute(
                user_ids=users, batch_size=batch_size, progress=progress))
            self.stdout.write(f"Recomputed metrics of {done} user(s).")
        if all:
            total = get_user_model().objects.count()
            done = self._with_progress(total, no_progress, lambda progress: services.user_metrics_recompute_all(
                batch_size=batch_size, progress=progress))
            self.stdout.write(f"Recomputed metrics of {done:,} users in {time.perf_counter() - started:.1f}s.")
        if platform:
            days = services.platform_stats_recompute()
            jobs, skills = services.trending_recompute()
            self.stdout.write(f"Platform: {days} days of stats, {jobs} trending postings, {skills} trending skills.")

    def _with_progress(self, total: int, hidden: bool, run) -> int:
        with tqdm(total=total, unit="users", disable=hidden, file=self.stderr._out, dynamic_ncols=True) as bar:
            return run(bar.update)
