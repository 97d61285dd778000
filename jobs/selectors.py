"""Reads behind the job pages and API: search, totals, facets, similar and trending jobs.

The search is built to cost about the same on ten postings and on a million:
- relevance ranks a bounded candidate set (the first RELEVANCE_CANDIDATES matches off the
  GIN index, or the newest WALK_CANDIDATES for a word in most postings), never every match;
- newest-first pages by keyset (posted_at, id), so page 5,000 is as cheap as page 1;
- totals: the planner's estimate first; a count stopped at COUNT_CAP + 1 only for sets it
  expects to be small; "1,000+" beyond;
- facet counts come from at most FACET_SAMPLE matches;
- totals, facets, similar and trending jobs are cached per catalogue generation (jobs.cache).
`manage.py benchmark_search` measures all of it, with the plans, on a big database.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.contrib.postgres.search import SearchHeadline, SearchRank
from django.db import connections, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from jobs import cache as jobs_cache
from jobs import plain
from jobs.models import SEARCH_CONFIG, Company, Job, JobQuerySet, JobSkill, Skill, _plain_terms, search_query

RELEVANCE_CANDIDATES = 500
COUNT_CAP = 1000
# Past this many matches (the planner's estimate) counting even to COUNT_CAP costs more
# than it tells: the bitmaps of every match are built first (remote + contract: 50 ms at a
# million postings). The estimate stands in: "1,000+" on the page, flagged in the API. Five
# times COUNT_CAP, so an estimate that far off is needed to show "1,000+" for fewer.
ESTIMATE_ONLY_ABOVE = 5 * COUNT_CAP
# A word in this share of the open postings is ranked from its WALK_CANDIDATES newest
# matches, found by walking the posted_at index, rather than from a GIN bitmap of all of
# its matches (see _relevance_candidates). Measured crossover on a million postings: ~7%.
WALK_SHARE = 0.07
WALK_CANDIDATES = 200
# Open postings from which the planner is steered (bitmap_plans); below, any plan is fast.
BIG_CATALOGUE = 50_000
BITMAP_WORK_MEM = "32MB"
FACET_SAMPLE = 1000
MAX_PAGE_SIZE = 100
MAX_OFFSET_ROWS = 2000
MAX_SKILLS = 5
EXCERPT_CHARS = 240
SIMILAR_SKILLS = 8
SIMILAR_PER_SKILL = 200
SIMILAR_SAME_COMPANY = 50

# Markers ts_headline puts around matches. The snippet is HTML-escaped first and only then
# are they turned into <mark>, so a description's own markup is never trusted.
MARK_START, MARK_STOP = "\x02", "\x03"


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    SALARY = "salary"


@dataclass(frozen=True)
class Cursor:
    """A position in the newest-first order: rows after (older than) or before it."""

    after: bool
    posted_at: datetime
    pk: int

    @classmethod
    def of(cls, job: Job, *, after: bool) -> Cursor:
        return cls(after=after, posted_at=job.posted_at, pk=job.pk)

    @property
    def token(self) -> str:
        micros = int(self.posted_at.timestamp() * 1_000_000)
        return f"{'a' if self.after else 'b'}{micros}_{self.pk}"


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    location: str = ""
    remote: tuple[str, ...] = ()
    job_type: tuple[str, ...] = ()
    experience: tuple[str, ...] = ()
    salary_min: int | None = None  # annual US dollars (the form converts what the seeker typed)
    salary_max: int | None = None
    company: str = ""
    skills: tuple[str, ...] = ()
    posted_within: int | None = None
    sort: str = Sort.NEWEST
    page: int = 1
    page_size: int = 20
    cursor: Cursor | None = None

    def filters_key(self) -> str:
        """What decides the set of matches (not its order or page): the key for totals and facets."""
        return repr((self.q, self.location, self.remote, self.job_type, self.experience, self.salary_min,
                     self.salary_max, self.company, self.skills, self.posted_within))


@dataclass(frozen=True)
class Total:
    count: int
    is_estimate: bool = False
    # A word in so many open postings that relevance walks the posted_at index (PostgreSQL).
    walk: bool = False
    # A catalogue big enough for the planner's choices to matter (see bitmap_plans).
    big: bool = False

    def __str__(self) -> str:
        return f"{COUNT_CAP:,}+" if self.is_estimate else f"{self.count:,}"


@dataclass
class SearchPage:
    items: list[Job]
    total: Total
    page: int
    page_size: int
    has_next: bool
    has_prev: bool
    next_cursor: str | None = None
    prev_cursor: str | None = None
    # Offset pages stop at this many rows (relevance ranks no more); keyset pages never do.
    max_rows: int | None = MAX_OFFSET_ROWS

    @property
    def total_pages(self) -> int:
        rows = self.total.count if self.max_rows is None else min(self.total.count, self.max_rows)
        return max(math.ceil(rows / self.page_size), self.page if self.items else 1, 1)

    @property
    def keyset(self) -> bool:
        return self.max_rows is None


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    approximate: bool
    selected: bool


# --- The search ---------------------------------------------------------------------------


def _is_postgres(qs) -> bool:
    return connections[qs.db].vendor == "postgresql"


def filtered_jobs(params: SearchParams) -> JobQuerySet:
    """Active postings matching the query and every filter, in no particular order."""
    qs = Job.objects.active()
    if params.q:
        qs = qs.search(params.q)
    if params.location:
        qs = qs.filter(location__icontains=params.location)
    if params.remote:
        qs = qs.filter(remote_policy__in=params.remote)
    if params.job_type:
        qs = qs.filter(job_type__in=params.job_type)
    if params.experience:
        qs = qs.filter(experience_level__in=params.experience)
    # A range filter keeps postings whose advertised range overlaps what the seeker asks,
    # compared in annual US dollars whatever the posting's currency (jobs/salaries.py).
    if params.salary_min is not None:
        qs = qs.filter(salary_max_usd__gte=params.salary_min)
    if params.salary_max is not None:
        qs = qs.filter(salary_min_usd__lte=params.salary_max)
    if params.company:
        # A scalar subquery, not a join: PostgreSQL runs it once up front, and then walks
        # the (company, posted_at) index newest-first for just that company.
        qs = qs.filter(company_id=Subquery(Company.objects.filter(slug=params.company).values("pk")[:1]))
    for slug in params.skills:
        qs = qs.filter(Exists(JobSkill.objects.filter(job_id=OuterRef("pk"), skill__slug=slug)))
    if params.posted_within:
        qs = qs.filter(posted_at__gte=timezone.now() - timedelta(days=params.posted_within))
    return qs.order_by()


def search_jobs(params: SearchParams) -> SearchPage:
    """One page of results: rows, their skills and the total (cached, see search_total)."""
    qs = filtered_jobs(params)
    total = search_total(params)
    if params.sort == Sort.RELEVANCE and params.q:
        page = _relevance_page(qs, params, total)
    elif params.sort == Sort.SALARY:
        # Best paid first in annual dollars, unstated last: job_active_salary_usd_idx in this order.
        salary_first = _excerpt_columns(qs.for_cards(), params).order_by(F("salary_max_usd").desc(nulls_last=True), "-id")
        page = _offset_page(salary_first, params, total, fetch=_rows_fetcher(qs, total))
    else:
        page = _newest_page(qs, params, total)
    _attach_skills(page.items)
    _attach_snippets(page.items, params, qs)
    return page


@dataclass(frozen=True)
class SkillTag:
    name: str
    slug: str


def _attach_skills(jobs: list[Job]) -> None:
    """job.skill_list for a page of cards, in one query of plain tuples.

    prefetch_related would build a Skill instance per tag: a third of a page's time here.
    """
    if not jobs:
        return
    tags: dict[int, list[SkillTag]] = {}
    rows = JobSkill.objects.filter(job_id__in=[job.pk for job in jobs]).order_by("skill__name").values_list("job_id", "skill__name", "skill__slug")
    for job_id, name, slug in rows:
        tags.setdefault(job_id, []).append(SkillTag(name, slug))
    for job in jobs:
        job.skill_list = tags.get(job.pk, [])


def _page(rows: list[Job], params: SearchParams, total: Total, *, has_prev: bool, **extra) -> SearchPage:
    has_next = len(rows) > params.page_size
    return SearchPage(items=rows[: params.page_size], total=total, page=params.page,
                      page_size=params.page_size, has_next=has_next, has_prev=has_prev, **extra)


def _offset_page(ordered: JobQuerySet, params: SearchParams, total: Total, *, limit_rows: int = MAX_OFFSET_ROWS,
                 fetch: Callable[[JobQuerySet], list[Job]] = list) -> SearchPage:
    """Page `params.page` of `ordered` (one row extra, to know if there is a next page)."""
    offset = (params.page - 1) * params.page_size
    end = min(offset + params.page_size + 1, limit_rows + 1)
    rows = fetch(ordered[offset:end]) if offset < limit_rows else []
    page = _page(rows, params, total, has_prev=params.page > 1, max_rows=limit_rows)
    if offset + params.page_size >= limit_rows:
        page.has_next = False
    return page


def _excerpt_columns(qs: JobQuerySet, params: SearchParams) -> JobQuerySet:
    if params.q and not _is_postgres(qs):
        return qs.defer(None).defer("search_vector")  # the fallback highlights in Python
    return qs.annotate(excerpt=Substr("description", 1, EXCERPT_CHARS))


@contextmanager
def bitmap_plans(qs: JobQuerySet, total: Total, *, no_index_walks: bool = False):
    """Plan the enclosed queries with bitmap index scans (PostgreSQL; a no-op elsewhere).

    Two blind spots of the planner at a million rows, both measured by benchmark_search:
    - For "any N matches" (LIMIT, no ORDER BY) it prices a sequential scan as cheap, since
      it expects to meet N matches soon. It does not price what each row costs to test:
      decompressing a 1-2 kB search_vector. It then reads ~10,000 vectors where a GIN
      bitmap reads none; and a rare filter combination makes it read the whole table.
    - For newest-first rows of a set it misjudges as big, it walks the posted_at index,
      and walks all of it when the set is in fact empty. `no_index_walks` is used when the
      set is known to be small: then a bitmap and a sort of at most COUNT_CAP rows.
    work_mem is raised so the bitmap of a common word stays exact (a lossy one rechecks
    every row of its pages). Transaction-local: nothing leaks into the pooled connection.
    Only for a big catalogue: on a small one any plan is fast and this is 3 round trips.
    """
    if not total.big:
        yield
        return
    settings = {"enable_seqscan": "off", "work_mem": BITMAP_WORK_MEM}
    if no_index_walks:
        settings["enable_indexscan"] = "off"
    sql = "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in settings)
    with transaction.atomic(using=qs.db), connections[qs.db].cursor() as cursor:
        cursor.execute(sql, [item for pair in settings.items() for item in pair])
        yield


def _rows_fetcher(qs: JobQuerySet, total: Total) -> Callable[[JobQuerySet], list[Job]]:
    if total.is_estimate or not total.big:
        return list

    def fetch(rows: JobQuerySet) -> list[Job]:
        with bitmap_plans(qs, total, no_index_walks=True):
            return list(rows)

    return fetch


def _candidate_limit(total: Total) -> int:
    return WALK_CANDIDATES if total.walk else RELEVANCE_CANDIDATES


def _relevance_candidates(qs: JobQuerySet, total: Total):
    """A bounded set of matches to rank; never every match of a common word.

    Mostly: the first RELEVANCE_CANDIDATES the GIN index yields (a bitmap scan cut short by
    the LIMIT; all matches when there are fewer). But the bitmap lists every match before
    the first row is read (100,000 entries: ~30 ms), so for a word in more than WALK_SHARE
    of the open postings the posted_at index is walked instead, testing each row, until
    the WALK_CANDIDATES newest matches are found: ~200/share rows.
    """
    if total.walk:
        return qs.order_by("-posted_at", "-id").values("pk")[:WALK_CANDIDATES]
    return qs.values("pk")[:RELEVANCE_CANDIDATES]


def _relevance_page(qs: JobQuerySet, params: SearchParams, total: Total) -> SearchPage:
    if not _is_postgres(qs):
        first = _plain_terms(params.q)[0][1] if _plain_terms(params.q) else params.q
        title_hit = Case(When(title__icontains=first, then=Value(1)), default=Value(0), output_field=IntegerField())
        ordered = _excerpt_columns(qs.for_cards(), params).annotate(title_hit=title_hit).order_by("-title_hit", "-posted_at", "-id")
        return _offset_page(ordered, params, total)
    query = search_query(params.q)
    rank = SearchRank(F("search_vector"), query)
    order = ("-rank", "-posted_at", "-id")
    ranked_ids = Job.objects.filter(pk__in=_relevance_candidates(qs, total)).annotate(rank=rank).order_by(*order).values("pk")

    def fetch(page_ids) -> list[Job]:
        # A second pass over just the page's rows, so ts_headline (the dearest call here)
        # never runs for rows an OFFSET skips.
        shown = (
            Job.objects.filter(pk__in=Subquery(page_ids))
            .for_cards()
            .annotate(rank=rank, snippet=SearchHeadline(
                "description", query, config=SEARCH_CONFIG, start_sel=MARK_START, stop_sel=MARK_STOP,
                max_words=35, min_words=15, max_fragments=2, fragment_delimiter=" … "))
            .order_by(*order)
        )
        if total.walk:
            return list(shown)
        with bitmap_plans(qs, total):
            return list(shown)

    return _offset_page(ranked_ids, params, total, limit_rows=_candidate_limit(total), fetch=fetch)


def _newest_page(qs: JobQuerySet, params: SearchParams, total: Total) -> SearchPage:
    fetch = _rows_fetcher(qs, total)
    qs = _excerpt_columns(qs.for_cards(), params)
    cursor, size = params.cursor, params.page_size
    if cursor is None:
        page = _offset_page(qs.order_by("-posted_at", "-id"), params, total, fetch=fetch)
    elif cursor.after:
        # (posted_at, id) < cursor, written so the first condition bounds the index scan.
        older = qs.filter(posted_at__lte=cursor.posted_at).filter(Q(posted_at__lt=cursor.posted_at) | Q(pk__lt=cursor.pk))
        page = _page(fetch(older.order_by("-posted_at", "-id")[: size + 1]), params, total, has_prev=True)
    else:
        newer = qs.filter(posted_at__gte=cursor.posted_at).filter(Q(posted_at__gt=cursor.posted_at) | Q(pk__gt=cursor.pk))
        rows = fetch(newer.order_by("posted_at", "id")[: size + 1])
        page = _page(rows, params, total, has_prev=len(rows) > size)
        page.items.reverse()
        page.has_next = True
    page.max_rows = None
    if page.items:
        page.next_cursor = Cursor.of(page.items[-1], after=True).token if page.has_next else None
        page.prev_cursor = Cursor.of(page.items[0], after=False).token if page.has_prev else None
    return page


def _marked(text: str) -> SafeString:
    return mark_safe(escape(text).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))


def _python_snippet(description: str, q: str) -> str:
    """The SQLite fallback's ts_headline: a window around the first match, matches marked."""
    terms = [term for negated, term in _plain_terms(q) if not negated]
    lowered = description.lower()
    hits = [lowered.find(term.lower()) for term in terms if term.lower() in lowered]
    start = max(min(hits) - 60, 0) if hits else 0
    window = description[start : start + EXCERPT_CHARS]
    if terms:
        pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
        window = pattern.sub(lambda m: f"{MARK_START}{m.group(0)}{MARK_STOP}", window)
    return ("… " if start else "") + window + (" …" if start + EXCERPT_CHARS < len(description) else "")


def _attach_snippets(jobs: list[Job], params: SearchParams, qs: JobQuerySet) -> None:
    for job in jobs:
        if getattr(job, "snippet", None):
            job.snippet_html = _marked(job.snippet)
        elif params.q and not _is_postgres(qs):
            job.snippet_html = _marked(_python_snippet(job.description, params.q))
        else:
            excerpt = getattr(job, "excerpt", "") or ""
            job.snippet_html = _marked(excerpt + (" …" if len(excerpt) >= EXCERPT_CHARS else ""))


# --- Totals and facets ------------------------------------------------------------------


def _planned_rows(qs: JobQuerySet) -> int:
    """The planner's estimate of the rows (an EXPLAIN, no scan; PostgreSQL)."""
    plan = json.loads(qs.order_by().values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def _active_planned() -> int:
    return jobs_cache.cached_value(jobs_cache.active_planned_key(), jobs_cache.ACTIVE_PLANNED_TIMEOUT,
                                   lambda: _planned_rows(Job.objects.active()) or 1, layer="planner")


def _compute_total(qs: JobQuerySet, params: SearchParams) -> Total:
    if not _is_postgres(qs):
        # The embedded default holds demo-sized data: counting is cheap.
        exact = qs.order_by().values("pk")[: COUNT_CAP + 1].count()
        return Total(exact) if exact <= COUNT_CAP else Total(qs.count(), is_estimate=True)
    open_postings = _active_planned()
    big = open_postings >= BIG_CATALOGUE
    planned = _planned_rows(qs)
    if planned >= ESTIMATE_ONLY_ABOVE:
        walk = bool(params.q) and planned >= WALK_SHARE * open_postings
        return Total(planned, is_estimate=True, walk=walk, big=big)
    probe = Total(0, big=big)
    with bitmap_plans(qs, probe):
        exact = qs.order_by().values("pk")[: COUNT_CAP + 1].count()
    if exact <= COUNT_CAP:
        return Total(exact, big=big)
    return Total(max(planned, COUNT_CAP + 1), is_estimate=True, big=big)


def search_total(params: SearchParams) -> Total:
    """How many postings match: exact up to COUNT_CAP, an estimate beyond. Cached per filter set.

    PostgreSQL: the catalogue's size (an EXPLAIN, cached apart), the matches' estimate (an
    EXPLAIN) and, when that is under ESTIMATE_ONLY_ABOVE, a count stopped at COUNT_CAP + 1.
    Elsewhere: that count, and an exact one past the cap.
    """
    key = jobs_cache.total_key(jobs_cache.catalogue_generation(), params.filters_key())
    return jobs_cache.cached_value(key, jobs_cache.TOTAL_TIMEOUT, lambda: _compute_total(filtered_jobs(params), params),
                                   layer="totals", to_cache=dataclasses.asdict, from_cache=lambda plain: Total(**plain))


FACETS = {
    "remote": ("remote_policy", Job.RemotePolicy),
    "job_type": ("job_type", Job.JobType),
    "experience": ("experience_level", Job.ExperienceLevel),
}


def _facet_counts(params: SearchParams, names: list[str], steering: Total) -> dict[str, dict[str, tuple[int, bool]]]:
    """Counts per value for the named facets over at most FACET_SAMPLE matches, in one query.

    A full sample is scaled to the total (an estimate, for big sets) and flagged approximate.
    """
    qs = filtered_jobs(params)
    columns = [FACETS[name][0] for name in names]
    sample_sql, sql_params = qs.values(*columns)[:FACET_SAMPLE].query.sql_with_params()
    column_list = ", ".join(f"col{i}" for i in range(len(columns)))
    aliased = ", ".join(f"{connections[qs.db].ops.quote_name(c)} AS col{i}" for i, c in enumerate(columns))
    sql = f"SELECT {column_list}, COUNT(*) FROM (SELECT {aliased} FROM ({sample_sql}) AS inner_sample) AS sample GROUP BY {column_list}"
    with bitmap_plans(qs, steering), connections[qs.db].cursor() as cursor:
        cursor.execute(sql, sql_params)
        rows = cursor.fetchall()
    sampled = sum(row[-1] for row in rows)
    scale, approximate = 1.0, False
    if sampled >= FACET_SAMPLE:
        scale, approximate = max(search_total(params).count, sampled) / sampled, True
    counts: dict[str, dict[str, tuple[int, bool]]] = {name: {} for name in names}
    for row in rows:
        for i, name in enumerate(names):
            previous = counts[name].get(row[i], (0, approximate))[0]
            counts[name][row[i]] = (previous + row[-1], approximate)
    for name in names:
        counts[name] = {value: (round(n * scale), approx) for value, (n, approx) in counts[name].items()}
    return counts


def _compute_facets(params: SearchParams) -> dict[str, list[FacetValue]]:
    # A chosen facet is counted without its own filter, so its other values still show
    # how many postings picking them would add. One query for the unchosen facets together,
    # one per chosen facet.
    chosen = [name for name in FACETS if getattr(params, name)]
    unchosen = [name for name in FACETS if name not in chosen]
    counts: dict[str, dict[str, tuple[int, bool]]] = {}
    steering = search_total(params)  # cached already by the page's own search
    if unchosen:
        counts.update(_facet_counts(params, unchosen, steering))
    for name in chosen:
        counts.update(_facet_counts(dataclasses.replace(params, **{name: ()}), [name], steering))
    facets = {}
    for name, (_column, choices) in FACETS.items():
        selected = getattr(params, name)
        facets[name] = [
            FacetValue(value=value, label=label, count=counts[name].get(value, (0, False))[0],
                       approximate=counts[name].get(value, (0, False))[1], selected=value in selected)
            for value, label in choices.choices
        ]
    return facets


def job_facets(params: SearchParams) -> dict[str, list[FacetValue]]:
    key = jobs_cache.facets_key(jobs_cache.catalogue_generation(), params.filters_key())
    return jobs_cache.cached_value(
        key, jobs_cache.FACETS_TIMEOUT, lambda: _compute_facets(params), layer="facets",
        to_cache=lambda facets: {name: [dataclasses.asdict(v) for v in values] for name, values in facets.items()},
        from_cache=lambda plain: {name: [FacetValue(**v) for v in values] for name, values in plain.items()},
    )


# --- One posting and its neighbours ----------------------------------------------------------


def job_for_detail(pk: int) -> Job:
    """The posting with its company and skills (2 queries); closed postings too, flagged by the page."""
    return (
        Job.objects.select_related("company")
        .defer("search_vector")
        .prefetch_related(Prefetch("skills", queryset=Skill.objects.only("name", "slug")))
        .get(pk=pk)
    )


_SIMILAR_COLUMNS = (
    "j.id, j.title, j.slug, j.location, j.remote_policy, j.job_type, j.experience_level, j.salary_min, j.salary_max, "
    "j.salary_currency, j.salary_period, j.salary_min_usd, j.salary_max_usd, j.posted_at, j.company_id, "
    "co.name AS company_name, co.slug AS company_slug, m.shared"
)


def _compute_similar(job: Job, skill_ids: list[int], limit: int) -> list[Job]:
    """Active postings sharing the most skills (or the company), in one bounded query.

    Each skill contributes only its newest SIMILAR_PER_SKILL postings, read backwards off the
    (skill, job) index, so a skill on 100,000 postings costs the same as one on ten.
    """
    connection = connections[Job.objects.db]
    branches, params = [], []
    for skill_id in skill_ids[:SIMILAR_SKILLS]:
        branches.append(
            "SELECT * FROM (SELECT job_id FROM jobs_jobskill WHERE skill_id = %s AND job_id <> %s "
            "ORDER BY job_id DESC LIMIT %s) AS s" + str(len(branches))
        )
        params += [skill_id, job.pk, SIMILAR_PER_SKILL]
    branches.append(
        "SELECT * FROM (SELECT id AS job_id FROM jobs_job WHERE company_id = %s AND id <> %s "
        "ORDER BY id DESC LIMIT %s) AS same_company"
    )
    params += [job.company_id, job.pk, SIMILAR_SAME_COMPANY]
    sql = (
        f"SELECT {_SIMILAR_COLUMNS} FROM ("
        f"  SELECT job_id, COUNT(*) AS shared FROM ({' UNION ALL '.join(branches)}) AS hits"
        f"  GROUP BY job_id ORDER BY shared DESC, job_id DESC LIMIT %s"
        f") AS m JOIN jobs_job j ON j.id = m.job_id JOIN jobs_company co ON co.id = j.company_id"
        f" WHERE j.is_active = %s AND (j.expires_at IS NULL OR j.expires_at > %s)"
        f" ORDER BY m.shared DESC, j.posted_at DESC, j.id DESC LIMIT %s"
    )
    params += [limit * 10, True, connection.ops.adapt_datetimefield_value(timezone.now()), limit]
    similar = list(Job.objects.raw(sql, params))
    for other in similar:
        other.company = Company(id=other.company_id, name=other.company_name, slug=other.company_slug)
    return similar


def similar_jobs(job: Job, *, limit: int = 5) -> list[Job]:
    """Cached; `job` must come with its skills loaded (job_for_detail does it)."""
    skill_ids = sorted(skill.pk for skill in job.skills.all())
    key = jobs_cache.similar_key(jobs_cache.posting_generation(job.pk), job.pk, limit)
    return jobs_cache.cached_value(
        key, jobs_cache.SIMILAR_TIMEOUT, lambda: _compute_similar(job, skill_ids, limit), layer="similar",
        to_cache=lambda jobs: plain.list_to_plain(jobs, related=("company",), extra=("shared",)),
        from_cache=lambda rows: plain.list_from_plain(Job, rows),
    )


def job_cards_to_cache(jobs: list[Job]) -> list[dict]:
    """Postings loaded for cards (Job.objects.for_cards()) as plain data, and back below."""
    return plain.list_to_plain(jobs, related=("company",))


def job_cards_from_cache(rows: list[dict]) -> list[Job]:
    return plain.list_from_plain(Job, rows)


# --- Home page lists ----------------------------------------------------------------------


def newest_jobs(limit: int = 10) -> list[Job]:
    return list(Job.objects.active().for_cards().order_by("-posted_at", "-id")[:limit])
