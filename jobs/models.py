from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connections, models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.text import slugify

from jobs.dates import validate_date_range
from jobs.links import company_url, job_url
from jobs.search import ParsedQuery, current_aliases, parse_query, plain_terms
from jobs.salaries import current_rates, usd_range



class SkillIdsField(ArrayField):
    """ArrayField that the SQLite default can also write: PostgreSQL's triggers keep the real
    array; elsewhere the column stays NULL (its `%s::integer[]` cast is PostgreSQL syntax).
    Deconstructs as ArrayField, so the migrations do not change."""

    def get_placeholder(self, value, compiler, connection):
        return super().get_placeholder(value, compiler, connection) if connection.vendor == "postgresql" else "%s"

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql":
            return None
        return super().get_db_prep_value(value, connection, prepared)

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.contrib.postgres.fields.ArrayField", args, kwargs

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
        return company_url(self.slug)


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
TITLE_CONFIG = "simple"
SALARY_FIELDS = frozenset({"salary_min", "salary_max", "salary_currency", "salary_period"})


def _plain_terms(text: str) -> list[tuple[bool, str]]:
    return plain_terms(text)


class TestedLastQuery(SearchQuery):
    """A search query PostgreSQL tests after a row's other filters (jobs_tested_last, migration
    0016): the same index condition and estimates, but in a scan's filter the document is
    decompressed only for rows whose columns already passed."""

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return f"jobs_tested_last({sql})", params


def search_query(text: str) -> SearchQuery:
    """The stemmed query over search_vector (aliases and symbols applied; see jobs.search)."""
    return SearchQuery(parse_query(text, current_aliases()).english, search_type="raw", config=SEARCH_CONFIG)


def open_conditions(now) -> tuple[Q, Q]:
    """What JobQuerySet.active() filters on, at `now`."""
    return Q(is_active=True), Q(expires_at__isnull=True) | Q(expires_at__gt=now)


def text_match(parsed: ParsedQuery) -> Q:
    """What JobQuerySet.search() filters on, on PostgreSQL, for a query parsed (jobs.search)."""
    if not parsed:
        # Nothing searchable ("!!", only exclusions): no posting, by a real condition
        # so totals and facets run their usual statements.
        return Q(pk__lt=0)
    # Stemmed anywhere, or, for a query an alias or a technology name widened, an
    # exact word of the title or skills ("c++", "node.js", "go" for "golang").
    stemmed = Q(search_vector=TestedLastQuery(parsed.english, search_type="raw", config=SEARCH_CONFIG))
    if not parsed.widened:
        return stemmed
    # The small document first: PostgreSQL tests an OR's arms in the order written, and
    # most rows of a widened match pass on their title or skills without the big
    # search_vector being read ("js developer": 1,001 rows rechecked in 15 ms, not 89).
    exact = Q(search_title=SearchQuery(parsed.simple, search_type="raw", config=TITLE_CONFIG))
    return exact | stemmed


def plain_text_conditions(text: str) -> list[Q]:
    """What JobQuerySet.search() filters on elsewhere than on PostgreSQL: each word or phrase in
    the title, company, description or a skill's name; an excluded one in none of them."""
    conditions = []
    for negated, term in _plain_terms(text):
        matches = (
            Q(title__icontains=term)
            | Q(company__name__icontains=term)
            | Q(description__icontains=term)
            | Q(Exists(JobSkill.objects.filter(job_id=OuterRef("pk"), skill__name__icontains=term)))
        )
        conditions.append(~Q(matches) if negated else matches)  # ~Q(…): the WHERE exclude() writes
    return conditions


class JobQuerySet(models.QuerySet):
    def active(self) -> JobQuerySet:
        """Postings a seeker can still apply to: flagged active and not past expiry."""
        return self.filter(*open_conditions(timezone.now()))

    def search(self, text: str) -> JobQuerySet:
        """Postings matching what a seeker typed: the GIN-indexed document on PostgreSQL,
        a LIKE over title, company, skills and description anywhere else (small data only)."""
        if connections[self.db].vendor == "postgresql":
            return self.filter(text_match(parse_query(text, current_aliases())))
        return self.filter(*plain_text_conditions(text))

    def for_cards(self) -> JobQuerySet:
        """What a result card shows, without the big columns it does not, nor the rows' own
        timestamps (a page of twenty read 118 timestamps, 80 of them these, each parsed in Python)."""
        return self.select_related("company").defer("description", "search_vector", "search_title", "created_at", "updated_at",
                                                    "company__description", "company__created_at", "company__updated_at")


class ExchangeRate(models.Model):
    """Units of a currency per US dollar, as of a date: what salaries are compared with.

    Filled from jobs/data/exchange_rates.csv by migration 0009; `manage.py refresh_exchange_rates`
    loads a newer file and recomputes every posting's dollars (jobs/salaries.py).
    """

    currency = models.CharField(max_length=3, primary_key=True)
    per_usd = models.DecimalField(max_digits=18, decimal_places=6)
    as_of = models.DateField()

    class Meta:
        ordering = ["currency"]

    def __str__(self) -> str:
        return f"{self.currency} {self.per_usd} per USD ({self.as_of})"


class Job(models.Model):
    class SalaryPeriod(models.TextChoices):
        YEAR = "year", "a year"
        MONTH = "month", "a month"
        WEEK = "week", "a week"
        DAY = "day", "a day"
        HOUR = "hour", "an hour"

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
    salary_period = models.CharField(max_length=5, choices=SalaryPeriod.choices, default=SalaryPeriod.YEAR,
                                     db_default=SalaryPeriod.YEAR)
    # The range annualised in US dollars at the rate table's rates (jobs/salaries.py): what
    # salary filters and the salary sort compare. Kept by save(), import_jobs, seed_demo and
    # refresh_exchange_rates; NULL without a salary or for a currency the table lacks.
    salary_min_usd = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    salary_max_usd = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    skills = models.ManyToManyField(Skill, through="JobSkill", related_name="jobs", blank=True)
    posted_at = models.DateTimeField(default=timezone.now, validators=[validate_date_range])
    expires_at = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    is_active = models.BooleanField(default=True)
    # Where a seeker applies: the employer's or the board's own page for this posting. The
    # database default keeps bulk writers that predate it (COPY with a column list) working.
    apply_url = models.URLField("apply at", max_length=500, blank=True, default="", db_default="")
    source = models.CharField(max_length=50, default="manual")
    external_id = models.CharField(max_length=100)
    # Weighted title/company/skills/description document, kept current by PostgreSQL
    # triggers with a GIN index (migration 0002). Stays NULL on SQLite, which searches with LIKE.
    search_vector = SearchVectorField(null=True, editable=False)
    # Title (A) and skill names (B), unstemmed, symbols as words (jobs/search.py): exact
    # words and title words rank first, and its GIN index is small (migration 0010).
    search_title = SearchVectorField(null=True, editable=False)
    # The posting's skill ids, sorted, kept by the same triggers: a skill filter is then an
    # index condition (GIN, `skill_ids @> ARRAY[...]`), not a lookup per row. PostgreSQL only.
    skill_ids = SkillIdsField(models.IntegerField(), null=True, blank=True, editable=False)
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
            # Salary sort (best paid first, unstated last) and "at least" filters, in dollars.
            models.Index(F("salary_max_usd").desc(nulls_last=True), F("id").desc(), condition=Q(is_active=True),
                         name="job_active_salary_usd_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} at {self.company_id}"

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title)[:220] or "job"
        if not self.external_id:
            # Hand-made postings still need a unique (source, external_id).
            self.external_id = f"manual-{timezone.now().strftime('%Y%m%d%H%M%S%f')}"
        self.set_salary_usd()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and SALARY_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "salary_min_usd", "salary_max_usd"}
        super().save(*args, **kwargs)

    def set_salary_usd(self, rates=None) -> None:
        """Annual dollars of the advertised range, so one-off saves (admin, tests) stay comparable."""
        if self.salary_min is None and self.salary_max is None:
            self.salary_min_usd = self.salary_max_usd = None
            return
        self.salary_min_usd, self.salary_max_usd = usd_range(
            self.salary_min, self.salary_max, self.salary_currency, self.salary_period,
            current_rates() if rates is None else rates,
        )

    def get_absolute_url(self) -> str:
        return job_url(self.pk, self.slug)

    @property
    def is_open(self) -> bool:
        """Still taking applications; the same rule as JobQuerySet.active(), for one row."""
        return self.is_active and (self.expires_at is None or self.expires_at > timezone.now())


class SearchAlias(models.Model):
    """A word seekers type for another: "golang" finds Go, "k8s" Kubernetes, "sr" Senior.

    Seeded by migration 0010, extended in the admin; a query word is searched as itself or
    its expansion (jobs/search.py). Lower-case words; the expansion may be a phrase.
    """

    class Kind(models.TextChoices):
        SKILL = "skill", "Skill"
        TITLE = "title", "Title"
        SENIORITY = "seniority", "Seniority"

    term = models.CharField(max_length=60, unique=True)
    expansion = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SKILL)

    class Meta:
        ordering = ["term"]
        verbose_name_plural = "search aliases"

    def __str__(self) -> str:
        return f"{self.term} → {self.expansion}"

    def save(self, *args, **kwargs):
        self.term = self.term.strip().lower()
        self.expansion = self.expansion.strip().lower()
        super().save(*args, **kwargs)


class SearchTerm(models.Model):
    """The catalogue's vocabulary for typing help: titles, companies and skills, with how many
    open postings carry each. Suggestions are prefix matches on `key` (a text_pattern_ops
    index), "Did you mean" a trigram similarity over it (a GIN pg_trgm index): migration 0011.
    Filled by that migration and `manage.py refresh_search_terms`.
    """

    class Kind(models.TextChoices):
        TITLE = "title", "Title"
        COMPANY = "company", "Company"
        SKILL = "skill", "Skill"

    term = models.CharField(max_length=200)
    key = models.CharField(max_length=200, help_text="The term in lower case: what is matched.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    frequency = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-frequency", "key"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="searchterm_unique_kind_key")]

    def __str__(self) -> str:
        return f"{self.term} ({self.kind}, {self.frequency})"


class SimilarJobs(models.Model):
    """A posting's similar jobs, chosen ahead of the page (jobs/similar.py): the ids, best first.

    Half of the anonymous crowd lands on postings nobody asked for in the last minutes, so a
    cache of the answer is cold exactly when it is needed; the ids live beside the posting
    instead. Filled for the whole catalogue by `manage.py refresh_similar_jobs` (seed_demo runs
    it), and for one posting by its first page view when missing or older than a day. A trigger
    (migration 0013) deletes the row when the posting's title, level, company or skills change.
    Closed postings are left out when the page reads the ids, so a list only ages, never lies.
    PostgreSQL only: elsewhere the column stays NULL and the page computes the list each time.
    """

    job = models.OneToOneField(Job, on_delete=models.CASCADE, primary_key=True, related_name="+")
    job_ids = SkillIdsField(models.IntegerField(), null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "similar jobs"

    def __str__(self) -> str:
        return f"{self.job_id}: {self.job_ids}"


class JobSkill(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="job_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="job_skills")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "skill"], name="jobskill_unique")]
        # The unique (job, skill) index serves "skills of a job"; this one serves "jobs with a skill".
        indexes = [models.Index(fields=["skill", "job"], name="jobskill_skill_job_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.skill_id}"
