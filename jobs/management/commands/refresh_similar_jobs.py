"""Choose the similar jobs of every open posting ahead of its page (jobs/similar.py)."""

import time

from django.core.management.base import BaseCommand

from jobs.similar import refresh_similar_jobs


class Command(BaseCommand):
    help = "Store the similar jobs of every open posting (PostgreSQL), so a posting's page reads them in its one statement."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=20_000, help="postings per COPY and merge (default 20,000)")

    def handle(self, *args, batch_size, verbosity, **options):
        started = time.monotonic()
        progress = (lambda n: self.stdout.write(f"  +{n:,}")) if verbosity > 1 else None
        done = refresh_similar_jobs(batch_size=batch_size, progress=progress)
        self.stdout.write(f"Similar jobs of {done:,} open postings stored in {time.monotonic() - started:.1f}s.")
