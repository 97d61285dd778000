"""Time a day of alerts at full size: new postings matched against every saved search, then the
daily digest built for every seeker.

    manage.py benchmark_alerts --new 5000            # on a copy of the benchmark database

It (1) seeds saved searches for the seeded users if there are none (seed_demo's shape: about 3
each for 30 % of them), (2) puts every saved search's mark at the newest posting (yesterday's
run done) and removes what an earlier benchmark left, (3) inserts --new postings made by
seed_demo's own generator, posted after the marks, (4) runs the matcher in its slices of
matcher.MAX_NEW_POSTINGS, as the task does, and reports each slice's and the total's wall and CPU
time, peak memory (resident set, sampled) and the SQL statements it ran, (5) builds the
daily digest for every seeker, and (6) renders and sends --sample-emails of them to the
in-memory mail backend, for the rate. It changes the database: use a benchmark copy.
"""

from __future__ import annotations

import random
import resource
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import psutil
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings

from demo.management.commands.seed_demo import JOB_COLUMNS, SEEDED_EMAIL_DOMAIN, CompanyInfo, JobMaker
from demo.saved_searches import seed_saved_searches
from jobs.models import Company, Job, JobSkill, Skill
from notifications.digests import deliveries_send, digests_build, pending_ids
from notifications.matcher import MAX_NEW_POSTINGS, alerts_match
from notifications.models import Delivery, Notification, SavedSearch

SOURCE = "benchmark-alerts"


@contextmanager
def measured():
    """Wall and CPU seconds, statements run, and the peak resident set (sampled every 20 ms)."""
    process = psutil.Process()
    figures = {"statements": 0, "rss_before_mb": process.memory_info().rss / 2**20}
    peak = [process.memory_info().rss]
    done = threading.Event()

    def sample():
        while not done.wait(0.02):
            peak[0] = max(peak[0], process.memory_info().rss)

    def count(execute, sql, params, many, context):
        figures["statements"] += 1
        return execute(sql, params, many, context)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    try:
        with connection.execute_wrapper(count):
            yield figures
    finally:
        figures["wall_s"] = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        figures["cpu_s"] = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
        done.set()
        sampler.join()
        peak[0] = max(peak[0], process.memory_info().rss)
        figures["peak_rss_mb"] = peak[0] / 2**20
        figures["max_rss_mb"] = after.ru_maxrss / 1024


class Command(BaseCommand):
    help = "Benchmark the alerts at full size: --new postings against every saved search, then the daily digests."

    def add_arguments(self, parser):
        parser.add_argument("--new", type=int, default=5000, help="new postings to insert (default 5,000)")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--sample-emails", type=int, default=300, help="digests rendered and sent to locmem for the rate")

    def handle(self, *args, new: int, seed: int, sample_emails: int, **options):
        if connection.vendor != "postgresql":
            raise CommandError("benchmark_alerts measures PostgreSQL at full size; set DATABASE_URL.")
        load = " ".join(f"{x:.2f}" for x in psutil.getloadavg())
        self.stdout.write(f"load average {load}")
        self._seed_searches(seed)
        mark = self._reset()
        self._insert(new, seed, mark)
        run_at = mark[0] + timedelta(seconds=new + 120)

        runs, slices = [], []
        with measured() as match:
            while True:
                with measured() as one:
                    run = alerts_match(now=run_at, max_new=MAX_NEW_POSTINGS)
                if not run.new_postings:
                    break
                runs.append(run)
                slices.append(one)
                self.stdout.write(
                    f"  slice {len(runs)}: {run.new_postings:,} postings x {run.saved_searches:,} saved searches "
                    f"({run.distinct_queries:,} distinct queries, {run.distinct_texts:,} texts): {run.matched_searches:,} searches matched, "
                    f"{run.matches:,} matches, {run.notified_users:,} seekers notified, {len(run.instant_deliveries):,} instant emails; "
                    f"wall {one['wall_s']:.1f} s, CPU {one['cpu_s']:.1f} s, {one['statements']:,} statements, peak RSS {one['peak_rss_mb']:.0f} MB")
                if run.new_postings < MAX_NEW_POSTINGS:
                    break
        self.stdout.write(
            f"matcher: {sum(r.new_postings for r in runs):,} new postings in {len(runs)} slices of at most {MAX_NEW_POSTINGS:,}: "
            f"{sum(r.matches for r in runs):,} matches, {sum(len(r.instant_deliveries) for r in runs):,} instant emails queued\n"
            f"  wall {match['wall_s']:.1f} s (slowest slice {max((s['wall_s'] for s in slices), default=0):.1f} s), "
            f"CPU {match['cpu_s']:.1f} s, {match['statements']:,} SQL statements (and a COPY a slice), "
            f"peak RSS {match['peak_rss_mb']:.0f} MB (before {match['rss_before_mb']:.0f} MB; process max {match['max_rss_mb']:.0f} MB)")

        with measured() as build:
            digests = digests_build(now=run_at, zones=None)
        self.stdout.write(
            f"daily digest build for all seekers: {digests:,} digests, wall {build['wall_s']:.1f} s, CPU {build['cpu_s']:.1f} s, "
            f"{build['statements']:,} statements, peak RSS {build['peak_rss_mb']:.0f} MB")

        sample = pending_ids(kind=Delivery.Kind.DIGEST)[:sample_emails]
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), measured() as send:
            sent = deliveries_send(sample)
        rate = sent / send["wall_s"] if send["wall_s"] else 0
        self.stdout.write(
            f"sending: {sent:,} digests rendered and sent (locmem) in {send['wall_s']:.1f} s = {rate:,.0f}/s, "
            f"{send['statements'] / max(sent, 1):.1f} statements each; all {digests:,} at that rate: "
            f"{digests / rate if rate else 0:,.0f} s of one worker")
        self.stdout.write(f"load average {' '.join(f'{x:.2f}' for x in psutil.getloadavg())}")

    def _seed_searches(self, seed: int) -> None:
        existing = SavedSearch.objects.count()
        if existing:
            self.stdout.write(f"saved searches: {existing:,} already ({SavedSearch.objects.values('query_key').distinct().count():,} distinct queries)")
            return
        started = time.monotonic()
        users = list(get_user_model().objects.filter(email__endswith=f"@{SEEDED_EMAIL_DOMAIN}").order_by("id").values_list("id", flat=True))
        newest = Job.objects.filter(is_active=True).order_by("-posted_at", "-id").values_list("posted_at", "id").first()
        made = seed_saved_searches(users, seed=seed, mark=newest)
        self.stdout.write(f"saved searches: seeded {made:,} for {len(users):,} seekers in {time.monotonic() - started:.1f} s "
                          f"({SavedSearch.objects.values('query_key').distinct().count():,} distinct queries)")

    def _reset(self) -> tuple:
        """Yesterday's run done: an earlier benchmark's postings, matches and mail gone, every mark at the newest posting."""
        started = time.monotonic()
        with transaction.atomic():
            Delivery.objects.all().delete()
            Notification.objects.filter(kind=Notification.Kind.MATCHES).delete()
            JobSkill.objects.filter(job__source=SOURCE).delete()
            Job.objects.filter(source=SOURCE).delete()
            mark = Job.objects.filter(is_active=True).order_by("-posted_at", "-id").values_list("posted_at", "id").first()
            SavedSearch.objects.update(mark_posted_at=mark[0], mark_job_id=mark[1], unseen_count=0, pending_count=0,
                                       latest_job_ids=[])
        self.stdout.write(f"reset in {time.monotonic() - started:.1f} s: marks at the newest posting ({mark[0]:%Y-%m-%d %H:%M}, id {mark[1]})")
        return mark

    def _insert(self, count: int, seed: int, mark: tuple) -> None:
        """`count` postings from seed_demo's generator, one a second after the marks."""
        started = time.monotonic()
        companies = [CompanyInfo(id=c.id, name=c.name, about=c.description or "", slug=c.slug)
                     for c in Company.objects.order_by("id").only("id", "name", "description", "slug")[:3000]]
        skill_ids = dict(Skill.objects.values_list("name", "id"))
        maker = JobMaker(random.Random(seed + 15), companies=companies, skill_ids=skill_ids, now=time.time())
        jobs, skills = [], []
        for i in range(count):
            row, job_skills, *_ = maker.make(0)
            fields = dict(zip(JOB_COLUMNS, row))
            fields.pop("id")
            fields.update(source=SOURCE, external_id=f"{SOURCE}-{seed}-{i}", is_active=True, expires_at=None,
                          posted_at=mark[0] + timedelta(seconds=i + 1))
            jobs.append(Job(**fields))
            skills.append(job_skills)
        with transaction.atomic():
            Job.objects.bulk_create(jobs, batch_size=1000)
            JobSkill.objects.bulk_create([JobSkill(job_id=job.pk, skill_id=s) for job, ids in zip(jobs, skills) for s in ids],
                                         batch_size=5000, ignore_conflicts=True)
        self.stdout.write(f"inserted {count:,} new postings in {time.monotonic() - started:.1f} s")
