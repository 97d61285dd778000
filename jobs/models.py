from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connections, models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from jobs.dates import validate_date_range


class Company(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    headquarters = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        indexes = [models.Index(fields=["name"], name="company_name_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("company_detail", args=[self.slug])


class Skill(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=90, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:90]
        super().save(*args, **kwargs)


SEARCH_CONFIG = "english"
_TERM_RE = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')


def _plain_terms(text: str) -> list[tuple[bool, str]]:
    """Split a query the way websearch_to_tsquery reads it: words, "quoted phrases", -exclusions."""
    terms = []
    for match in _TERM_RE.finditer(text):
        negated, phrase = (match.group(1), match.group(2)) if match.group(2) is not None else (match.group(3), match.group(4))
        phrase = phrase.strip()
        if phrase and phrase.lower() != "or":
            terms.append((bool(negated), phrase))
    return terms


def search_query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)


class JobQuerySet(models.QuerySet):
    def active(self) -> JobQuerySet:
        """Postings a seeker can still apply to: flagged active and not past expiry."""
        now = timezone.now()
        return self.filter(is_active=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def search(self, text: str) -> JobQuerySet:
        """Postings matching what a seeker typed: the GIN-indexed document on PostgreSQL,
        a LIKE over title, company, skills and description anywhere else (small data only)."""
        if connections[self.db].vendor == "postgresql":
            return self.filter(search_vector=search_query(text))
        qs = self
        for negated, term in _plain_terms(text):
            matches = (
                Q(title__icontains=term)
                | Q(company__name__icontains=term)
                | Q(description__icontains=term)
                | Q(Exists(JobSkill.objects.filter(job_id=OuterRef("pk"), skill__name__icontains=term)))
            )
            qs = qs.exclude(matches) if negated else qs.filter(matches)
        return qs

    def for_cards(self) -> JobQuerySet:
        """What a result card shows, without the two big columns it does not."""
        return self.select_related("company").defer("description", "search_vector", "company__description")


class Job(models.Model):
    class RemotePolicy(models.TextChoices):
        ONSITE = "onsite", "On-site"
        HYBRID = "hybrid", "Hybrid"
        REMOTE = "remote", "Remote"

    class JobType(models.TextChoices):
        FULL_TIME = "full_time", "Full-time"
        PART_TIME = "part_time", "Part-time"
        CONTRACT = "contract", "Contract"
        INTERNSHIP = "internship", "Internship"
        TEMPORARY = "temporary", "Temporary"

    class ExperienceLevel(models.TextChoices):
        ENTRY = "entry", "Entry"
        MID = "mid", "Mid"
        SENIOR = "senior", "Senior"
        LEAD = "lead", "Lead"
        EXECUTIVE = "executive", "Executive"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="jobs")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    description = models.TextField()
    location = models.CharField(max_length=120, blank=True)
    remote_policy = models.CharField(max_length=10, choices=RemotePolicy.choices, default=RemotePolicy.ONSITE)
    job_type = models.CharField(max_length=12, choices=JobType.choices, default=JobType.FULL_TIME)
    experience_level = models.CharField(max_length=10, choices=ExperienceLevel.choices, default=ExperienceLevel.MID)
    salary_min = models.PositiveIntegerField(null=True, blank=True)
    salary_max = models.PositiveIntegerField(null=True, blank=True)
    salary_currency = models.CharField(max_length=3, default="USD")
    skills = models.ManyToManyField(Skill, through="JobSkill", related_name="jobs", blank=True)
    posted_at = models.DateTimeField(default=timezone.now, validators=[validate_date_range])
    expires_at = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    is_active = models.BooleanField(default=True)
    source = models.CharField(max_length=50, default="manual")
    external_id = models.CharField(max_length=100)
    # Weighted title/company/skills/description document, kept current by PostgreSQL
    # triggers with a GIN index (migration 0002). Stays NULL on SQLite, which searches with LIKE.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-posted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="job_unique_source_external_id"),
            models.CheckConstraint(
                condition=Q(salary_min__isnull=True) | Q(salary_max__isnull=True) | Q(salary_min__lte=F("salary_max")),
                name="job_salary_min_lte_max",
            ),
        ]
        indexes = [
            # Newest-first listing of active postings, keyset-paginated on (posted_at, id).
            models.Index(fields=["-posted_at", "-id"], condition=Q(is_active=True), name="job_active_posted_idx"),
            models.Index(fields=["company", "-posted_at"], condition=Q(is_active=True), name="job_active_company_idx"),
            models.Index(fields=["-salary_max", "-id"], condition=Q(is_active=True), name="job_active_salary_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} at {self.company_id}"

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:220] or "job"
        if not self.external_id:
            # Hand-made postings still need a unique (source, external_id).
            self.external_id = f"manual-{timezone.now().strftime('%Y%m%d%H%M%S%f')}"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("job_detail", args=[self.pk, self.slug])

    @property
    def is_open(self) -> bool:
        """Still taking applications; the same rule as JobQuerySet.active(), for one row."""
        return self.is_active and (self.expires_at is None or self.expires_at > timezone.now())


class JobSkill(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="job_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="job_skills")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "skill"], name="jobskill_unique")]
        # The unique (job, skill) index serves "skills of a job"; this one serves "jobs with a skill".
        indexes = [models.Index(fields=["skill", "job"], name="jobskill_skill_job_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.skill_id}"
