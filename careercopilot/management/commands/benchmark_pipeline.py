"""Measure the pipeline pages of one heavy seeker: latency percentiles and queries per request.

    manage.py benchmark_pipeline --prepare --applications 2000        # once, on a copy of the big database
    manage.py benchmark_pipeline --requests 300 --base-url http://127.0.0.1:23001

`--prepare` gives the seeker `bench-pipeline` (made if missing) copies of other seekers'
applications, with their timelines, until they have `--applications` of them, and what the
tracker pages show around them: a contact on every application, a past and a coming interview
on every third, and three résumé versions attached to every one. Nothing else is touched, and
running it again adds nothing. The measurement reads only: it makes one session for
the seeker, requests each page in turn (the detail page of a different application each time),
and deletes the session. `/health/` runs in the same loop as the bare-Django baseline.

Queries per request and Django's CPU time per request are measured in-process (the test client)
even when the latencies come from a server over HTTP, so both describe the same code; the CPU
time is the number to compare when other work shares the machine and inflates the latencies.
"""

from __future__ import annotations

import random
import statistics
import time
import urllib.request

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from applications.models import Application, ApplicationDocument, ApplicationEvent, Contact, Document, Interview

SEEKER = "bench-pipeline"
PAGES = {
    "health": "/health/",
    "board": "/applications/board/",
    "table": "/applications/",
    "detail": "/applications/{pk}/",
    "dashboard": "/dashboard/",
}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def percentile(sorted_values: list[float], share: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(share * (len(sorted_values) - 1))))
    return sorted_values[index]


class Command(BaseCommand):
    help = "Benchmark the board, table, detail page and dashboard of a seeker with many applications."

    def add_arguments(self, parser):
        parser.add_argument("--prepare", action="store_true", help=f"give {SEEKER} copies of other seekers' applications")
        parser.add_argument("--applications", type=int, default=2000, help="how many the seeker should have (--prepare)")
        parser.add_argument("--pages", default="health,board,detail,table,dashboard", help=f"any of {', '.join(PAGES)}")
        parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
        parser.add_argument("--base-url", default="", help="time a running server (e.g. http://127.0.0.1:23001)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--seeker", default=SEEKER,
                            help=f"whose pages to time (default {SEEKER}; e.g. seed_demo's 'heavy', without --prepare)")

    def handle(self, *args, prepare, applications, pages, requests, base_url, seed, seeker, **options):
        wanted = [name.strip() for name in pages.split(",") if name.strip()]
        unknown = set(wanted) - set(PAGES)
        if unknown:
            raise CommandError(f"Unknown pages: {', '.join(sorted(unknown))}. Use any of {', '.join(PAGES)}.")
        name = seeker
        if prepare:
            seeker = self._prepare(applications, random.Random(seed))
        else:
            seeker = get_user_model().objects.filter(username=name).first()
            if seeker is None:
                raise CommandError(f"No {name} yet: run with --prepare first (or name another --seeker).")
        if requests < 1:
            return
        ids = list(Application.objects.of(seeker).values_list("pk", flat=True))
        self.stdout.write(f"{seeker.get_username()}: {len(ids):,} applications; {requests} requests per page; "
                          f"{'HTTP ' + base_url if base_url else 'in-process'}")
        session = self._session(seeker)
        rng = random.Random(seed)
        try:
            for name in wanted:
                paths = [PAGES[name].format(pk=rng.choice(ids)) for _ in range(requests)]
                queries, cpu = self._count_queries(session, paths[:50])
                latencies = self._time(session, paths, base_url.rstrip("/"))
                ms = sorted(latency * 1000 for latency in latencies)
                self.stdout.write(
                    f"  {name:<10} queries {min(queries)}–{max(queries)}  p50 {percentile(ms, .5):7.1f} ms  "
                    f"p95 {percentile(ms, .95):7.1f} ms  mean {statistics.fmean(ms):7.1f} ms  "
                    f"| in-process CPU p50 {percentile(sorted(cpu), .5):6.1f} ms"
                )
        finally:
            SessionStore(session_key=session).delete()

    def _prepare(self, count: int, rng: random.Random):
        User = get_user_model()
        seeker, _ = User.objects.get_or_create(username=SEEKER, defaults={"email": f"{SEEKER}@example.com"})
        have = Application.objects.of(seeker).count()
        if have >= count:
            self.stdout.write(f"{SEEKER} already has {have:,} applications.")
            self._add_extras(seeker)
            return seeker
        taken = set(Application.objects.of(seeker).exclude(job=None).values_list("job_id", flat=True))
        # Other seekers' applications, from a random spot in the table so repeated runs differ little.
        start = rng.randint(0, max(0, Application.objects.order_by("-pk").values_list("pk", flat=True).first() - count * 3))
        sources = []
        for source in Application.objects.exclude(user=seeker).filter(pk__gt=start).order_by("pk").iterator(chunk_size=2000):
            if source.job_id is None or source.job_id not in taken:
                taken.add(source.job_id)
                sources.append(source)
            if len(sources) >= count - have:
                break
        events = ApplicationEvent.objects.filter(application__in=[s.pk for s in sources]).order_by("created_at", "id")
        by_application: dict[int, list[ApplicationEvent]] = {}
        for event in events:
            by_application.setdefault(event.application_id, []).append(event)
        with transaction.atomic():
            originals = [source.pk for source in sources]
            for source in sources:
                source.pk, source.user = None, seeker
            Application.objects.bulk_create(sources, batch_size=1000)
            copies = []
            for original, copy in zip(originals, sources):
                for event in by_application.get(original, []):
                    event.pk, event.application, event.actor = None, copy, seeker if event.actor_id else None
                    copies.append(event)
            ApplicationEvent.objects.bulk_create(copies, batch_size=2000)
        self.stdout.write(f"{SEEKER} now has {have + len(sources):,} applications ({len(copies):,} events copied).")
        self._add_extras(seeker)
        return seeker

    def _add_extras(self, seeker) -> None:
        if Contact.objects.filter(user=seeker).exists():
            return
        ids = list(Application.objects.of(seeker).order_by("pk").values_list("pk", flat=True))
        now = timezone.now()
        documents = []
        for version in range(3):
            document = Document(user=seeker, name=f"Résumé v{version + 1}", file_type="pdf",
                                original_filename=f"resume-v{version + 1}.pdf", size=15)
            document.file.save("upload", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
            document.save()
            documents.append(document)
        with transaction.atomic():
            Contact.objects.bulk_create(
                (Contact(user=seeker, application_id=pk, name=f"Recruiter {pk}", email=f"r{pk}@example.com") for pk in ids),
                batch_size=2000,
            )
            Interview.objects.bulk_create(
                (Interview(user=seeker, application_id=pk, starts_at=now + timedelta(days=days, hours=pk % 9), kind="video")
                 for pk in ids[::3] for days in (-5, 5 + pk % 20)),
                batch_size=2000,
            )
            ApplicationDocument.objects.bulk_create(
                (ApplicationDocument(application_id=pk, document=document) for pk in ids for document in documents),
                batch_size=2000,
            )
        self.stdout.write(f"  with {len(ids):,} contacts, {len(ids[::3]) * 2:,} interviews, 3 documents on each.")

    def _session(self, user) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    def _count_queries(self, session: str, paths: list[str]) -> tuple[list[int], list[float]]:
        """Queries per request and this process's CPU time per request (Django's side, without the
        database's): the CPU time barely moves when other work shares the cores, the latency does."""
        counts, cpu = [], []
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session

        def count(execute, sql, params, many, context):
            counts[-1] += 1
            return execute(sql, params, many, context)

        # One unmeasured request first: the header's bell counts the unread once per seeker (then
        # it is cached until the next notification), which a log-in does and this session skipped.
        client.get(paths[0])
        for path in paths:
            counts.append(0)
            began = time.process_time()
            with connection.execute_wrapper(count):
                status = client.get(path).status_code
            cpu.append((time.process_time() - began) * 1000)
            if status != 200:
                raise CommandError(f"GET {path} answered {status}")
        return counts, cpu

    def _time(self, session: str, paths: list[str], base_url: str) -> list[float]:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        latencies = []
        for path in paths:
            began = time.perf_counter()
            if base_url:
                request = urllib.request.Request(base_url + path, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"})
                with _opener.open(request, timeout=30) as response:
                    response.read()
                    status = response.status
            else:
                status = client.get(path).status_code
            latencies.append(time.perf_counter() - began)
            if status != 200:
                raise CommandError(f"GET {path} answered {status}")
        return latencies
