"""`manage.py seed_demo`: a believable catalogue, seekers and their pipelines, at any size.

    manage.py seed_demo                    # 2,000 jobs, 50 users, 1,000 applications
    manage.py seed_demo --jobs 1000000 --users 100000 --applications 1000000
    manage.py seed_demo --reset            # wipe the demo data first, then seed
    manage.py seed_demo --if-empty         # `make run`: seed an empty catalogue, else only the logins

The `demo` seeker and the `admin` superuser are created with their documented passwords only
when no user of that name exists; an existing user's password and flags are never reset.
Nothing runs this on a production start: docker compose seeds only with SEED_DEMO=1.

Rows are generated and written batch by batch, so memory stays flat whatever the size. On
PostgreSQL the batches go through COPY on two writer connections while the main thread
generates the next ones; on SQLite they go through bulk_create.

What the PostgreSQL writer sessions change, for themselves only:
- `session_replication_role = replica` switches off triggers and foreign-key checks (needs
  superuser; without it seeding still works, only slower). The generator keeps the data sound
  instead: every id it writes was reserved from its sequence first.
- with the triggers off, each job's search_vector is computed once, set-based, by the same
  jobs_search_document() the triggers call, as the batch moves from a temporary staging table
  into jobs_job (cheaper than filling it by UPDATE afterwards, which writes every row twice).
- `synchronous_commit = off`: a crash can lose the last batches, never consistency.

All seeded users share one password hash, computed once (hashing 100,000 passwords would take
over six hours on this machine), so any of them can log in with the demo password.
"""

from __future__ import annotations

import bisect
import itertools
import json
import queue
import random
import threading
import time
import unicodedata
from array import array
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field as dataclass_field
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import deletion
from django.utils.text import slugify
from faker import Faker
from tqdm import tqdm

from accounts.models import Profile
from applications.models import (
    ALLOWED_TRANSITIONS,
    CLOSED_STATUSES,
    STATUS_DATE_FIELD,
    Application,
    ApplicationEvent,
    Status,
)
from demo import data
from demo.saved_searches import seed_saved_searches
from jobs.models import Company, Job, JobSkill, Skill
from jobs.similar import refresh_similar_jobs
from jobs.vocabulary import refresh_search_terms
from jobs.salaries import current_rates, usd_range

User = get_user_model()
ProfileSkill = Profile.skills.through

DEMO_SOURCE = "demo"
DEMO_USERNAME, DEMO_PASSWORD = "demo", "demo-password-123"
ADMIN_USERNAME, ADMIN_PASSWORD = "admin", "admin-password-123"
# Seeded users are recognised by this (reserved, undeliverable) e-mail domain, and seeded
# companies by their example.com website: that is what --reset wipes.
SEEDED_EMAIL_DOMAIN = "seed.example.com"
COMPANY_WEBSITE = "https://{slug}.example.com"
APPLY_URL = COMPANY_WEBSITE + "/careers/{job_id}"
DEFAULT_JOBS, DEFAULT_USERS, DEFAULT_APPLICATIONS = 2_000, 50, 1_000

DAY = 86_400.0
NAME_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "pl_PL", "nl_NL", "en_IN", "sv_SE")

JOB_COLUMNS = (
    "id", "company_id", "title", "slug", "description", "location", "remote_policy", "job_type",
    "experience_level", "salary_min", "salary_max", "salary_currency", "posted_at", "expires_at",
    "is_active", "source", "external_id", "created_at", "updated_at", "apply_url", "salary_period",
    "salary_min_usd", "salary_max_usd",
)
JOB_SKILL_COLUMNS = ("job_id", "skill_id")
USER_COLUMNS = (
    "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
    "is_staff", "is_active", "date_joined",
)
PROFILE_COLUMNS = (
    "id", "user_id", "headline", "preferred_locations", "remote_preference", "desired_experience",
    "desired_salary", "salary_currency", "time_zone", "updated_at",
)
PROFILE_SKILL_COLUMNS = ("profile_id", "skill_id")
APPLICATION_COLUMNS = (
    "id", "user_id", "job_id", "company_name", "title", "url", "status", "applied_at", "interview_at",
    "offer_at", "closed_at", "next_follow_up", "notes", "created_at", "updated_at",
)
EVENT_COLUMNS = ("application_id", "kind", "from_status", "to_status", "note", "follow_up", "actor_id", "created_at")

# Triggers and foreign-key checks off for the writer sessions (superuser only).
REPLICA_ROLE = "replica"

Batch = list[tuple[type[models.Model], Sequence[str], list[tuple]]]


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class Picker:
    """Weighted choice with the cumulative weights computed once (random.choices redoes it per call)."""

    def __init__(self, items: Sequence, weights: Sequence[float]):
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


# --- Application timelines ---------------------------------------------------------------

S = Status
FINAL_STATUS_WEIGHTS = {
    S.SAVED: 12, S.APPLIED: 22, S.INTERVIEWING: 10, S.OFFER: 3,
    S.ACCEPTED: 3, S.REJECTED: 25, S.WITHDRAWN: 6, S.GHOSTED: 19,
}
# Ways to reach each final status; the first status is the one the application was created in.
PATHS: dict[str, list[tuple[int, tuple[str, ...]]]] = {
    S.SAVED: [(90, (S.SAVED,)), (10, (S.SAVED, S.WITHDRAWN, S.SAVED))],
    S.APPLIED: [(60, (S.APPLIED,)), (40, (S.SAVED, S.APPLIED))],
    S.INTERVIEWING: [
        (55, (S.APPLIED, S.INTERVIEWING)), (35, (S.SAVED, S.APPLIED, S.INTERVIEWING)),
        (10, (S.APPLIED, S.GHOSTED, S.INTERVIEWING)),
    ],
    S.OFFER: [
        (70, (S.APPLIED, S.INTERVIEWING, S.OFFER)), (20, (S.SAVED, S.APPLIED, S.INTERVIEWING, S.OFFER)),
        (10, (S.APPLIED, S.OFFER)),
    ],
    S.ACCEPTED: [
        (75, (S.APPLIED, S.INTERVIEWING, S.OFFER, S.ACCEPTED)),
        (25, (S.SAVED, S.APPLIED, S.INTERVIEWING, S.OFFER, S.ACCEPTED)),
    ],
    S.REJECTED: [
        (50, (S.APPLIED, S.REJECTED)), (30, (S.APPLIED, S.INTERVIEWING, S.REJECTED)),
        (10, (S.SAVED, S.APPLIED, S.REJECTED)), (5, (S.APPLIED, S.INTERVIEWING, S.OFFER, S.REJECTED)),
        (5, (S.APPLIED, S.GHOSTED, S.REJECTED)),
    ],
    S.WITHDRAWN: [
        (35, (S.SAVED, S.WITHDRAWN)), (35, (S.APPLIED, S.WITHDRAWN)),
        (20, (S.APPLIED, S.INTERVIEWING, S.WITHDRAWN)), (10, (S.APPLIED, S.INTERVIEWING, S.OFFER, S.WITHDRAWN)),
    ],
    S.GHOSTED: [(80, (S.APPLIED, S.GHOSTED)), (20, (S.APPLIED, S.INTERVIEWING, S.GHOSTED))],
}
# Days between two statuses: (fewest, most).
STEP_DAYS: dict[tuple[str, str], tuple[float, float]] = {
    (S.SAVED, S.APPLIED): (0.2, 10), (S.SAVED, S.WITHDRAWN): (1, 30), (S.WITHDRAWN, S.SAVED): (1, 30),
    (S.APPLIED, S.INTERVIEWING): (3, 21), (S.APPLIED, S.OFFER): (7, 30), (S.APPLIED, S.REJECTED): (2, 45),
    (S.APPLIED, S.WITHDRAWN): (2, 30), (S.APPLIED, S.GHOSTED): (21, 60),
    (S.INTERVIEWING, S.OFFER): (5, 30), (S.INTERVIEWING, S.REJECTED): (3, 21),
    (S.INTERVIEWING, S.WITHDRAWN): (2, 20), (S.INTERVIEWING, S.GHOSTED): (21, 45),
    (S.OFFER, S.ACCEPTED): (1, 10), (S.OFFER, S.REJECTED): (1, 10), (S.OFFER, S.WITHDRAWN): (1, 7),
    (S.GHOSTED, S.INTERVIEWING): (3, 30), (S.GHOSTED, S.REJECTED): (3, 30),
}
# An open application's last move is recent: nobody leaves one "applied" for a year.
RECENT_DAYS = {S.SAVED: 90, S.APPLIED: 45, S.INTERVIEWING: 45, S.OFFER: 30}
OPEN_STATUSES = frozenset(RECENT_DAYS)


def _check_paths() -> None:
    """Fail at import, not in the data, if the pipeline rules change under these paths."""
    for final, options in PATHS.items():
        for _, path in options:
            if path[-1] != final:
                raise ImproperlyConfigured(f"seed_demo path {path} does not end in {final}")
            for step in zip(path, path[1:]):
                if step[1] not in ALLOWED_TRANSITIONS[step[0]] or step not in STEP_DAYS:
                    raise ImproperlyConfigured(f"seed_demo path {path}: {step[0]} → {step[1]} is not allowed")
    if set(PATHS) != set(Status.values):
        raise ImproperlyConfigured("seed_demo has no path for some status")


_check_paths()
# Plain strings from here on: COPY must write "saved", not an Enum member.
PATHS = {str(final): [(w, tuple(str(s) for s in path)) for w, path in options] for final, options in PATHS.items()}
FINAL_STATUS_WEIGHTS = {str(status): weight for status, weight in FINAL_STATUS_WEIGHTS.items()}
RECENT_DAYS = {str(status): days for status, days in RECENT_DAYS.items()}
OPEN_STATUSES = frozenset(RECENT_DAYS)
CREATED, STATUS_CHANGED = str(ApplicationEvent.Kind.CREATED), str(ApplicationEvent.Kind.STATUS_CHANGED)
NOTE_ADDED, FOLLOW_UP_SET = str(ApplicationEvent.Kind.NOTE_ADDED), str(ApplicationEvent.Kind.FOLLOW_UP_SET)
FINAL_STATUS_PICKER = Picker(list(FINAL_STATUS_WEIGHTS), list(FINAL_STATUS_WEIGHTS.values()))
PATH_PICKERS = {final: Picker([p for _, p in options], [w for w, _ in options]) for final, options in PATHS.items()}


@dataclass(slots=True)
class Timeline:
    status: str
    events: list[tuple]  # (kind, from_status, to_status, note, follow_up, epoch seconds)
    applied_at: float | None
    interview_at: float | None
    offer_at: float | None
    closed_at: float | None
    next_follow_up: object  # a date or None
    notes: str
    created_at: float
    updated_at: float


def plan_timeline(rng: random.Random, *, earliest: float, now: float, final: str | None = None) -> Timeline:
    """A history that follows ALLOWED_TRANSITIONS, starts after `earliest` and ends before `now`."""
    requested = final
    final = str(final) if final else FINAL_STATUS_PICKER(rng)
    path = PATH_PICKERS[final](rng)
    steps = [rng.uniform(*STEP_DAYS[step]) * DAY for step in zip(path, path[1:])]
    span = sum(steps)
    low = max(earliest, now - 365 * DAY)
    if final in RECENT_DAYS:
        low = max(low, now - RECENT_DAYS[final] * DAY - span)
    high = now - span - 3 * DAY  # room for a note or follow-up after the last move
    if high > low:
        start = rng.uniform(low, high)
    elif span and not requested:  # nobody gets an offer for a posting from this morning
        return plan_timeline(rng, earliest=earliest, now=now, final=S.APPLIED if rng.random() < 0.6 else S.SAVED)
    else:  # too young a posting for the story asked for: squeeze the story into its lifetime
        room = max(now - low, 0.0)
        steps = [step * 0.8 * room / span for step in steps] if span else steps
        start = low + rng.random() * 0.1 * room

    moment = start
    events = [(CREATED, "", path[0], "", None, moment)]
    for (before, after), step in zip(zip(path, path[1:]), steps):
        moment += step
        events.append((STATUS_CHANGED, before, after, "", None, moment))
    # Dated as the services date them: the first time a stage is reached, the last closing.
    dates = dict.fromkeys(("applied_at", "interview_at", "offer_at", "closed_at"))
    for _, _, status, _, _, at in events:
        date_field = STATUS_DATE_FIELD.get(status)
        if date_field == "closed_at" or (date_field and dates[date_field] is None):
            dates[date_field] = at
        if status not in CLOSED_STATUSES:
            dates["closed_at"] = None

    notes, follow_up = "", None
    if rng.random() < 0.25:
        moment = min(moment + rng.uniform(0.02, 2) * DAY, now)
        notes = rng.choice(data.APPLICATION_NOTES)
        events.append((NOTE_ADDED, "", "", notes, None, moment))
    if final in OPEN_STATUSES and rng.random() < 0.45:
        moment = min(moment + rng.uniform(0.02, 1) * DAY, now)
        follow_up = _dt(moment + rng.uniform(2, 14) * DAY).date()
        events.append((FOLLOW_UP_SET, "", "", "", follow_up, moment))
    return Timeline(
        final, events, dates["applied_at"], dates["interview_at"], dates["offer_at"], dates["closed_at"],
        follow_up, notes, start, moment,
    )


# --- Generators --------------------------------------------------------------------------


@dataclass(slots=True)
class CompanyInfo:
    id: int
    name: str
    about: str
    slug: str = ""


@dataclass
class JobPool:
    """Jobs applications may point at, aligned by index: id, posting time, title, company name.

    Titles and names are shared string objects, so a million postings cost a few list slots each.
    """

    ids: Sequence[int]
    posted: array
    titles: list[str]
    company_names: list[str]

    def __len__(self) -> int:
        return len(self.ids)


class JobMaker:
    def __init__(self, rng: random.Random, *, companies: list[CompanyInfo], skill_ids: dict[str, int], now: float,
                 rates: dict | None = None):
        self.rng, self.now = rng, now
        self.rates = current_rates() if rates is None else rates  # for each posting's annual dollars
        self.now_dt = _dt(now)
        self.field = Picker(data.FIELDS, data.FIELD_WEIGHTS)
        self.level = Picker(data.LEVELS, data.LEVEL_WEIGHTS)
        self.job_type = Picker(data.JOB_TYPES, data.JOB_TYPE_WEIGHTS)
        self.location = Picker(data.LOCATIONS, data.LOCATION_WEIGHTS)
        # A few big employers and a long tail, as on any job board.
        self.company = Picker(companies, [1 / (rank + 1) ** 0.7 for rank in range(len(companies))])
        self.field_skills = {f.name: [(skill_ids[name], name) for name in f.skills] for f in data.FIELDS}
        self.duties = {f.name: [f"- {duty}" for duty in f.duties] for f in data.FIELDS}
        self.requirements = [f"- {line}" for line in data.REQUIREMENTS]
        self.benefits = [f"- {line}" for line in data.BENEFITS]
        self.titles: dict[str, tuple[str, str]] = {}  # title -> (the one shared copy, its slug)

    def make(self, job_id: int) -> tuple[tuple, list[int], float, str, str]:
        """One posting: its jobs_job row, its skill ids, when it was posted, its title and company name."""
        rng = self.rng
        field = self.field(rng)
        job_type, _, type_pay = self.job_type(rng)
        level, _, prefixes, level_pay, years = data.LEVELS[0] if job_type == "internship" else self.level(rng)
        location, currency, place_pay, policy = self.location(rng)
        policy = policy or ("hybrid" if rng.random() < 0.35 else "onsite")
        base_title = rng.choice(field.titles)
        title = rng.choice(field.head_titles) if level == "executive" else rng.choice(prefixes) + base_title
        if job_type == "internship":
            title = f"{base_title} Intern"
        known = self.titles.get(title)
        if known is None:
            known = self.titles[title] = (title, slugify(title)[:220] or "job")
        title, slug = known
        company = self.company(rng)

        skills = rng.sample(self.field_skills[field.name], rng.randint(3, 8))
        salary_min = salary_max = None
        if rng.random() < 0.78:
            pay = field.base_salary_usd * level_pay * place_pay * type_pay * rng.uniform(0.9, 1.1)
            pay *= data.CURRENCY_PER_USD[currency]
            step = data.salary_step(currency)
            salary_min = max(step, round(pay * rng.uniform(0.85, 0.95) / step) * step)
            salary_max = max(salary_min + step, round(pay * rng.uniform(1.1, 1.35) / step) * step)

        if rng.random() < 0.82:
            posted = self.now - rng.random() ** 1.3 * 180 * DAY  # more new postings than old ones
            is_active = rng.random() >= 0.05
        else:
            posted = self.now - rng.uniform(180, 400) * DAY
            is_active = rng.random() < 0.4
        expires = _dt(posted + rng.uniform(60, 240) * DAY) if rng.random() < 0.9 else None  # a quarter have lapsed

        team = rng.choice(data.TEAM_NAMES[field.name])
        intro = rng.choice(data.ROLE_INTROS).format(a_title=data.with_article(title), company=company.name, team=team)
        named = [name for _, name in skills[:3]]
        requirements = [
            f"- {years} years of experience as {data.with_article(base_title)} or in a similar role",
            f"- Hands-on experience with {', '.join(named[:-1])} and {named[-1]}",
            *rng.sample(self.requirements, 2),
        ]
        if rng.random() < 0.3:
            requirements.append(f"- Nice to have: {rng.choice(data.NICE_TO_HAVES).lower()}")
        # About 1.3 kB, as long as many real postings. Its length is what the search vector costs
        # PostgreSQL (to_tsvector is ~0.1 µs a byte), the larger part of seeding a posting.
        description = (
            f"About {company.name}\n\n{company.about}\n\n"
            f"The role\n\n{intro}\n\n"
            f"What you'll do\n\n" + "\n".join(rng.sample(self.duties[field.name], rng.randint(4, 5))) + "\n\n"
            "What we're looking for\n\n" + "\n".join(requirements) + "\n\n"
            "What we offer\n\n" + "\n".join(rng.sample(self.benefits, rng.randint(3, 5)))
        )
        if rng.random() < 0.4:
            description += "\n\n" + rng.choice(data.CLOSINGS)
        row = (
            job_id, company.id, title, slug, description, location, policy, job_type, level,
            salary_min, salary_max, currency, _dt(posted), expires, is_active, DEMO_SOURCE,
            f"{DEMO_SOURCE}-{job_id}", self.now_dt, self.now_dt, APPLY_URL.format(slug=company.slug, job_id=job_id),
            "year", *usd_range(salary_min, salary_max, currency, "year", self.rates),
        )
        return row, [skill_id for skill_id, _ in skills], posted, title, company.name


_ASCII_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "Ae", "đ": "d"})


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_EXTRA)).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def name_pools(seed: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]:
    """First names, last names (each with an ASCII form for usernames) and outside company names."""
    fake = Faker(list(NAME_LOCALES))
    fake.seed_instance(seed)
    firsts, lasts = {}, {}
    for locale in NAME_LOCALES:
        for _ in range(80):
            first, last = fake[locale].first_name(), fake[locale].last_name()
            if _ascii(first):
                firsts.setdefault(first, _ascii(first))
            if _ascii(last):
                lasts.setdefault(last, _ascii(last))
    outside_companies = sorted({fake["en_US"].company() for _ in range(300)})
    return list(firsts.items()), list(lasts.items()), outside_companies


class UserMaker:
    def __init__(self, rng: random.Random, *, skill_ids: dict[str, int], password_hash: str, now: float, seed: int):
        self.rng, self.now, self.password_hash = rng, now, password_hash
        self.now_dt = _dt(now)
        self.firsts, self.lasts, _ = name_pools(seed)
        self.field = Picker(data.FIELDS, data.FIELD_WEIGHTS)
        self.level = Picker(data.LEVELS, data.LEVEL_WEIGHTS)
        self.location = Picker(data.LOCATIONS, data.LOCATION_WEIGHTS)
        self.field_skills = {f.name: [(skill_ids[name], name) for name in f.skills] for f in data.FIELDS}
        self.remote = Picker(["any", "onsite", "hybrid", "remote"], [35, 15, 25, 25])

    def make(self, user_id: int, profile_id: int) -> tuple[tuple, tuple, list[int], float]:
        """One seeker: the auth_user row, the profile row, the profile's skill ids, when they joined."""
        rng = self.rng
        first, first_ascii = rng.choice(self.firsts)
        last, last_ascii = rng.choice(self.lasts)
        username = f"{first_ascii}.{last_ascii}{user_id}"
        joined = self.now - rng.uniform(45, 730) * DAY
        last_login = _dt(self.now - rng.random() * 30 * DAY) if rng.random() < 0.7 else None
        user = (
            user_id, self.password_hash, last_login, False, username, first, last,
            f"{username}@{SEEDED_EMAIL_DOMAIN}", False, True, _dt(joined),
        )

        field = self.field(rng)
        level, _, prefixes, level_pay, _ = self.level(rng)
        title = rng.choice(field.head_titles) if level == "executive" else rng.choice(prefixes) + rng.choice(field.titles)
        places = [self.location(rng) for _ in range(rng.randint(1, 3))]
        locations = list(dict.fromkeys(place[0] for place in places))
        _, currency, place_pay, _ = places[0]
        remote = self.remote(rng)
        skills = rng.sample(self.field_skills[field.name], rng.randint(3, 8))
        headline = rng.choice(data.HEADLINE_TEMPLATES).format(
            title=title, skills=", ".join(name for _, name in skills[:3]), skill=skills[0][1],
            remote="remote" if remote == "remote" else "hybrid",
        )
        desired_salary = None
        if rng.random() < 0.7:
            step = data.salary_step(currency)
            pay = field.base_salary_usd * level_pay * place_pay * data.CURRENCY_PER_USD[currency] * rng.uniform(0.95, 1.2)
            desired_salary = max(step, round(pay / step) * step)
        time_zone = data.TIME_ZONES.get(locations[0], "UTC") if locations else "UTC"
        profile = (profile_id, user_id, headline, locations, remote, level, desired_salary, currency, time_zone, self.now_dt)
        return user, profile, [skill_id for skill_id, _ in skills], joined


class ApplicationMaker:
    def __init__(self, rng: random.Random, *, pool: JobPool, now: float, seed: int):
        self.rng, self.pool, self.now = rng, pool, now
        _, _, self.outside_companies = name_pools(seed)
        self.titles = [title for field in data.FIELDS for title in field.titles]

    def make(self, application_id: int, user_id: int, job_index: int | None, *, joined: float,
             final: str | None = None) -> tuple[tuple, list[tuple]]:
        """One application and its timeline; job_index None makes a hand-entered one."""
        rng = self.rng
        if job_index is None:
            company = rng.choice(self.outside_companies)
            job_id, earliest = None, joined
            title = rng.choice(self.titles)
            url = f"https://www.example.com/careers/{slugify(company)}/{application_id}"
        else:  # the services copy a tracked posting's company and title onto the application
            pool, url = self.pool, ""
            job_id, company, title = pool.ids[job_index], pool.company_names[job_index], pool.titles[job_index]
            earliest = max(joined, pool.posted[job_index])
        plan = plan_timeline(rng, earliest=earliest, now=self.now, final=final)
        row = (
            application_id, user_id, job_id, company, title, url, plan.status,
            plan.applied_at and _dt(plan.applied_at), plan.interview_at and _dt(plan.interview_at),
            plan.offer_at and _dt(plan.offer_at), plan.closed_at and _dt(plan.closed_at),
            plan.next_follow_up, plan.notes, _dt(plan.created_at), _dt(plan.updated_at),
        )
        events = [
            (application_id, kind, before, after, note, follow_up, user_id, _dt(at))
            for kind, before, after, note, follow_up, at in plan.events
        ]
        return row, events


# --- Writing -----------------------------------------------------------------------------


def _quote(name: str) -> str:
    # What connection.ops.quote_name does on PostgreSQL, without touching a thread's Django connection.
    return '"%s"' % name.replace('"', '""')


def _json_columns(model: type[models.Model], columns: Sequence[str]) -> list[int]:
    fields = {field.attname: field for field in model._meta.concrete_fields}
    return [i for i, column in enumerate(columns) if isinstance(fields[column], models.JSONField)]


class OrmSink:
    """The portable writer (SQLite): bulk_create, one transaction per batch."""

    threads = 0
    replica = False

    def submit(self, batch: Batch) -> None:
        with transaction.atomic():
            for model, columns, rows in batch:
                model.objects.bulk_create([model(**dict(zip(columns, row))) for row in rows])

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class PostgresSink:
    """COPY writer. With threads, each writer owns a connection and a batch is one transaction on it.

    Without threads (the caller is inside a transaction, as in a test) it writes on Django's
    connection so the rows belong to that transaction.
    """

    STAGE = "seed_demo_job_stage"

    def __init__(self, *, threads: int, warn: Callable[[str], None]):
        self.threads, self.warn = threads, warn
        self.errors: list[BaseException] = []
        self._warned = False
        self.replica = True
        if threads:
            self.queue: queue.Queue = queue.Queue(maxsize=threads)
            self.connections = [self._connect() for _ in range(threads)]
            if not self.replica:  # all writers alike: triggers on everywhere, or computed vectors would be skipped
                for conn in self.connections:
                    conn.execute("SET session_replication_role = DEFAULT")
            self.workers = [
                threading.Thread(target=self._work, args=(conn,), name=f"seed-demo-writer-{i}", daemon=True)
                for i, conn in enumerate(self.connections)
            ]
            for worker in self.workers:
                worker.start()
        else:
            connection.ensure_connection()
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('session_replication_role'), current_setting('synchronous_commit')")
                self._previous = cursor.fetchone()
                cursor.execute("SET LOCAL synchronous_commit = off")
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL session_replication_role = {REPLICA_ROLE}")
            except Exception as exc:  # noqa: BLE001 - any refusal means "keep the triggers on"
                self._no_replica(exc)

    def _no_replica(self, exc: BaseException) -> None:
        self.replica = False
        if not self._warned:
            self._warned = True
            self.warn(
                f"Could not SET session_replication_role = replica ({str(exc).strip()}): seeding with "
                "triggers and foreign-key checks on. It is correct but slower; run as a superuser to speed it up."
            )

    def _connect(self):
        import psycopg

        conn = psycopg.connect(**connection.get_connection_params(), autocommit=True)
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET temp_buffers = '64MB'")  # a whole staged batch stays in memory
        try:
            conn.execute(f"SET session_replication_role = {REPLICA_ROLE}")
        except psycopg.Error as exc:
            self._no_replica(exc)
        return conn

    def submit(self, batch: Batch) -> None:
        self._raise_writer_error()
        if not self.threads:
            with transaction.atomic(), connection.connection.cursor() as cursor:
                self._write(cursor, batch)
            return
        while True:  # never block forever on a queue whose writers have died
            try:
                self.queue.put(batch, timeout=1)
                return
            except queue.Full:
                self._raise_writer_error()

    def flush(self) -> None:
        """Return once every submitted batch is committed."""
        if self.threads:
            self.queue.join()
        self._raise_writer_error()

    def close(self) -> None:
        if self.threads:
            for _ in self.workers:
                self.queue.put(None)
            for worker in self.workers:
                worker.join()
            for conn in self.connections:
                conn.close()
        else:
            with connection.cursor() as cursor:  # the caller's transaction goes on as it was
                cursor.execute(
                    "SELECT set_config('session_replication_role', %s, true), set_config('synchronous_commit', %s, true)",
                    list(self._previous),
                )
        self._raise_writer_error()

    def _raise_writer_error(self) -> None:
        if self.errors:
            raise CommandError(f"A writer failed: {self.errors[0]}") from self.errors[0]

    def _work(self, conn) -> None:
        while True:
            batch = self.queue.get()
            try:
                if batch is None:
                    return
                if not self.errors:  # after a failure, drain so that the producer never blocks
                    with conn.transaction(), conn.cursor() as cursor:
                        self._write(cursor, batch)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                self.errors.append(exc)
            finally:
                self.queue.task_done()

    def _write(self, cursor, batch: Batch) -> None:
        for model, columns, rows in batch:
            if model is Job:
                self._write_jobs(cursor, columns, rows)
            else:
                self._copy(cursor, model, model._meta.db_table, columns, rows)

    @staticmethod
    def _copy(cursor, model, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        as_json = _json_columns(model, columns)
        with cursor.copy(f"COPY {_quote(table)} ({', '.join(map(_quote, columns))}) FROM STDIN") as copy:
            for row in rows:
                if as_json:
                    row = list(row)
                    for i in as_json:
                        row[i] = json.dumps(row[i])
                copy.write_row(row)

    def _write_jobs(self, cursor, columns: Sequence[str], rows: list[tuple]) -> None:
        """Stage the batch, then move it into jobs_job computing each search vector once.

        Relies on the batch's jobs_jobskill rows having been written first in this transaction.
        Without replica mode the row trigger computes the vector instead, from the same function.
        """
        names = ", ".join(columns)
        cursor.execute(f"CREATE TEMP TABLE {self.STAGE} (LIKE jobs_job INCLUDING DEFAULTS) ON COMMIT DROP")
        self._copy(cursor, Job, self.STAGE, columns, rows)
        if self.replica:
            # What the row trigger writes (migrations 0002 and 0010): the stemmed document, the
            # title-and-skills document and the skill ids, from the skills written just before.
            cursor.execute(
                f"INSERT INTO jobs_job ({names}, search_vector, search_title, skill_ids) "
                f"SELECT {names}, jobs_search_document(st.id, st.title, st.description, st.company_id), "
                f"jobs_search_title(st.title, (SELECT string_agg(s.name, ' ' ORDER BY s.name) FROM jobs_jobskill js "
                f"  JOIN jobs_skill s ON s.id = js.skill_id WHERE js.job_id = st.id)), "
                f"ARRAY(SELECT js.skill_id FROM jobs_jobskill js WHERE js.job_id = st.id ORDER BY js.skill_id) "
                f"FROM {self.STAGE} st"
            )
        else:
            cursor.execute(f"INSERT INTO jobs_job ({names}) SELECT {names} FROM {self.STAGE}")
        cursor.execute(f"DROP TABLE {self.STAGE}")


SEARCH_INDEX = "job_search_vector_gin"
# The definition in jobs/migrations/0002, used only to put back an index that a killed run had dropped.
SEARCH_INDEX_SQL = f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON jobs_job USING gin (search_vector)"


def _search_index_definition() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'jobs_job' AND indexname = %s",
            [SEARCH_INDEX],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def restore_search_index(warn: Callable[[str], None]) -> None:
    """Put the search index back if a seed_demo run was killed between dropping and rebuilding it."""
    if connection.vendor != "postgresql" or _search_index_definition():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('jobs_search_document(bigint, text, text, bigint)') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # migration 0002 is not applied: there is no index to restore
    warn(f"The search index {SEARCH_INDEX} was missing (an interrupted seed_demo?): rebuilding it.")
    Background(threaded=False).run(index_build_statements(SEARCH_INDEX_SQL))


def drop_search_index() -> str | None:
    """Drop the GIN search index before a big load; returns its definition, to build it again after.

    Built once from sorted entries, it costs a fraction of the per-row updates it saves (measured
    on 10,000 postings: 0.85 s of updates against 0.1 s of building). A run killed in between is
    repaired by restore_search_index() the next time.
    """
    definition = _search_index_definition()
    if definition:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX {SEARCH_INDEX}")
    return definition


def index_build_statements(definition: str) -> list[str]:
    # maintenance_work_mem is the PostgreSQL backend's memory, not this process's.
    return ["SET maintenance_work_mem = '512MB'", definition, "RESET maintenance_work_mem"]


def analyze_statements(*tables: type[models.Model]) -> list[str]:
    """Fresh planner statistics; on PostgreSQL also VACUUM, as autovacuum may be off: it sets the
    visibility map (index-only scans) and hint bits now, not during someone's first benchmark."""
    names = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in tables)
    if connection.vendor != "postgresql":
        return ["ANALYZE"]
    return [f"ANALYZE {names}"] if connection.in_atomic_block else [f"VACUUM (ANALYZE) {names}"]


class Background:
    """Slow single-statement work (index builds, VACUUM) on connections of its own, so it runs
    while the main thread goes on seeding other tables. Runs inline where there are no threads."""

    def __init__(self, *, threaded: bool):
        self.threaded = threaded
        self.params = connection.get_connection_params() if threaded else None
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []

    def run(self, statements: list[str]) -> None:
        if not self.threaded:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
            return
        # Not a daemon: an interrupted seed still waits for the search index to be rebuilt.
        thread = threading.Thread(target=self._work, args=(statements,), name="seed-demo-finisher")
        thread.start()
        self.threads.append(thread)

    def _work(self, statements: list[str]) -> None:
        import psycopg

        try:
            with psycopg.connect(**self.params, autocommit=True) as conn:
                for sql in statements:
                    conn.execute(sql)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self.errors.append(exc)

    def join(self) -> None:
        for thread in self.threads:
            thread.join()
        self.threads = []
        if self.errors:
            raise CommandError(f"Finishing the load failed: {self.errors[0]}") from self.errors[0]


def reserve_ids(model: type[models.Model], count: int) -> int:
    """The first of `count` consecutive ids nobody else will be given; the sequence moves past them."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(nextval(pg_get_serial_sequence(%s, 'id')),"
                f" (SELECT COALESCE(MAX(id), 0) + 1 FROM {table})) + %s - 1)",
                [model._meta.db_table, model._meta.db_table, max(count, 1)],
            )
            return cursor.fetchone()[0] - max(count, 1) + 1
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        highest = cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
            highest = max(highest, cursor.fetchone()[0])
        return highest + 1


# --- Reset -------------------------------------------------------------------------------


def _delete_where(model: type[models.Model], where: str) -> None:
    """DELETE the rows of `model` matching `where`, doing what Django's on_delete rules would.

    Set-based, so wiping a million postings never loads them into Python as Model.delete() would.
    """
    qn = connection.ops.quote_name
    meta = model._meta
    selected = f"SELECT {qn(meta.pk.column)} FROM {qn(meta.db_table)} WHERE {where}"
    with connection.cursor() as cursor:
        for field in meta.many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created:
                cursor.execute(f"DELETE FROM {qn(through._meta.db_table)} WHERE {qn(field.m2m_column_name())} IN ({selected})")
        for rel in meta.related_objects:
            if rel.many_to_many:
                through = rel.through
                if through._meta.auto_created:
                    column = rel.field.m2m_reverse_name()
                    cursor.execute(f"DELETE FROM {qn(through._meta.db_table)} WHERE {qn(column)} IN ({selected})")
                continue
            condition = f"{qn(rel.field.column)} IN ({selected})"
            if rel.on_delete is deletion.CASCADE:
                _delete_where(rel.related_model, condition)
            elif rel.on_delete is deletion.SET_NULL:
                cursor.execute(f"UPDATE {qn(rel.related_model._meta.db_table)} SET {qn(rel.field.column)} = NULL WHERE {condition}")
            elif rel.on_delete is not deletion.DO_NOTHING:
                cursor.execute(f"SELECT 1 FROM {qn(rel.related_model._meta.db_table)} WHERE {condition} LIMIT 1")
                if cursor.fetchone():
                    raise CommandError(f"Cannot reset: {rel.related_model.__name__} rows still point at demo {model.__name__} rows.")
        cursor.execute(f"DELETE FROM {qn(meta.db_table)} WHERE {where}")


def wipe_demo_data(warn: Callable[[str], None]) -> None:
    """Remove what seed_demo made: demo postings, seeded users, the demo user's applications, empty demo companies.

    The demo and admin logins themselves are kept.
    """
    qn = connection.ops.quote_name
    user_table = qn(User._meta.db_table)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    # Triggers off: deleting skills would otherwise recompute the vectors of jobs about to go.
                    cursor.execute(f"SET LOCAL session_replication_role = {REPLICA_ROLE}")
            except Exception as exc:  # noqa: BLE001
                warn(f"Could not switch triggers off for the reset ({str(exc).strip()}); it will be slower.")
        _delete_where(Application, f"user_id IN (SELECT id FROM {user_table} WHERE username = '{DEMO_USERNAME}')")
        _delete_where(User, f"email LIKE '%@{SEEDED_EMAIL_DOMAIN}'")
        _delete_where(Job, f"source = '{DEMO_SOURCE}'")
        _delete_where(
            Company,
            f"website LIKE 'https://%.example.com' AND NOT EXISTS "
            f"(SELECT 1 FROM {qn(Job._meta.db_table)} j WHERE j.company_id = {qn(Company._meta.db_table)}.id)",
        )


# --- The seed ----------------------------------------------------------------------------


@dataclass
class SeedReport:
    jobs: int = 0
    companies: int = 0
    users: int = 0
    applications: int = 0
    events: int = 0
    saved_searches: int = 0
    similar: int = 0  # open postings whose similar jobs were stored
    search_terms: int = 0  # the search vocabulary (suggestions, 'Did you mean') built from them
    seconds: float = 0.0
    phases: dict[str, float] = dataclass_field(default_factory=dict)


class Seeder:
    # Past this many new postings, building the GIN index afresh beats updating it row by row.
    REBUILD_SEARCH_INDEX_FROM = 50_000

    def __init__(self, *, batch_size: int, seed: int, writers: int = 2, progress: bool, warn: Callable[[str], None]):
        self.batch_size, self.seed, self.writers, self.progress, self.warn = batch_size, seed, writers, progress, warn
        self.rng = random.Random(seed)
        self.now = time.time()
        self.report = SeedReport()
        self._password_hash: str | None = None
        self.created_logins: list[str] = []  # the demo logins this run created (never reset)

    @property
    def password_hash(self) -> str:
        """One hash for every seeded user and the demo user: PBKDF2 is slow on purpose."""
        if self._password_hash is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    @contextmanager
    def phase(self, name: str):
        started = time.monotonic()
        yield
        self.report.phases[name] = self.report.phases.get(name, 0.0) + time.monotonic() - started

    def bar(self, total: int, desc: str) -> tqdm:
        return tqdm(total=total, desc=desc, unit=" rows", disable=not self.progress or not total, dynamic_ncols=True, mininterval=1)

    def open_sink(self):
        if connection.vendor != "postgresql":
            return OrmSink()
        # Writers on their own connections cannot see an enclosing transaction's rows.
        return PostgresSink(threads=0 if connection.in_atomic_block else self.writers, warn=self.warn)

    # Reference data -------------------------------------------------------------------

    def ensure_skills(self) -> dict[str, int]:
        Skill.objects.bulk_create(
            [Skill(name=name, slug=data.skill_slug(name)) for name in data.ALL_SKILLS], ignore_conflicts=True
        )
        skill_ids = dict(Skill.objects.filter(name__in=data.ALL_SKILLS).values_list("name", "id"))
        for name in set(data.ALL_SKILLS) - set(skill_ids):  # its slug was taken by a skill of another name
            skill_ids[name] = Skill.objects.create(name=name, slug=f"{data.skill_slug(name)}-demo").id
        return skill_ids

    def ensure_companies(self, count: int) -> list[CompanyInfo]:
        rng = random.Random(self.seed + 1)
        names = [f"{root} {suffix}" for root in data.COMPANY_ROOTS for suffix, _ in data.COMPANY_SUFFIXES]
        sectors = {f"{root} {suffix}": sector for root in data.COMPANY_ROOTS for suffix, sector in data.COMPANY_SUFFIXES}
        chosen = rng.sample(names, min(count, len(names)))
        existing = {c.slug: c for c in Company.objects.filter(slug__in=[slugify(name) for name in chosen])}
        new = []
        for name in chosen:
            if slugify(name) in existing:
                continue
            hq = rng.choice(data.CITY_NAMES)
            about = rng.choice(data.COMPANY_ABOUT).format(
                company=name, sector=sectors[name], hq=hq, founded=rng.randint(1995, 2021),
                size=rng.choice([12, 25, 40, 80, 150, 300, 600, 1200, 4000]),
                customers=f"{rng.choice([2, 5, 10, 40, 120, 500])},000", countries=rng.randint(3, 90),
            )
            new.append(Company(name=name, slug=slugify(name), website=COMPANY_WEBSITE.format(slug=slugify(name)),
                               description=about, headquarters=hq))
        Company.objects.bulk_create(new, batch_size=1000)
        self.report.companies = len(new)
        by_slug = {c.slug: c for c in Company.objects.filter(slug__in=[slugify(name) for name in chosen])}
        return [CompanyInfo(c.id, c.name, c.description, c.slug) for c in (by_slug[slugify(name)] for name in chosen)]

    # Bulk data --------------------------------------------------------------------------

    def seed_jobs(self, sink, count: int, skill_ids: dict[str, int]) -> JobPool:
        # A few hundred employers, more for a big catalogue (about 250 postings each), never more than postings.
        companies = self.ensure_companies(min(count, max(200, min(count // 250, 5000))))
        maker = JobMaker(self.rng, companies=companies, skill_ids=skill_ids, now=self.now)
        first = reserve_ids(Job, count)
        posted, titles, company_names = array("d"), [], []
        index = drop_search_index() if count >= self.REBUILD_SEARCH_INDEX_FROM and connection.vendor == "postgresql" else None
        try:
            self._write_jobs(sink, maker, first, count, posted, titles, company_names)
            sink.flush()
        except BaseException:
            if index:
                Background(threaded=False).run(index_build_statements(index))
            raise
        # The index build and VACUUM of the catalogue overlap with seeding users and applications.
        self.background.run((index_build_statements(index) if index else []) + analyze_statements(Company, Job, JobSkill))
        self.report.jobs = count
        return JobPool(range(first, first + count), posted, titles, company_names)

    def _write_jobs(self, sink, maker: JobMaker, first: int, count: int, posted: array, titles: list, company_names: list) -> None:
        with self.bar(count, "jobs") as bar:
            for start in range(first, first + count, self.batch_size):
                jobs, job_skills = [], []
                for job_id in range(start, min(start + self.batch_size, first + count)):
                    row, skills, posted_at, title, company_name = maker.make(job_id)
                    jobs.append(row)
                    job_skills.extend((job_id, skill_id) for skill_id in skills)
                    posted.append(posted_at)
                    titles.append(title)
                    company_names.append(company_name)
                # Skills first: the job's search vector is computed from them as the job goes in.
                sink.submit([(JobSkill, JOB_SKILL_COLUMNS, job_skills), (Job, JOB_COLUMNS, jobs)])
                bar.update(len(jobs))
                if start == first and connection.vendor == "postgresql":
                    self._analyze_first_batch(sink)

    def _analyze_first_batch(self, sink) -> None:
        """Give the planner statistics as soon as there is a batch to learn from.

        jobs_search_document() looks up each job's skills; with no statistics on a fresh table
        the planner probes the join once per skill, and the vector costs 670 µs instead of 270.
        """
        sink.flush()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE jobs_company, jobs_skill, jobs_jobskill")

    def existing_job_pool(self, limit: int = 200_000) -> JobPool:
        """The newest open postings already in the catalogue, for runs that add no postings."""
        rows = Job.objects.active().order_by("-posted_at", "-id").values_list("id", "posted_at", "title", "company__name")
        pool = JobPool(array("q"), array("d"), [], [])
        shared: dict[str, str] = {}
        for job_id, posted_at, title, company_name in rows[:limit].iterator(chunk_size=10_000):
            pool.ids.append(job_id)
            pool.posted.append(posted_at.timestamp())
            pool.titles.append(shared.setdefault(title, title))
            pool.company_names.append(shared.setdefault(company_name, company_name))
        return pool

    def seed_users(self, sink, count: int, skill_ids: dict[str, int]) -> tuple[range, array]:
        maker = UserMaker(self.rng, skill_ids=skill_ids, password_hash=self.password_hash, now=self.now, seed=self.seed)
        first_user, first_profile = reserve_ids(User, count), reserve_ids(Profile, count)
        joined = array("d")
        with self.bar(count, "users") as bar:
            for offset in range(0, count, self.batch_size):
                users, profiles, profile_skills = [], [], []
                for i in range(offset, min(offset + self.batch_size, count)):
                    user, profile, skills, joined_at = maker.make(first_user + i, first_profile + i)
                    users.append(user)
                    profiles.append(profile)
                    profile_skills.extend((first_profile + i, skill_id) for skill_id in skills)
                    joined.append(joined_at)
                sink.submit([(User, USER_COLUMNS, users), (Profile, PROFILE_COLUMNS, profiles),
                             (ProfileSkill, PROFILE_SKILL_COLUMNS, profile_skills)])
                bar.update(len(users))
        self.report.users = count
        return range(first_user, first_user + count), joined

    def application_counts(self, users: int, total: int) -> array:
        """Split `total` over `users`: most seekers track a handful, a few track dozens."""
        rng = self.rng
        weights = [min(rng.paretovariate(1.8), 40.0) for _ in range(users)]
        scale = total / sum(weights)
        counts = array("l", (int(w * scale) for w in weights))
        for _ in range(total - sum(counts)):
            counts[rng.randrange(users)] += 1
        return counts

    def seed_applications(self, sink, total: int, user_ids: range, joined: array, pool: JobPool) -> None:
        if not total:
            return
        maker = ApplicationMaker(self.rng, pool=pool, now=self.now, seed=self.seed)
        counts = self.application_counts(len(user_ids), total)
        first = reserve_ids(Application, total)
        next_id = first
        rng = self.rng
        applications, events = [], []
        with self.bar(total, "applications") as bar:
            for i, user_id in enumerate(user_ids):
                count = counts[i]
                if not count:
                    continue
                hand_entered = sum(1 for _ in range(count) if rng.random() < 0.02)
                from_catalogue = min(count - hand_entered, len(pool))
                hand_entered = count - from_catalogue  # beyond the catalogue, the rest was found elsewhere
                indexes = rng.sample(range(len(pool)), from_catalogue) + [None] * hand_entered
                for job_index in indexes:
                    row, timeline = maker.make(next_id, user_id, job_index, joined=joined[i])
                    applications.append(row)
                    events.extend(timeline)
                    next_id += 1
                if len(applications) >= self.batch_size:
                    self._flush_applications(sink, applications, events, bar)
                    applications, events = [], []
            self._flush_applications(sink, applications, events, bar)

    def _flush_applications(self, sink, applications: list, events: list, bar: tqdm) -> None:
        if applications:
            sink.submit([(Application, APPLICATION_COLUMNS, applications), (ApplicationEvent, EVENT_COLUMNS, events)])
            self.report.applications += len(applications)
            self.report.events += len(events)
            bar.update(len(applications))

    # Logins -----------------------------------------------------------------------------

    def ensure_logins(self, sink, job_pool: Callable[[], JobPool] | None) -> User:
        """The demo seeker (with a pipeline in every status) and the admin, created with their
        documented passwords only when no user of that name exists.

        An existing user is never touched: not its password, not its staff or superuser flag.
        A site that once ran the demo and then changed the admin's password keeps the change,
        and a real user who happens to be called "demo" or "admin" is not taken over.
        """
        demo, created = User.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"email": "demo@example.com", "first_name": "Dana", "last_name": "Demo",
                      "password": self.password_hash, "date_joined": _dt(self.now - 400 * DAY)},
        )
        self.created_logins = [DEMO_USERNAME] if created else []
        profile, profile_created = Profile.objects.get_or_create(user=demo)
        if profile_created:
            profile.headline = "Backend developer looking for a remote-friendly team"
            profile.preferred_locations = ["Berlin, Germany", "Remote (Europe)"]
            profile.remote_preference = Profile.RemotePreference.REMOTE
            profile.desired_experience = Job.ExperienceLevel.SENIOR
            profile.desired_salary, profile.salary_currency = 85_000, "EUR"
            profile.time_zone = "Europe/Berlin"
            profile.save()
            profile.skills.set(Skill.objects.filter(name__in=["Python", "Django", "PostgreSQL", "Docker", "Redis"]))

        if not User.objects.filter(username=ADMIN_USERNAME).exists():
            User.objects.create_superuser(username=ADMIN_USERNAME, email="admin@example.com", password=ADMIN_PASSWORD)
            self.created_logins.append(ADMIN_USERNAME)

        if job_pool is not None and not Application.objects.filter(user=demo).exists():
            pool = job_pool()
            if len(pool):
                self.seed_demo_pipeline(sink, demo, pool)
        return demo

    def seed_demo_pipeline(self, sink, demo: User, pool: JobPool) -> None:
        rng = self.rng
        count = rng.randint(30, 60)
        # Every status at least twice, the rest as for anyone else.
        finals = [status for status in Status.values for _ in range(2)]
        finals += [FINAL_STATUS_PICKER(rng) for _ in range(count - len(finals))]
        rng.shuffle(finals)
        maker = ApplicationMaker(rng, pool=pool, now=self.now, seed=self.seed)
        first = reserve_ids(Application, count)
        from_catalogue = min(count - 3, len(pool))
        indexes = rng.sample(range(len(pool)), from_catalogue) + [None] * (count - from_catalogue)
        applications, events = [], []
        joined = demo.date_joined.timestamp()
        for offset, (job_index, final) in enumerate(zip(indexes, finals)):
            row, timeline = maker.make(first + offset, demo.pk, job_index, joined=joined, final=final)
            applications.append(row)
            events.extend(timeline)
        sink.submit([(Application, APPLICATION_COLUMNS, applications), (ApplicationEvent, EVENT_COLUMNS, events)])
        self.report.applications += len(applications)
        self.report.events += len(events)

    # Finishing --------------------------------------------------------------------------

    def run(self, *, jobs: int, users: int, applications: int) -> SeedReport:
        started = time.monotonic()
        if applications and not users:
            raise CommandError("--applications needs --users: applications belong to seeded users.")
        restore_search_index(self.warn)
        skill_ids = self.ensure_skills()
        sink = self.open_sink()
        self.background = Background(threaded=bool(sink.threads))
        seeded = False
        try:
            with self.phase("jobs"):
                pool = self.seed_jobs(sink, jobs, skill_ids) if jobs else None
            with self.phase("users"):
                user_ids, joined = self.seed_users(sink, users, skill_ids) if users else (range(0), array("d"))
                if not sink.replica:  # foreign keys are checked: the jobs and users must be committed first
                    sink.flush()
            with self.phase("applications"):
                if applications:
                    pool = pool or self.existing_job_pool()
                    self.seed_applications(sink, applications, user_ids, joined, pool)
                # A run that seeds nothing (--reset with zero sizes) only wipes: no new demo pipeline.
                if jobs or users or applications:
                    self.ensure_logins(sink, lambda: pool or self.existing_job_pool(limit=5_000))
                else:
                    self.ensure_logins(sink, None)
                sink.flush()
            with self.phase("saved searches"):
                if users:  # the users are committed (flushed above): alerts for part of them
                    newest = Job.objects.filter(is_active=True).order_by("-posted_at", "-id").values_list("posted_at", "id").first()
                    mark = newest or (_dt(self.now), 0)
                    self.report.saved_searches = seed_saved_searches(user_ids, seed=self.seed, mark=mark)
            seeded = True
        finally:
            sink.close()
            if not seeded:
                self.background.join()  # an index being rebuilt is finished before the error surfaces
        with self.phase("similar jobs"):
            if jobs:  # every open posting's list, chosen ahead of its page (jobs/similar.py)
                self.report.similar = refresh_similar_jobs()
        with self.phase("search vocabulary"):
            if jobs:  # typing help and 'Did you mean' read it; the daily task keeps it current after this
                self.report.search_terms = refresh_search_terms()
        with self.phase("finish"):
            if users or applications:
                self.background.run(analyze_statements(User, Profile, ProfileSkill))
                self.background.run(analyze_statements(Application, ApplicationEvent))
            self.background.join()
        self.report.seconds = time.monotonic() - started
        return self.report


class Command(BaseCommand):
    help = (
        "Seed believable demo data: job postings, seekers with profiles and application pipelines, plus the "
        f"'{DEMO_USERNAME}' seeker and the '{ADMIN_USERNAME}' superuser. Every seeded user shares the demo "
        "password (one precomputed hash)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help=f"job postings to create (default {DEFAULT_JOBS:,})")
        parser.add_argument("--users", type=int, default=DEFAULT_USERS, help=f"seekers to create (default {DEFAULT_USERS:,})")
        parser.add_argument("--applications", type=int, default=DEFAULT_APPLICATIONS,
                            help=f"applications spread over the new seekers (default {DEFAULT_APPLICATIONS:,})")
        parser.add_argument("--reset", action="store_true", help="wipe the demo data first (demo postings, seeded users, the demo pipeline)")
        parser.add_argument("--if-empty", action="store_true",
                            help="when job postings already exist, only create the demo and admin logins if they are missing")
        parser.add_argument("--batch-size", type=int, default=5000, help="rows per batch and transaction (default 5,000)")
        parser.add_argument("--seed", type=int, default=None, help="random seed, for the same data twice")
        parser.add_argument("--heavy-seeker", type=int, default=0, metavar="N",
                            help="also bring the 'heavy' seeker (demo password) to N applications, through the services")
        parser.add_argument("--writers", type=int, default=2,
                            help="PostgreSQL connections writing batches in parallel (default 2, one per core here)")

    def handle(self, *args, jobs, users, applications, reset, if_empty, batch_size, seed, writers, verbosity,
               heavy_seeker=0, **options):
        for name, value in (("--jobs", jobs), ("--users", users), ("--applications", applications)):
            if value < 0:
                raise CommandError(f"{name} must be 0 or more (got {value}).")
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1 (got {batch_size}).")
        if writers < 1:
            raise CommandError(f"--writers must be at least 1 (got {writers}).")
        seeder = Seeder(
            batch_size=batch_size, seed=seed if seed is not None else random.randrange(2**31), writers=writers,
            progress=verbosity >= 1, warn=lambda text: self.stderr.write(self.style.WARNING(text)),
        )
        if reset:
            started = time.monotonic()
            wipe_demo_data(seeder.warn)
            self.stdout.write(f"Wiped the demo data in {time.monotonic() - started:.1f}s.")
        if if_empty and Job.objects.exists():
            restore_search_index(seeder.warn)
            sink = seeder.open_sink()
            try:
                seeder.ensure_logins(sink, lambda: seeder.existing_job_pool(limit=5_000))
            finally:
                sink.close()
            self.stdout.write("Job postings already exist: seeded nothing, checked the demo logins.")
        else:
            report = seeder.run(jobs=jobs, users=users, applications=applications)
            self.stdout.write(
                f"Seeded {report.jobs:,} jobs ({report.companies:,} new companies), {report.users:,} users, "
                f"{report.applications:,} applications with {report.events:,} events, "
                f"{report.saved_searches:,} saved searches, {report.search_terms:,} search terms in {report.seconds:.1f}s "
                f"(seed {seeder.seed})."
            )
            if verbosity >= 2:
                self.stdout.write("  " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in report.phases.items()))
        created = seeder.created_logins
        logins = {DEMO_USERNAME: f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}",
                  ADMIN_USERNAME: f"Admin: {ADMIN_USERNAME} / {ADMIN_PASSWORD} (/admin/)"}
        if created:
            self.stdout.write(self.style.SUCCESS("Created " + "    ".join(logins[name] for name in created)))
        kept = [name for name in logins if name not in created]
        if kept:
            self.stdout.write(
                f"Left the existing {' and '.join(repr(name) for name in kept)} user{'s' if len(kept) > 1 else ''} "
                "as they are (their passwords and permissions are never reset)."
            )
        self.stdout.write(f"Every seeded user (e-mail @{SEEDED_EMAIL_DOMAIN}) logs in with {DEMO_PASSWORD}.")
        if heavy_seeker:
            from demo.heavy import HEAVY_USERNAME, seed_heavy_seeker

            started = time.monotonic()
            user, added = seed_heavy_seeker(heavy_seeker, password=DEMO_PASSWORD, seed=seeder.seed)
            self.stdout.write(f"Heavy seeker '{HEAVY_USERNAME}' / {DEMO_PASSWORD}: {added:,} applications added "
                              f"in {time.monotonic() - started:.1f}s.")
