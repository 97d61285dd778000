"""Writes to the job catalogue. Each one leaves the caches stale once it commits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime

from django.db import connections, transaction
from django.db.models import QuerySet
from django.db.models.functions import MD5
from django.utils import timezone
from django.utils.text import slugify as _slugify

from jobs.cache import catalogue_changed
from jobs.models import Company, ExchangeRate, Job, JobSkill, Skill
from jobs.salaries import Rate, current_rates, recompute_usd, usd_range


@transaction.atomic
def jobs_set_active(*, jobs: QuerySet[Job], is_active: bool) -> int:
    """Open or close postings in one UPDATE; returns how many actually changed."""
    changed = (
        jobs.order_by()
        .exclude(is_active=is_active)
        .update(is_active=is_active, updated_at=timezone.now())
    )
    if changed:
        catalogue_changed()  # .update() sends no signals
    return changed


@dataclass(frozen=True)
class ImportRow:
    """One validated posting from an import file."""

    line: int
    source: str
    external_id: str
    title: str
    company: str
    description: str
    location: str = ""
    remote_policy: str = Job.RemotePolicy.ONSITE
    job_type: str = Job.JobType.FULL_TIME
    experience_level: str = Job.ExperienceLevel.MID
    salary_min: int | None = None
    salary_max: int | None = None
    salary_currency: str = "USD"
    salary_period: str = Job.SalaryPeriod.YEAR
    posted_at: datetime | None = None
    expires_at: datetime | None = None
    is_active: bool = True
    skills: tuple[str, ...] = ()
    apply_url: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.external_id)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: ImportResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


# Company, skill and title names repeat across a feed; slugify is slow enough to matter at 100k rows.
slugify = lru_cache(maxsize=100_000)(_slugify)

# Columns an import may change on an existing posting. posted_at only when the file gives it,
# so a file without dates does not move every posting to "now" on each run.
_COMPARED = ("title", "slug", "description", "company_id", "location", "remote_policy", "job_type",
             "experience_level", "salary_min", "salary_max", "salary_currency", "salary_period", "salary_min_usd",
             "salary_max_usd", "expires_at", "is_active", "apply_url")


def _company_ids(names: set[str]) -> dict[str, int]:
    by_slug = {slugify(name)[:220]: name for name in names}
    Company.objects.bulk_create([Company(name=name[:200], slug=slug) for slug, name in by_slug.items()], ignore_conflicts=True)
    ids = dict(Company.objects.filter(slug__in=by_slug).values_list("slug", "id"))
    return {name: ids[slugify(name)[:220]] for name in names}


def _skill_ids(names: set[str]) -> dict[str, int]:
    by_slug = {slugify(name)[:90]: name for name in names}
    Skill.objects.bulk_create([Skill(name=name[:80], slug=slug) for slug, name in by_slug.items()], ignore_conflicts=True)
    ids = dict(Skill.objects.filter(slug__in=by_slug).values_list("slug", "id"))
    return {name: ids[slugify(name)[:90]] for name in names}


_NEW_JOB_COLUMNS = ("id", "source", "external_id", "posted_at", "created_at", "updated_at", "title", "slug", "description",
                    "company_id", "location", "remote_policy", "job_type", "experience_level", "salary_min", "salary_max",
                    "salary_currency", "salary_period", "salary_min_usd", "salary_max_usd", "expires_at", "is_active",
                    "apply_url")


def _insert_jobs_with_skills(new_jobs: list[tuple[dict, set[int]]]) -> None:
    """Insert new postings (column values) with their skills.

    On PostgreSQL with COPY, skills first: ids are drawn from the sequence, the skill rows
    go in (their foreign key is checked at commit), then the postings, whose insert trigger
    builds each search document once, skills included. Postings first would build it
    without skills and rewrite every new row from the skill trigger: twice the work.
    COPY instead of bulk_create: building 2,000 model instances and their INSERT took as
    long in Python as PostgreSQL took to store them.
    """
    connection = connections[Job.objects.db]
    if connection.vendor != "postgresql":
        jobs = Job.objects.bulk_create([Job(**{k: v for k, v in values.items() if k != "id"}) for values, _ in new_jobs])
        JobSkill.objects.bulk_create([JobSkill(job_id=job.pk, skill_id=s) for job, (_, skills) in zip(jobs, new_jobs) for s in skills])
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('jobs_job', 'id')) FROM generate_series(1, %s)", [len(new_jobs)])
        for (values, _), (pk,) in zip(new_jobs, cursor.fetchall(), strict=True):
            values["id"] = pk
        with cursor.copy("COPY jobs_jobskill (job_id, skill_id) FROM STDIN") as copy:
            for values, skills in new_jobs:
                for skill_id in skills:
                    copy.write_row((values["id"], skill_id))
        with cursor.copy(f"COPY jobs_job ({', '.join(_NEW_JOB_COLUMNS)}) FROM STDIN") as copy:
            for values, _ in new_jobs:
                copy.write_row(tuple(values[name] for name in _NEW_JOB_COLUMNS))


@transaction.atomic
def import_job_rows(*, rows: list[ImportRow]) -> ImportResult:
    """Upsert postings on (source, external_id); rows identical to what is stored are not written.

    Re-importing a file is therefore a no-op: no UPDATE, no search-vector recomputation,
    no cache invalidation. About eight queries per batch whatever its size.
    """
    result = ImportResult()
    if not rows:
        return result
    company_ids = _company_ids({row.company for row in rows})
    skill_ids = _skill_ids({skill for row in rows for skill in row.skills})
    existing = {
        (job.source, job.external_id): job
        for job in Job.objects.filter(source__in={r.source for r in rows}, external_id__in=[r.external_id for r in rows])
        .only("id", "source", "external_id", "posted_at", *(name for name in _COMPARED if name != "description"))
        # A digest, not the text: a re-import would otherwise pull every description back.
        .annotate(description_md5=MD5("description"))
        .order_by()
    }
    stored_skills: dict[int, set[int]] = {}
    for job_id, skill_id in JobSkill.objects.filter(job_id__in=[job.pk for job in existing.values()]).values_list("job_id", "skill_id"):
        stored_skills.setdefault(job_id, set()).add(skill_id)

    now = timezone.now()
    rates = current_rates()
    new_jobs: list[tuple[dict, set[int]]] = []
    changed_jobs: list[Job] = []
    reskilled: dict[int, set[int]] = {}
    for row in rows:
        wanted_skills = {skill_ids[name] for name in row.skills}
        values = {
            "title": row.title, "slug": slugify(row.title)[:220] or "job", "description": row.description,
            "company_id": company_ids[row.company], "location": row.location, "remote_policy": row.remote_policy,
            "job_type": row.job_type, "experience_level": row.experience_level, "salary_min": row.salary_min,
            "salary_max": row.salary_max, "salary_currency": row.salary_currency, "salary_period": row.salary_period,
            "expires_at": row.expires_at, "is_active": row.is_active, "apply_url": row.apply_url,
        }
        values["salary_min_usd"], values["salary_max_usd"] = usd_range(
            row.salary_min, row.salary_max, row.salary_currency, row.salary_period, rates)
        job = existing.get(row.key)
        if job is None:
            values.update(source=row.source, external_id=row.external_id, posted_at=row.posted_at or now, created_at=now, updated_at=now)
            new_jobs.append((values, wanted_skills))
            continue
        if row.posted_at is not None:
            values["posted_at"] = row.posted_at
        fields_changed = hashlib.md5(row.description.encode()).hexdigest() != job.description_md5 or any(
            getattr(job, name) != value for name, value in values.items() if name != "description"
        )
        skills_changed = stored_skills.get(job.pk, set()) != wanted_skills
        if fields_changed:
            for name, value in values.items():
                setattr(job, name, value)
            job.updated_at = now
            changed_jobs.append(job)
        if skills_changed:
            reskilled[job.pk] = wanted_skills
        if fields_changed or skills_changed:
            result.updated += 1
        else:
            result.unchanged += 1

    if new_jobs:
        _insert_jobs_with_skills(new_jobs)
        result.created = len(new_jobs)
    if changed_jobs:
        Job.objects.bulk_update(changed_jobs, [*_COMPARED, "posted_at", "updated_at"])
    if reskilled:
        JobSkill.objects.filter(job_id__in=reskilled).delete()
        JobSkill.objects.bulk_create([JobSkill(job_id=job_id, skill_id=s) for job_id, skills in reskilled.items() for s in skills])
    if new_jobs or changed_jobs or reskilled:
        catalogue_changed()
    return result


def exchange_rates_refresh(*, rates: list[Rate], batch_size: int = 50_000, progress=None) -> int:
    """Store new exchange rates and recompute every posting's annual dollars; returns postings changed.

    The rates are written in one transaction; the postings follow in id batches (each its own
    transaction, so a million rows never sit in one), changed rows only. Until the last batch
    a search may compare some postings at the old rates: a refresh moves amounts by percents.
    """
    with transaction.atomic():
        ExchangeRate.objects.bulk_create(
            [ExchangeRate(currency=rate.currency, per_usd=rate.per_usd, as_of=rate.as_of) for rate in rates],
            update_conflicts=True, unique_fields=["currency"], update_fields=["per_usd", "as_of"],
        )
        catalogue_changed()  # the cached rates go with the generation
    return recompute_usd(batch_size=batch_size, progress=progress)
