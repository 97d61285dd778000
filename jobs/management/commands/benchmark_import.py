"""Time `import_jobs` on a generated file, twice: the first run creates, the second must change nothing.

    DATABASE_URL=postgres://... manage.py benchmark_import --rows 100000

Writes postings with a fixed seed (so runs compare) under a source of their own
("benchmark-import"), which --cleanup deletes afterwards. Never run it against a database
whose rows you cannot have a source's worth of postings added to.
"""

from __future__ import annotations

import csv
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from jobs.models import Job

SOURCE = "benchmark-import"
WORDS = (
    "build scale team product customer data platform service design deliver review mentor "
    "ship reliable secure cloud api mobile web test automate monitor improve lead own growth "
    "analytics pipeline model research support operations infrastructure quality performance"
).split()
TITLES = ["Software Engineer", "Data Scientist", "Product Manager", "DevOps Engineer", "Designer",
          "Backend Developer", "Frontend Developer", "QA Engineer", "Data Engineer", "Support Specialist"]
LEVELS = ["Junior", "Senior", "Staff", "Lead", ""]
SKILLS = ["Python", "Django", "PostgreSQL", "Redis", "React", "TypeScript", "Go", "Rust", "Kubernetes", "AWS",
          "Terraform", "Java", "Kotlin", "Swift", "SQL", "Figma", "Celery", "GraphQL", "Docker", "Linux"]
CITIES = ["Berlin", "London", "Paris", "Amsterdam", "Lisbon", "Madrid", "Warsaw", "Dublin", "Remote", "New York"]


def write_sample(path: Path, rows: int, kind: str, seed: int = 42) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    records = []
    for i in range(rows):
        low = rng.randrange(30, 150) * 1000
        records.append({
            "source": SOURCE,
            "external_id": f"bench-{i}",
            "title": f"{rng.choice(LEVELS)} {rng.choice(TITLES)}".strip(),
            "company": f"Benchmark Company {rng.randrange(2000)}",
            "description": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(80, 160))).capitalize() + ".",
            "location": rng.choice(CITIES),
            "remote_policy": rng.choice(["onsite", "hybrid", "remote"]),
            "job_type": rng.choice(["full_time", "full_time", "contract", "part_time"]),
            "experience_level": rng.choice(["entry", "mid", "senior", "lead"]),
            "salary_min": low,
            "salary_max": low + rng.randrange(0, 60) * 1000,
            "salary_currency": "EUR",
            "posted_at": (start + timedelta(minutes=rng.randrange(400_000))).isoformat(),
            "skills": rng.sample(SKILLS, rng.randrange(1, 6)),
        })
    if kind == "csv":
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(records[0]))
            writer.writeheader()
            for record in records:
                writer.writerow({**record, "skills": "|".join(record["skills"])})
    else:
        with path.open("w") as handle:
            for record in records:
                handle.write(json.dumps(record) + "\n")


class Command(BaseCommand):
    help = "Time import_jobs on a generated file: a first (creating) run and a second (no-op) run."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--cleanup", action="store_true", help=f"Delete the {SOURCE!r} postings at the end.")

    def handle(self, *args, rows: int, format: str, batch_size: int, cleanup: bool, **options):
        if Job.objects.filter(source=SOURCE).exists():
            raise CommandError(f"Postings with source {SOURCE!r} exist already; delete them first for a clean first run.")
        self.stdout.write(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"jobs.{format}"
            began = time.monotonic()
            write_sample(path, rows, format)
            self.stdout.write(f"Wrote {rows:,} rows to {path.name} ({path.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - began:.1f}s")
            for label in ("first run (creates)", "second run (same file)"):
                began = time.monotonic()
                call_command("import_jobs", str(path), batch_size=batch_size, no_progress=True, stdout=self.stdout, stderr=self.stderr)
                self.stdout.write(f"  {label}: {time.monotonic() - began:.1f}s")
        self.stdout.write(f"Postings with source {SOURCE!r}: {Job.objects.filter(source=SOURCE).count():,}")
        if cleanup:
            deleted = Job.objects.filter(source=SOURCE).delete()[1].get("jobs.Job", 0)
            self.stdout.write(f"Deleted {deleted:,} benchmark postings.")
