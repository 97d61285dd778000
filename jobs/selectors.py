"""Reads behind the job pages and API: search, totals, facets, similar and trending jobs.

The search is built to cost about the same on ten postings and on a million:
- relevance orders every match by tier (exact title words, exact title or skill words,
  their stems, anywhere; jobs/search.py), then newest, then id: the first rows of that order
  are read as the newest few of each tier, best tier first and no further than needed, so
  the page is the best of *all* matches at the cost of a few short index reads (_ranked_ids);
- a skill filter is a GIN index condition on the posting's skill_ids array;
- every statement of a page runs under a statement timeout (search_deadline);
- newest-first pages by keyset (posted_at, id), so page 5,000 is as cheap as page 1;
- totals: the planner's estimate first; a count stopped at COUNT_CAP + 1 only for sets it
  expects to be small, and every match read when it expects under twice that (the page and
  its facets then come from them); "1,000+" beyond;
- facet counts come from at most FACET_SAMPLE matches; of a big set, from a random sample
  its GIN reads thin (FACET_FUZZY_LIMIT), not from a bitmap of every match;
- totals, facets, similar and trending jobs are cached per catalogue generation (jobs.cache).
`manage.py benchmark_search` measures all of it, with the plans, on a big database.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from typing import NamedTuple

import psycopg.errors
from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db import DatabaseError, OperationalError, connections, transaction
from django.db.models import BooleanField, Case, Exists, F, Func, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from jobs import cache as jobs_cache
from jobs import plain, statements
from jobs.cards import EXCERPT_CHARS, MARK_START, MARK_STOP, card_rows, skill_rows, with_excerpt, with_snippet
from jobs.models import (
    SEARCH_CONFIG, TITLE_CONFIG, Company, Job, JobQuerySet, JobSkill, Skill, _plain_terms, open_conditions,
    plain_text_conditions, text_match,
)
from jobs.similar import SIMILAR_SHOWN, compute_similar
from jobs.search import ParsedQuery, aliases_read_once, current_aliases, once_a_page, parse_query

logger = logging.getLogger(__name__)

COUNT_CAP = 1000
# Past this many matches (the planner's estimate) counting even to COUNT_CAP costs more
# than it tells: the bitmaps of every match are built first (remote + contract: 50 ms at a
# million postings). The estimate stands in: "1,000+" on the page, flagged in the API. Five
# times COUNT_CAP, so an estimate that far off is needed to show "1,000+" for fewer.
ESTIMATE_ONLY_ABOVE = 5 * COUNT_CAP
# A word in this share of the open postings is common enough that walking the posted_at
# index finds its newest matches sooner than a GIN bitmap of all of them (Total.walk).
WALK_SHARE = 0.07
# Open postings from which the planner is steered (bitmap_plans); below, any plan is fast.
BIG_CATALOGUE = 50_000
BITMAP_WORK_MEM = "32MB"
# What a steered read (bitmap_plans) prices an index entry at: ten times PostgreSQL's default,
# so a broad filter's bitmap is no longer ANDed in to spare a few hundred heap rows (see there).
BITMAP_INDEX_TUPLE_COST = "0.05"
FACET_SAMPLE = 1000
# Facets of a set known to be big (its total an estimate) come from a random sample of it: each
# GIN index read keeps about this many of a word's (or skill's) postings, chosen at random
# (PostgreSQL's gin_fuzzy_search_limit), so a common word is no longer a bitmap of all its
# postings ('design': 400,000 entries, 100-125 ms at a million postings under load, thinned to
# 20,000: 6 ms), and at most FACET_BIG_SAMPLE of the rows found are read. Fewer than
# FACET_MIN_SAMPLE found (several broad GIN conditions, each thinned): read again whole.
FACET_FUZZY_LIMIT = 50_000
FACET_BIG_SAMPLE = 500
FACET_MIN_SAMPLE = 150
MAX_PAGE_SIZE = 100
MAX_OFFSET_ROWS = 2000
MAX_SKILLS = 5

# EXCERPT_CHARS, and the markers ts_headline puts around matches (jobs.cards). The snippet is
# HTML-escaped first and only then are they turned into <mark>, so a description's own markup
# is never trusted.


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


class Candidate(NamedTuple):
    """One match as the candidates statement reads it: a tuple, since a search makes up to
    COUNT_CAP + 1 of them (a frozen dataclass's __init__ cost 0.86 ms per thousand, this 0.18)."""

    pk: int
    posted_at: datetime
    tier: int
    remote_policy: str
    job_type: str
    experience_level: str


@dataclass(frozen=True)
class Candidates:
    """All the matches of a small set (at most COUNT_CAP), read by one statement (PostgreSQL).

    The total is their number, the unchosen facets their counts, and a relevance or newest
    page their first rows in that order: rows, total and facets from one bounded read.
    """

    rows: tuple[Candidate, ...]
    # False: the read stopped at COUNT_CAP + 1, so these are a sample of a bigger set (its
    # first rows in the bitmap's order, like the facets' own sample): no page is ordered from
    # them, but the unchosen facets are counted from them, scaled to the estimate.
    complete: bool = True
    # Every match of the set without the page's chosen facets, when they were read in its place
    # (read whole: see _read_without_chosen_facets): the chosen facets are counted off them.
    unchosen: tuple[Candidate, ...] | None = None

    def ordered_ids(self, sort: str) -> list[int]:
        if sort == Sort.RELEVANCE:
            key = lambda row: (row.tier, row.posted_at, row.pk)  # noqa: E731
        else:
            key = lambda row: (row.posted_at, row.pk)  # noqa: E731
        return [row.pk for row in sorted(self.rows, key=key, reverse=True)]


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
    # Every match, when the total was just counted and is at most COUNT_CAP: job_facets
    # counts the unchosen facets from it instead of reading the matches again.
    candidates: Candidates | None = None

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


class _RowTest(Func):
    """A condition written so no index can serve it: PostgreSQL tests it on the rows another
    condition's index found (the planner does not look inside `(...) IS TRUE`)."""

    template = "((%(expressions)s) IS TRUE)"
    output_field = BooleanField()


def filtered_jobs(params: SearchParams, *, text_read_alone: bool = False,
                  row_tested: frozenset[str] = frozenset()) -> JobQuerySet:
    """Active postings matching the query and every filter, in no particular order.

    `text_read_alone` (PostgreSQL, with a query): the text is the only index read and every
    other filter a row test on the postings it finds: for a read whose text index read is made
    small by other means (a thinned facet sample, _sample_groups).
    `row_tested` (PostgreSQL): these filters (TESTABLE_FILTERS' names) are row tests on the
    postings the others' index reads find, not index reads of their own (see _row_tested).
    Built once a page (within aliases_read_once): the search, its total and its facets read the
    same set, and each built it (~0.5 ms of CPU) and compiled its WHERE (jobs.statements) again.
    """
    return once_a_page(("filtered_jobs", params.filters_key(), text_read_alone, tuple(sorted(row_tested))),
                       lambda: _filtered_jobs(params, text_read_alone=text_read_alone, row_tested=row_tested))


class _SetFilters(NamedTuple):
    """What filtered_jobs' set is made of, every lookup made (the aliases, known locations, company
    and skill ids, the clock): plain values, so jobs.statements can compose its WHERE from a
    template compiled once for each shape of them (which filters, how many values each)."""

    now: datetime
    # PostgreSQL: the query parsed (english, simple, widened), english "" when nothing in it is
    # searchable; tested last (within a company, with other filters) or as the set's index read.
    text: tuple[str, str, bool] | None
    text_tested_last: bool
    plain_text: str  # elsewhere: what was typed (LIKEs, JobQuerySet.search)
    location_in: tuple[str, ...] | None
    location_contains: str
    remote: tuple[str, ...]
    job_type: tuple[str, ...]
    experience: tuple[str, ...]
    salary_min: int | None
    salary_max: int | None
    company_id: int | None
    skill_ids: list[int] | None
    skill_slugs: tuple[str, ...]  # elsewhere: a join per skill
    posted_since: datetime | None
    # PostgreSQL, within a company or with the text read alone: the column filters as row tests.
    row_tests: bool
    text_read_alone: bool
    # PostgreSQL: for each of TESTABLE_FILTERS, whether it is a row test (filtered_jobs' row_tested).
    tested: tuple[bool, ...] = ()


# The filters a read can make row tests one by one (filtered_jobs' row_tested), SearchParams' names.
TESTABLE_FILTERS = ("location", "remote", "job_type", "experience", "salary_min", "skills", "posted_within")


def _filtered_jobs(params: SearchParams, *, text_read_alone: bool, row_tested: frozenset[str] = frozenset()) -> JobQuerySet:
    # Composed (jobs.statements.composed_set): the ORM built the same set through a queryset
    # and compiled its WHERE on every page, three times a page (the set, the set without its
    # text for the relevance tiers, the facets' sample): ~0.5 ms of CPU each.
    return statements.composed_set(_set_conditions, _set_filters(params, text_read_alone=text_read_alone,
                                                                 row_tested=row_tested))


def _set_filters(params: SearchParams, *, text_read_alone: bool, row_tested: frozenset[str] = frozenset()) -> _SetFilters:
    # The lookups (aliases, locations, company and skill ids) once a page for every set of it.
    looked_up = once_a_page(("set_filters", params.filters_key()), lambda: _looked_up_filters(params))
    postgres = connections[Job.objects.db].vendor == "postgresql"
    tested = tuple(postgres and name in row_tested for name in TESTABLE_FILTERS)
    if text_read_alone and postgres and params.q:
        return looked_up._replace(text_tested_last=False, row_tests=True, text_read_alone=True, tested=tested)
    return looked_up._replace(tested=tested)


def _looked_up_filters(params: SearchParams) -> _SetFilters:
    """The set's filters as plain values, every index read its own (_set_filters makes row tests)."""
    now = timezone.now()
    postgres = connections[Job.objects.db].vendor == "postgresql"
    text, text_tested_last = None, False
    if params.q and postgres:
        parsed = parse_query(params.q, current_aliases())
        text = (parsed.english, parsed.simple, parsed.widened)
        others = (params.location or params.remote or params.job_type or params.experience or params.skills
                  or params.salary_min is not None or params.salary_max is not None)
        # Within a company and with other filters, the text is tested last on the rows
        # those filters keep, in the same expression (so after them, and only on them):
        # its index would be ANDed in otherwise ('regress': 102,000 entries, ~45 ms).
        text_tested_last = bool(parsed) and bool(params.company) and bool(others)
    location_in = None
    if params.location and postgres:
        # The known locations holding the text, read by the B-tree on location (migration
        # 0013): the same postings as the containment, whose trigram bitmap cost 78-88 ms for
        # "Remote (Europe)" (47,592 entries) against 9 ms, and an estimate from the column's
        # statistics. None known: nothing matches, and none is spelled as typed either.
        matched = locations_containing(params.location)
        if matched is not None:
            location_in = tuple(dict.fromkeys(matched or [params.location]))
    return _SetFilters(
        now=now, text=text, text_tested_last=text_tested_last, plain_text="" if postgres else params.q,
        location_in=location_in, location_contains=params.location if location_in is None else "",
        remote=tuple(dict.fromkeys(params.remote)), job_type=tuple(dict.fromkeys(params.job_type)),
        experience=tuple(dict.fromkeys(params.experience)), salary_min=params.salary_min, salary_max=params.salary_max,
        # The company's id as a value (cached per catalogue generation; 0, no company, for an
        # unknown slug), not a subquery: the planner then knows from its statistics how many
        # postings the company has, and walks the (company, posted_at) index for a small one.
        # Behind a subquery it guessed, and for "regress" at one company bitmapped every match
        # of the word (67,000) to keep the company's few: 240-450 ms a statement.
        company_id=(company_id_for(params.company) or 0) if params.company else None,
        # The GIN index on skill_ids answers "has all of these skills" as an index condition.
        skill_ids=skill_ids_for(params.skills) if params.skills and postgres else None,
        skill_slugs=() if postgres else params.skills,
        posted_since=timezone.now() - timedelta(days=params.posted_within) if params.posted_within else None,
        row_tests=postgres and bool(params.company), text_read_alone=False,
    )


def _set_conditions(filters: _SetFilters) -> list:
    """The conditions of filtered_jobs' set, in the order the ORM is given them."""
    conditions: list = [*open_conditions(filters.now)]
    parsed = None
    if filters.text is not None:
        english, simple, widened = filters.text
        parsed = ParsedQuery(simple=simple, title="", english=english, widened=widened)
        if not filters.text_tested_last:
            conditions.append(text_match(parsed))
    elif filters.plain_text:
        conditions.extend(plain_text_conditions(filters.plain_text))
    # Within a company only the company's index is read (the text's too, when it is the only
    # other condition); the other filters
    # are row tests on its postings. The planner prices a bitmap index scan as cheap however
    # many entries it reads, and with the company's id known it ANDed the company's ~1,700
    # postings with the bitmap of a broad filter (python: 58,000 entries, ~20 ms) in every
    # statement of the page. Elsewhere the filters keep their indexes: made row tests beside
    # a text or a location too, "job type x 'regress'" went from 174 to 704 ms a page.
    column_tests: list[Q] = []
    tested = dict(zip(TESTABLE_FILTERS, filters.tested, strict=False))

    def narrow(condition: Q, name: str = "") -> None:
        (column_tests.append if filters.row_tests or tested.get(name) else conditions.append)(condition)

    if filters.location_in is not None:
        narrow(Q(location__in=filters.location_in), "location")
    elif filters.location_contains:
        narrow(Q(location__icontains=filters.location_contains), "location")
    if filters.remote:
        narrow(Q(remote_policy__in=filters.remote), "remote")
    if filters.job_type:
        narrow(Q(job_type__in=filters.job_type), "job_type")
    if filters.experience:
        narrow(Q(experience_level__in=filters.experience), "experience")
    # A range filter keeps postings whose advertised range overlaps what the seeker asks,
    # compared in annual US dollars whatever the posting's currency (jobs/salaries.py).
    if filters.salary_min is not None:
        narrow(Q(salary_max_usd__gte=filters.salary_min), "salary_min")
    if filters.salary_max is not None:
        narrow(Q(salary_min_usd__lte=filters.salary_max))
    if filters.company_id is not None:
        (narrow if filters.text_read_alone else conditions.append)(Q(company_id=filters.company_id))
    if filters.skill_ids is not None:
        narrow(Q(skill_ids__contains=filters.skill_ids), "skills")
    for slug in filters.skill_slugs:
        conditions.append(Exists(JobSkill.objects.filter(job_id=OuterRef("pk"), skill__slug=slug)))
    if filters.posted_since is not None:
        if filters.text_read_alone or tested.get("posted_within"):
            narrow(Q(posted_at__gte=filters.posted_since), "posted_within")
        else:
            conditions.append(Q(posted_at__gte=filters.posted_since))
    if column_tests:
        combined = column_tests[0]
        for condition in column_tests[1:]:
            combined &= condition
        tests = [combined, _match_as_filter(parsed)] if filters.text_tested_last else [combined]
        conditions.append(_RowTest(*tests, arg_joiner=" AND "))
    return conditions


# The columns row_filter reads (and "skill_ids", a set of the posting's skill ids).
ROW_FILTER_FIELDS = ("id", "location", "remote_policy", "job_type", "experience_level", "salary_min_usd",
                     "salary_max_usd", "company_id", "posted_at")


def row_filter(params: SearchParams) -> Callable[[dict], bool]:
    """filtered_jobs' filters except the text query, as a test of one open posting's row.

    For a batch that tests a few thousand postings already in memory against thousands of filter
    sets (notifications' alert matcher): the text query, the dear part, still runs in SQL through
    filtered_jobs; these column tests need no statement each. The same rules as filtered_jobs,
    kept so by jobs/tests/test_row_filter.py: `location` is a case-insensitive containment (the
    upper-cased LIKE of icontains), salaries overlap in annual dollars, every skill is required,
    an unknown company or skill matches nothing.
    """
    location = params.location.upper()
    remote, job_type, experience = set(params.remote), set(params.job_type), set(params.experience)
    low, high = params.salary_min, params.salary_max
    company_id = company_id_for(params.company) if params.company else None
    skills = set(skill_ids_for(params.skills)) if params.skills else None
    since = timezone.now() - timedelta(days=params.posted_within) if params.posted_within else None

    def test(row: dict) -> bool:
        return not (
            (location and location not in (row["location"] or "").upper())
            or (remote and row["remote_policy"] not in remote)
            or (job_type and row["job_type"] not in job_type)
            or (experience and row["experience_level"] not in experience)
            or (low is not None and (row["salary_max_usd"] is None or row["salary_max_usd"] < low))
            or (high is not None and (row["salary_min_usd"] is None or row["salary_min_usd"] > high))
            or (params.company and row["company_id"] != company_id)
            or (skills is not None and not skills <= row["skill_ids"])
            or (since is not None and row["posted_at"] < since)
        )

    return test


def company_id_for(slug: str) -> int | None:
    """The id of the company with this slug (None: no such company), cached per catalogue generation."""
    key = f"jobs:company-id:{jobs_cache.catalogue_generation()}:{slug}"
    found = jobs_cache.cached_value(key, SKILL_IDS_TIMEOUT, lambda: Company.objects.filter(slug=slug).values_list("pk", flat=True).first() or 0,
                                    layer="company-ids")
    return found or None


SKILL_IDS_TIMEOUT = 60 * 60

# Past this many distinct locations in the catalogue, or this many holding the typed text, the
# location filter stays a containment (the trigram index, migration 0003): the list would cost
# more to read and to plan than it spares.
LOCATIONS_MAX = 5_000
LOCATIONS_MATCHED_MAX = 200
# Every distinct location, by a skip scan of the B-tree on location: one index descent per
# value (77 at a million postings: ~1 ms), never a read of the postings.
_DISTINCT_LOCATIONS = """
WITH RECURSIVE found(location) AS (
    (SELECT location FROM jobs_job ORDER BY location LIMIT 1)
    UNION ALL
    SELECT (SELECT location FROM jobs_job WHERE location > found.location ORDER BY location LIMIT 1)
    FROM found WHERE found.location IS NOT NULL
)
SELECT location FROM found WHERE location IS NOT NULL LIMIT %s
"""


def locations_containing(text: str) -> list[str] | None:
    """The catalogue's locations holding `text` (case-insensitive, as row_filter compares), from
    its distinct locations cached per catalogue generation (a posting with a new location bumps
    it); None when there are too many to list (then the caller keeps the containment)."""
    key = f"jobs:locations:{jobs_cache.catalogue_generation()}"

    def compute() -> list[str]:
        with connections[Job.objects.db].cursor() as cursor:
            cursor.execute(_DISTINCT_LOCATIONS, [LOCATIONS_MAX + 1])
            return [location for (location,) in cursor.fetchall()]

    locations = jobs_cache.cached_value(key, SKILL_IDS_TIMEOUT, compute, layer="locations")
    if len(locations) > LOCATIONS_MAX:
        return None
    wanted = text.upper()
    matched = [location for location in locations if wanted in location.upper()]
    return matched if len(matched) <= LOCATIONS_MATCHED_MAX else None


def skill_ids_for(slugs: tuple[str, ...]) -> list[int]:
    """Ids of the skills with these slugs, cached per catalogue generation; 0 (no skill) for
    an unknown slug, so asking for it matches nothing rather than being ignored."""
    key = f"jobs:skill-ids:{jobs_cache.catalogue_generation()}:{','.join(sorted(slugs))}"

    def compute() -> list[int]:
        found = dict(Skill.objects.filter(slug__in=slugs).order_by().values_list("slug", "pk"))
        return sorted({found.get(slug, 0) for slug in slugs})

    return jobs_cache.cached_value(key, SKILL_IDS_TIMEOUT, compute, layer="skill-ids")


class SearchTimedOut(Exception):
    """A search statement ran past settings.SEARCH_STATEMENT_TIMEOUT_MS and was cancelled."""


@contextmanager
def search_deadline(using: str | None = None, *, search: str = ""):
    """Run the enclosed search under a statement timeout (PostgreSQL; a no-op elsewhere).

    The last guard, for a filter combination no index serves well: the statement is
    cancelled, and the caller answers with a message (jobs.views, jobs.api), never a 500.
    Transaction-local, so nothing leaks into the pooled connection; a blocked lock counts too.
    A cancelled search is logged as a warning naming `search` (the request's path and query),
    so an operator sees which searches the guard refused.
    """
    alias = using or Job.objects.db
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    timeout = f"{settings.SEARCH_STATEMENT_TIMEOUT_MS}ms"
    try:
        with transaction.atomic(using=alias):
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])
            yield
    except OperationalError as error:
        if isinstance(error.__cause__, psycopg.errors.QueryCanceled):
            logger.warning("search cancelled at its statement timeout (%s): %s", timeout, search or "(unnamed)")
            raise SearchTimedOut(str(error)) from error
        raise


def search_jobs(params: SearchParams) -> SearchPage:
    """One page of results: rows, their skills and the total (cached, see search_total)."""
    with aliases_read_once():  # the query is parsed by the match, the total, the tiers and the snippet
        return _search_page(params)


def _search_page(params: SearchParams) -> SearchPage:
    qs = filtered_jobs(params)
    found: list[Candidates | None] = []
    total = search_total(params, candidates_out=found, qs=qs)
    candidates = found[0] if found else None
    if candidates is not None and candidates.complete and params.cursor is None and (params.sort == Sort.NEWEST or (params.sort == Sort.RELEVANCE and params.q)):
        page = _candidates_page(candidates, params, total)
    elif params.sort == Sort.RELEVANCE and params.q:
        page = _relevance_page(qs, params, total)
    elif params.sort == Sort.SALARY:
        # Best paid first in annual dollars, unstated last: job_active_salary_usd_idx in this order.
        salary_first = _excerpt_columns(qs.for_cards(), params).order_by(F("salary_max_usd").desc(nulls_last=True), "-id")
        page = _offset_page(salary_first, params, total, fetch=_rows_fetcher(qs, total))
    else:
        page = _newest_page(qs, params, total)
    _attach_skills(page.items)
    _attach_snippets(page.items, params, qs)
    page.candidates = candidates
    return page


def _cards(page_ids: list[int], params: SearchParams) -> list[Job]:
    """The page's postings, in `page_ids` order: with a query, its snippet (ts_headline, run for
    these rows only); else the description's first characters."""
    tsquery = parse_query(params.q, current_aliases()).english if params.q and params.sort == Sort.RELEVANCE else None
    shown = card_rows(page_ids, tsquery)  # a statement compiled once (PostgreSQL), else None
    if shown is None:
        shown = Job.objects.filter(pk__in=page_ids).for_cards()
        shown = with_snippet(shown, tsquery) if tsquery is not None else _excerpt_columns(shown, params)
    by_id = {job.pk: job for job in shown}
    return [by_id[pk] for pk in page_ids if pk in by_id]


def _candidates_page(candidates: Candidates, params: SearchParams, total: Total) -> SearchPage:
    """A relevance or newest-first page of a set known whole: ordered in Python, one query for the cards."""
    offset = (params.page - 1) * params.page_size
    page_ids = candidates.ordered_ids(params.sort)[offset : offset + params.page_size + 1]
    page = _page(_cards(page_ids, params), params, total, has_prev=params.page > 1)
    if params.sort == Sort.NEWEST:
        # The same links as a keyset page, so page 2 onwards continues by cursor as usual.
        page.max_rows = None
        if page.items:
            page.next_cursor = Cursor.of(page.items[-1], after=True).token if page.has_next else None
            page.prev_cursor = Cursor.of(page.items[0], after=False).token if page.has_prev else None
    return page


class SkillTag(NamedTuple):
    """A card's skill. A named tuple, not a frozen dataclass: a page's hundred are made in a
    third of the instructions (the dataclass set each field through object.__setattr__)."""

    name: str
    slug: str


def _attach_skills(jobs: list[Job]) -> None:
    """job.skill_list for a page of cards, in one query of plain tuples.

    prefetch_related would build a Skill instance per tag: a third of a page's time here.
    """
    if not jobs:
        return
    tags: dict[int, list[SkillTag]] = {}
    for job_id, name, slug in skill_rows([job.pk for job in jobs]):  # a statement compiled once (jobs.cards)
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
    return with_excerpt(qs)


@contextmanager
def _in_transaction(using: str):
    """The enclosing transaction, or a new one: settings made with set_config(…, true) and a
    server-side cursor both live until its end."""
    if connections[using].in_atomic_block:
        yield
    else:
        with transaction.atomic(using=using):
            yield


@contextmanager
def bitmap_plans(qs: JobQuerySet, total: Total, *, no_index_walks: bool = False, gin_limit: int = 0,
                 scoped: bool = False, walks_after: bool = False):
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
    every row of its pages). An index entry is priced ten times the default
    (BITMAP_INDEX_TUPLE_COST): by default one costs 1/530 of a heap page, so the planner ANDed
    a broad filter's bitmap to a rare word's to spare a few hundred heap rows, while building
    it cost more than reading them ('coo' in remote jobs: the policy's 283,590 entries, 80-90 ms,
    against 1 ms for the word's 783 and a test of each row; 'design' with remote + salary +
    python: its 400,000 entries, 120 against 69 ms). At a million postings 6 of the matrix's
    count reads change plan, each faster (benchmark_search --matrix; PostgreSQL CPU per page
    summed over its 60 cells: 2,170-2,212 ms before, 1,906-1,960 after).
    Transaction-local: nothing leaks into the pooled connection, but
    within a transaction the settings hold for its later statements too (the page's, under
    search_deadline), as they always did past a released savepoint.
    Only for a big catalogue: on a small one any plan is fast and this is 3 round trips.
    `gin_limit`: each GIN index read returns about that many of its entries, chosen at random
    (gin_fuzzy_search_limit; for a sample, see FACET_FUZZY_LIMIT); 0, all of them. The limit is
    put back as it was on the way out (read in the statement that sets it): a transaction-local
    setting lasts to the transaction's end, and every later read of the enclosing transaction
    (search_deadline's) would be thinned too. A savepoint rolled back did the same in three
    statements (SAVEPOINT, ROLLBACK TO, RELEASE) where this takes one. After an error the
    transaction is aborted and nothing reads in it again, so the limit is left as it is.
    `scoped`: every setting made here is put back so, for a read steered in a transaction whose
    later reads are not (a thin relevance tier's, see _ranked_ids). `walks_after`: only
    `no_index_walks` is put back so (a read with row tests, see _compute_total).
    """
    if not total.big:
        yield
        return
    settings = {"enable_seqscan": "off", "work_mem": BITMAP_WORK_MEM, "cpu_index_tuple_cost": BITMAP_INDEX_TUPLE_COST}
    if no_index_walks:
        settings["enable_indexscan"] = "off"
    if gin_limit:
        settings["gin_fuzzy_search_limit"] = str(gin_limit)
    sql = "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in settings)
    values = [item for pair in settings.items() for item in pair]
    connection = connections[qs.db]
    if gin_limit or scoped or (walks_after and no_index_walks):
        # What a thinned read changes for itself alone is read in the statement that sets it
        # and set back after the read.
        own = list(settings) if scoped else [*(["gin_fuzzy_search_limit"] if gin_limit else []),
                                             *(["enable_indexscan"] if no_index_walks else [])]
        reset = "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in own)
        with _in_transaction(qs.db), connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join("current_setting(%s)" for _ in own) + ", " + sql.removeprefix("SELECT "),
                           [*own, *values])
            previous = [item for pair in zip(own, cursor.fetchone()[: len(own)], strict=True) for item in pair]
            try:
                yield
            except DatabaseError:
                raise
            except BaseException:
                cursor.execute(reset, previous)
                raise
            cursor.execute(reset, previous)
        return
    # Within a transaction already (search_deadline's), no savepoint: it would scope nothing, as a
    # released one keeps the settings made in it, and its SAVEPOINT and RELEASE were two round
    # trips more for each of the page's steered reads.
    with _in_transaction(qs.db), connection.cursor() as cursor:
        cursor.execute(sql, values)
        yield


def _rows_fetcher(qs: JobQuerySet, total: Total, *, scoped: bool = False) -> Callable[[JobQuerySet | tuple[str, list]], list]:
    """A read's rows: a queryset's, or a statement's (SQL and parameters, jobs.statements), the
    planner steered to bitmaps for a small set of a big catalogue (`scoped`: for that read alone,
    see bitmap_plans)."""

    def rows_of(rows: JobQuerySet | tuple[str, list]) -> list:
        if not isinstance(rows, tuple):
            return list(rows)
        with connections[qs.db].cursor() as cursor:
            cursor.execute(*rows)
            return cursor.fetchall()

    if total.is_estimate or not total.big:
        return rows_of

    def fetch(rows: JobQuerySet | tuple[str, list]) -> list:
        with bitmap_plans(qs, total, no_index_walks=True, scoped=scoped):
            return rows_of(rows)

    return fetch


def _tier_filters(parsed: ParsedQuery) -> list[Q]:
    """Conditions of the relevance tiers, best first; each holds every posting of the ones before.

    4. every word, exactly, in the title;  3. exactly, in the title or skills;
    2. stemmed, in the title or skills;  1. anywhere, stemmed (the match itself, no condition).
    Tier 4 reads the title-only index (jobs_title_words, migration 0012), tiers 3 and 2
    search_title's; each a plain GIN condition (no weights to recheck) with the planner's
    estimates from the statistics of what it searches: a word common among skills but rare
    in titles ("javascript") is known to be rare in titles.
    Within a tier the newest come first, then the higher id: an order a person can predict
    and the database can serve from the (posted_at, id) index or a small sort.
    """
    title_words, exact, stemmed = _tier_parts(parsed)
    # search_title holds every title word as written, so tier 3 holds tier 4 as it is.
    return [title_words, exact, exact | stemmed]


def _tier_parts(parsed: ParsedQuery) -> tuple[Q, Q, Q]:
    """Every word exactly in the title; exactly in the title or skills; stemmed there."""
    exact_title = RawSQL("jobs_title_words(jobs_job.title) @@ to_tsquery(%s::regconfig, %s)", [TITLE_CONFIG, parsed.simple],
                         output_field=BooleanField())
    exact = Q(search_title=SearchQuery(parsed.simple, search_type="raw", config=TITLE_CONFIG))
    stemmed = Q(search_title=SearchQuery(parsed.english, search_type="raw", config=SEARCH_CONFIG))
    return Q(exact_title), exact, stemmed


RELEVANCE_TIERS = 4
# Each tier's condition (_tier_filters), best first, for jobs.statements to compile once per form.
_TIER_CONDITIONS: tuple[Callable[[ParsedQuery], Q], ...] = tuple(
    (lambda parsed, i=i: _tier_filters(parsed)[i]) for i in range(RELEVANCE_TIERS - 1))
# What a tier's own read (index read, newest first) filters on: tier 2's is skipped by PostgreSQL
# when the stemmed words are the exact ones (_stems_differ), the same read as tier 3's.
_TIER_READS: tuple[Callable[[ParsedQuery], Q], ...] = (
    *_TIER_CONDITIONS[:-1], lambda parsed: _TIER_CONDITIONS[-1](parsed) & Q(_stems_differ(parsed)))
# What the ORM writes for .order_by("-posted_at", "-id").values_list("pk", "posted_at").
_NEWEST_IDS = '"jobs_job"."id" AS "pk", "jobs_job"."posted_at" AS "posted_at"'
_NEWEST_ORDER = ' ORDER BY 2 DESC, "jobs_job"."id" DESC'


def _title_words_tested_cheaply(parsed: ParsedQuery, title_words: Q) -> Q:
    """The title-words tier as a row test: the stored document's weight-A lexemes (every title
    word as written is one) first, so jobs_title_words(title) is recomputed only for the few
    rows that may pass. Not for an index read: there the title-words GIN index decides alone."""
    if parsed.excludes:
        return title_words
    has_title_weight = RawSQL("jobs_job.search_title @@ to_tsquery(%s::regconfig, %s)", [TITLE_CONFIG, parsed.title],
                              output_field=BooleanField())
    return Q(has_title_weight) & title_words


def _stems_differ(parsed: ParsedQuery) -> RawSQL:
    """Whether the stemmed words are another query than the exact ones: a condition on no row,
    which PostgreSQL tests once before a read (a one-time filter) and, false, skips the read.

    When every word is its own stem and no alias widens it ('design', 'python', 'senior data'),
    tier 2 (exact or stemmed) is tier 3 (exact), and _ranked_ids reads tier 2 only when tier 3
    came back whole and short: the same statement again for no new row ('design' with remote,
    salary >= 150k and python: its title-or-skills bitmap and the skill's, twice, 22-27 ms each
    at a million postings under load).
    """
    return RawSQL("to_tsquery(%s::regconfig, %s) <> to_tsquery(%s::regconfig, %s)",
                  [SEARCH_CONFIG, parsed.english, TITLE_CONFIG, parsed.simple], output_field=BooleanField())


def _tier_case(parsed: ParsedQuery) -> Case:
    """Each match's tier as an expression, for sets read whole (Candidates) or ranked exhaustively.

    The same tiers as _tier_filters, tested cheapest first: the title-words tier recomputes
    jobs_title_words(title) (five regexps and a parse per row: 51 ms for 943 rows), so it is
    tested only on rows of tier 3 (which holds it) whose stored document has the words with
    the title's weight (which every title word has): a description-only match never pays it.
    """
    title_words, exact, stemmed = _tier_parts(parsed)
    title_words = _title_words_tested_cheaply(parsed, title_words)
    best_two = Case(When(title_words, then=Value(4)), default=Value(3), output_field=IntegerField())
    # Past the first branch the exact words are known absent: tier 2 is the stems alone (not
    # tested again as "exact or stemmed": a document match per row fewer).
    return Case(When(exact, then=best_two), When(stemmed, then=Value(2)), default=Value(1), output_field=IntegerField())


def _match_as_filter(parsed: ParsedQuery) -> RawSQL:
    """The match, written so no index can serve it: tested only on rows a tier's index found.

    ANDed as a plain condition, the planner intersects the tier's small bitmap with the
    match's whole one (43,000 entries for "senior data engineer": ~100 ms to build).
    """
    sql = "jobs_job.search_vector @@ to_tsquery(%s::regconfig, %s)"
    params: list[str] = [SEARCH_CONFIG, parsed.english]
    if parsed.widened:
        # The small document first: a row a tier found passes on it without the big one read.
        sql = "jobs_job.search_title @@ to_tsquery(%s::regconfig, %s) OR " + sql
        params = [TITLE_CONFIG, parsed.simple, *params]
    return RawSQL(f"(({sql}) IS TRUE)", params, output_field=BooleanField())


# How many of the newest open postings a tier is first looked for among (see _newest_window_rows).
RECENT_WINDOW = 5000
# When the first window holds some of a tier but too few, a window this many times wider is
# tried before the whole tier (see _ranked_ids).
WINDOW_GROWTH = 4
# At most this many rows of a window walk fetched at a time (see _newest_window_rows' `enough`).
WINDOW_BATCH = 1000
_FROM_JOBS = 'FROM "jobs_job" WHERE'
_FROM_NEWEST = ('FROM (SELECT * FROM "jobs_job" WHERE "jobs_job"."is_active" '
                'ORDER BY "jobs_job"."posted_at" DESC, "jobs_job"."id" DESC LIMIT %s) AS "jobs_job" WHERE')


def _newest_window_rows(read: JobQuerySet, size: int, enough: Callable[[tuple], bool] | None = None,
                        first: int = WINDOW_BATCH, more: Callable[[list], int] | None = None,
                        statement: tuple[str, list] | None = None) -> list | None:
    """`read`'s rows (newest first) looked for among the `size` newest open postings only; when
    fewer than a tier needs are there, only a wider read can tell the rest. None when `read`
    cannot be rewritten so.

    Why: a tier of a big set is read newest-first either by a GIN bitmap of all its postings
    (each fetched from the heap, then sorted) or by a walk of the posted_at index testing each
    row; the planner picks by its estimate, which for several words or an alias phrase
    multiplies frequencies as if independent. "ml engineer" (title words, 11,825 postings,
    estimated 102) fetched 11,589 heap pages to keep 21: 300-460 ms. Among the newest 5,000 rows
    (a prefix of the posted_at index, the same hot pages for every search) a tier in over
    ~0.5 % of postings is found at a bounded cost whatever the estimate; and when the window
    holds `want` of them they are exactly the tier's newest `want`, as the window is a prefix
    of that order. The LIMIT inside the derived table keeps the planner from pushing the
    conditions down into a bitmap.

    `enough(row)`, true of the row after which no later row can be needed, stops the reading
    there: the rest are neither converted (a common word's walk returns ~2,000 rows, each with
    a timestamp to parse: 9 ms of the page's 41 ms of CPU, when its first few hundred answer)
    nor even computed: the rows come through a server-side cursor, `first` of them (the fewest
    that can answer: the page's rows), then as many as `more(rows read)` says (twice as many
    by default; up to WINDOW_BATCH), and the database computes only the rows asked for, so the
    walk stops near where the reading does. Each fetch is a round trip (0.4-0.8 ms with the
    machine loaded), so they are sized from what was read (_rows_to_fill). At 1,000,000
    postings, the relevance set's 42 walks: 211,000 buffers whole; 138,000 with fetches of 100
    after the first; 109,000 and 116 fetches doubling; 104,000 and 74 fetches sized
    ('engineer' 30, 'sr product manager' 513, 'ml engineer' 1,028 of the window's 5,030).
    `statement`: `read`'s SQL and parameters, when the caller composed them (jobs.statements).
    """
    sql, params = statement or read.query.sql_with_params()
    if sql.count(_FROM_JOBS) != 1:
        return None
    sql = sql.replace(_FROM_JOBS, _FROM_NEWEST)
    # The window's LIMIT goes before the outer query's own parameters, where it sits in the text.
    head = sql.split(_FROM_NEWEST.split("%s")[0], 1)[0]
    position = head.count("%s")
    params = (*params[:position], size, *params[position:])
    connection = connections[read.db]
    if enough is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    # A server-side cursor lives in a transaction (outside one Django would declare it WITH
    # HOLD, which computes every row at the first commit); a page under search_deadline is in one.
    with _in_transaction(read.db), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        rows: list = []
        batch_size = min(first, WINDOW_BATCH)
        while batch := cursor.fetchmany(batch_size):
            for row in batch:
                rows.append(row)
                if enough(row):
                    return rows
            if len(batch) < batch_size:  # the window's end: no fetch more to learn it
                return rows
            batch_size = max(1, min(more(rows) if more else 2 * batch_size, WINDOW_BATCH))
        return rows


def _recent_since(rows: int) -> datetime | None:
    """When the `rows` newest open postings begin (RECENT_WINDOW, or the wider window): the
    posted_at of the last of them; None when fewer are open. Any time is a correct bound, as
    posted_at >= it is always a prefix of the newest-first order: cached for minutes, a stale
    bound only holds the postings that arrived since (an index-only read of 25,000 entries
    otherwise, ~4 ms at a million postings)."""
    sizes = (RECENT_WINDOW, RECENT_WINDOW * WINDOW_GROWTH)

    def read() -> list[str | None]:
        one = ('(SELECT "posted_at" FROM "jobs_job" WHERE "is_active" '
               'ORDER BY "posted_at" DESC, "id" DESC OFFSET %s LIMIT 1)')
        with connections[Job.objects.db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(one for _ in sizes), [size - 1 for size in sizes])
            return [bound.isoformat() if bound else None for bound in cursor.fetchone()]

    bounds = jobs_cache.cached_value(jobs_cache.recent_since_key(sizes), jobs_cache.RECENT_SINCE_TIMEOUT, read, layer="planner")
    bound = bounds[sizes.index(rows)]
    return datetime.fromisoformat(bound) if bound else None


def _newest_recent(read: JobQuerySet, want: int, rows: int, fetch: Callable[[JobQuerySet | tuple[str, list]], list]) -> list | None:
    """The newest `want` of `read`, as (id, posted_at), looked for among the `rows` newest open
    postings only: when fewer are there, those (only a read of all of them can tell the rest);
    None when there is no such bound.

    Why: the match itself, read newest-first, is a bitmap of all its postings, each fetched
    from the heap and sorted. Bounded by posted_at (a time, so the planner knows the range's
    size), its bitmap is ANDed with the posted_at index's few thousand entries and only the
    postings in both are fetched: 'Fern Games' (a company: no title or skill holds its words, so
    the match is its first tier) matches 26,889 postings, estimated 1,224 as its two words are
    counted as if independent: 25,751 heap pages, 100-330 ms at a million postings, where its
    newest 21 are among the newest 5,000 postings (112 of them): 7-12 ms. A walk of the newest
    postings testing each would read their 1-2 kB documents. A match the window holds too few
    of costs its bitmap and the range's again (~1-2 ms), and is read whole.
    """
    since = _recent_since(rows)
    if since is None:
        return None
    composed = statements.select(read, _NEWEST_IDS, (), f' AND "jobs_job"."posted_at" >= %s{_NEWEST_ORDER} LIMIT {want}')
    if composed is None:
        return fetch(read.filter(posted_at__gte=since).order_by("-posted_at", "-id").values_list("pk", "posted_at")[:want])
    return fetch((composed[0], [*composed[1], since]))


def _rows_to_fill(rows: list, want: int) -> int:
    """How many more rows of a window walk to ask for, from the best tier's share of those read:
    enough, by that share and half as many again, to complete `want` of it (so a walk whose best
    tier is dense stops a few rows past the last one needed, in one or two more fetches); with
    none of it yet, WINDOW_BATCH rows, as a rule the rest of the window (its share says nothing,
    and each fetch is a round trip)."""
    best = sum(1 for row in rows if row[2] >= RELEVANCE_TIERS)
    if not best:
        return WINDOW_BATCH
    return math.ceil(1.5 * (want - best) * len(rows) / best)


def _ranked_ids(qs: JobQuerySet, parsed: ParsedQuery, want: int, *, unmatched: JobQuerySet,
                fetch: Callable[[JobQuerySet | tuple[str, list]], list] | None = None, stepwise: bool = False,
                window: bool = False, thin_fetch: Callable[[JobQuerySet | tuple[str, list]], list] | None = None,
                match_bounded: bool = False, match_walked: bool = False) -> list[int]:
    """The first `want` matches in relevance order, exactly as ranking every match would give them.

    The newest `want` of each tier, merged on (tier, posted_at, id). As the tiers nest, a
    posting among the true first `want` is among the newest `want` of its own tier, so nothing
    better is ever missed. On a small catalogue all reads go in one UNION ALL statement.
    `stepwise` (a big catalogue): best tier first and no further than needed: once the tiers
    read hold `want` postings no lower tier can place one among the first `want`, so its read
    is skipped, sparing the dearest reads (the whole match, a common stem) whenever the title
    already answers; a tier is read only when every better one came back short of `want`,
    i.e. whole, so each posting keeps its best tier. `window` (a big set): each tier is looked
    for among the newest postings first (_newest_window_rows); a tier they hold too few of is
    then read whole through `thin_fetch` (the planner steered to bitmaps, no index walks): the
    window has shown it thin among the newest postings, where a walk of the posted_at index
    would look for it. The planner, multiplying its conditions' frequencies as if independent,
    walked that index for 'design' in the titles of python postings (estimated 1,717, none at a
    million postings): 851,226 rows, 808,000 buffers, 5.2 s, cancelled at the statement timeout;
    its bitmaps of the two (50,293 and 58,149 entries) answer in 53 ms. `match_bounded`: the match
    itself (tier 1) is looked for among the newest postings first (_newest_recent): a set the
    planner estimated under ESTIMATE_ONLY_ABOVE yet counted past COUNT_CAP, which it reads by a
    bitmap of all its postings. One it knows is big it reads by a walk of the posted_at index,
    cheaper than the bounded read's bitmap of all the words' entries ('regress' in one location:
    1,651 buffers walked, 3,802 bounded). `match_walked`: in the first window the match is looked
    for by a walk of it testing every condition on each row (_window_walk_pays).
    """
    best: dict[int, tuple[int, datetime]] = {}
    fetch = fetch or _rows_fetcher(unmatched, Total(0))
    thin_fetch = thin_fetch or fetch

    # Each tier's two reads, built only when read: a page on a common word reads one window
    # walk and no tier (a queryset filtered and cloned is ~0.2-0.5 ms of CPU for nothing).
    def in_match(rows: JobQuerySet) -> JobQuerySet:
        # Only an exclusion can put a tier's posting outside the match ("-sales": no sales in
        # the title, yet in the description). Otherwise every tier's condition implies the
        # match (title and skills are in the stemmed document too), and testing it again
        # would only make the planner think the tier rare (it multiplies the two as if
        # independent) and sort all of it: 1.4 s for "javascript", a skill on 23,000 postings.
        return rows.filter(_match_as_filter(parsed)) if parsed.excludes else rows

    def found_in(tier: int) -> Callable[[], JobQuerySet]:
        return lambda: in_match(unmatched.filter(_TIER_READS[RELEVANCE_TIERS - tier](parsed)))

    def tested_in(tier: int, condition: Q) -> Callable[[], JobQuerySet]:
        # In a window the tier is a row test, the title words' recomputation spared where it can be.
        return lambda: in_match(unmatched.filter(
            _title_words_tested_cheaply(parsed, condition) if tier == RELEVANCE_TIERS else condition))

    reads: list[tuple[int, Callable[[], JobQuerySet], Callable[[], JobQuerySet] | None]] = [
        (tier, found_in(tier), tested_in(tier, condition))
        for tier, condition in zip(range(RELEVANCE_TIERS, 1, -1), _tier_filters(parsed), strict=True)]
    reads.append((1, lambda: qs, None))
    if not (stepwise or window):
        branches = [found().annotate(tier=Value(tier)).order_by("-posted_at", "-id").values_list("pk", "posted_at", "tier")[:want]
                    for tier, found, _tested in reads]
        for pk, posted_at, tier in fetch(branches[0].union(*branches[1:], all=True)):
            if pk not in best or best[pk][0] < tier:
                best[pk] = (tier, posted_at)
        reads = []
    in_window: list = []
    if window and reads:
        # One walk of the window for every tier: its rows in the loosest tier (title or skill
        # words, exact or stemmed), each with its best tier. A tier's newest rows in the window
        # are then those of that tier or better ('qa', 'scrum', 'regress' read all three tiers:
        # three walks of the same 5,000 rows, 13-17 ms each at load 5, became one).
        loosest = reads[-2][2]()
        statement = _best_tiers_sql(loosest, parsed)
        best_tiers = loosest if statement else _best_tiers(loosest, parsed)
        # Once `want` rows of the best tier are read, its read answers the page (the loop below
        # stops there), so no later row is needed.
        top_tier = itertools.count(1)
        in_window = _newest_window_rows(
            best_tiers, RECENT_WINDOW, enough=lambda row: row[2] >= RELEVANCE_TIERS and next(top_tier) >= want, first=want,
            more=lambda rows: _rows_to_fill(rows, want), statement=statement,
        ) or []
    for tier, found, tested in reads:
        rows = None
        thin = False
        if window and tested is not None:
            rows = [(pk, posted_at) for pk, posted_at, best_tier in in_window if best_tier >= tier][:want]
            if want / 3 <= len(rows) < want:
                # A third at least: a tier in ~0.15-0.5 % of postings ("design" in remote titles:
                # 12 of 21 in the first window), which a window four times wider should hold
                # with a margin, at a fraction of the whole tier's read (title words AND remote: bitmaps
                # of 9,000 and 283,000 entries, 5,700 heap pages, 170-320 ms at a million
                # postings). With fewer, the wider window too often came back short and was
                # paid on top of the whole read ("design" in contract titles: 139 + 56 ms).
                wider = _several_words_wider_window(unmatched, parsed, tier, want) if tier > 1 else None
                if wider is None:
                    newest = tested().order_by("-posted_at", "-id").values_list("pk", "posted_at")[:want]
                    wider = _newest_window_rows(newest, RECENT_WINDOW * WINDOW_GROWTH) or []
                rows = wider
            if len(rows) < want:
                rows, thin = None, True
        elif window and match_bounded:
            # The match itself: no window walk tested it (its document is the big one), but its
            # newest rows are looked for among the newest postings first all the same, in a
            # window four times wider when the first holds some but too few (as a tier's above).
            if match_walked:
                rows = _newest_window_rows(qs.order_by("-posted_at", "-id").values_list("pk", "posted_at")[:want],
                                           RECENT_WINDOW)
            else:
                rows = _newest_recent(qs, want, RECENT_WINDOW, fetch)
            if rows is not None and want / 3 <= len(rows) < want:
                rows = _newest_recent(qs, want, RECENT_WINDOW * WINDOW_GROWTH, fetch)
            if rows is not None and len(rows) < want:
                rows = None
        if rows is None:
            # The ORM's statement, from the set's WHERE and the tier's condition compiled once
            # (not for an exclusion, whose tiers test the match again).
            newest = f"{_NEWEST_ORDER} LIMIT {want}"
            if tier == 1:  # the match itself
                composed = statements.select(qs, _NEWEST_IDS, (), newest)
            else:
                composed = None if parsed.excludes else statements.narrowed_select(
                    unmatched, _TIER_READS[RELEVANCE_TIERS - tier], parsed, _NEWEST_IDS, newest)
            rows = (thin_fetch if thin else fetch)(
                composed or found().order_by("-posted_at", "-id").values_list("pk", "posted_at")[:want])
        for pk, posted_at in rows:
            if pk not in best:  # a better tier read it first
                best[pk] = (tier, posted_at)
        if len(best) >= want:
            break
    ordered = sorted(best.items(), key=lambda item: (item[1][0], item[1][1], item[0]), reverse=True)
    return [pk for pk, _ in ordered[:want]]


def several_words(parsed: ParsedQuery) -> bool:
    """Whether the query asks for several words (or phrases) at once, none excluded: a match is then
    the AND of their GIN entries, whose read costs about what the rarest word's entries cost."""
    return " & " in parsed.english and not parsed.excludes


def _several_words_wider_window(unmatched: JobQuerySet, parsed: ParsedQuery, tier: int, want: int) -> list | None:
    """The newest `want` of a tier of several words among the RECENT_WINDOW * WINDOW_GROWTH newest
    open postings, by the tier's own index ANDed with the posted_at range (as _newest_recent reads
    the match), not a walk of the window; None when this does not apply (one word, an exclusion,
    no bound, or a plan that would not AND the range), the caller then walks the window.

    Why: the walk fetches each of the window's 20,000 postings from the heap to test it (one page
    each: 'senior data engineer' in remote titles, 18,379 buffers, 56 ms at a million postings);
    the AND of several title words is a short list (3,890 titles hold all three), and only the
    postings in both it and the range are fetched (515 buffers, 15 ms with its index reads).
    Only when PostgreSQL does AND the range's bitmap (its plan is asked first, in the same steered
    scope): it multiplies the words' frequencies as if independent, and for words that go together
    it expects so few postings that it fetches every one of them instead ('machine learning
    engineer' in titles, estimated 70: 11,825 postings, 11,577 heap pages, 119 ms), where the walk
    reads the newest postings every search keeps in memory.
    """
    if not several_words(parsed):
        return None
    since = _recent_since(RECENT_WINDOW * WINDOW_GROWTH)
    if since is None:
        return None
    composed = statements.narrowed_select(unmatched, _TIER_READS[RELEVANCE_TIERS - tier], parsed, _NEWEST_IDS,
                                          f' AND "jobs_job"."posted_at" >= %s{_NEWEST_ORDER} LIMIT {want}')
    if composed is None:
        return None
    sql, params = composed[0], [*composed[1], since]
    with bitmap_plans(unmatched, Total(0, big=True), no_index_walks=True, scoped=True), \
            connections[unmatched.db].cursor() as cursor:
        cursor.execute(_EXPLAIN_JSON + sql, params)
        plan = cursor.fetchone()[0]
        if not _ands_the_range(json.loads(plan) if isinstance(plan, str) else plan):
            return None
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ands_the_range(plan) -> bool:
    """Whether a plan (EXPLAIN's JSON) ANDs a bitmap of the posted_at range with another."""
    nodes = list(plan) if isinstance(plan, list) else [plan]
    while nodes:
        node = nodes.pop()
        node = node.get("Plan", node)
        children = node.get("Plans", [])
        if node.get("Node Type") == "BitmapAnd" and any("posted_at" in child.get("Index Cond", "") for child in children):
            return True
        nodes.extend(children)
    return False


def _best_tiers(rows: JobQuerySet, parsed: ParsedQuery) -> JobQuerySet:
    """`rows`, newest first, as (id, posted_at, best tier)."""
    return rows.annotate(tier=_tier_case(parsed)).order_by("-posted_at", "-id").values_list("pk", "posted_at", "tier")


def _best_tiers_sql(rows: JobQuerySet, parsed: ParsedQuery) -> tuple[str, list] | None:
    """_best_tiers(rows, parsed)'s SQL and parameters, from `rows`' WHERE and the tiers' CASE
    compiled once (jobs.statements); None where the ORM is to compile it."""
    if statements.where(rows) is None:
        return None
    tier_sql, tier_params = statements.expression(rows.db, _tier_case, parsed)
    return statements.select(rows, f'{_NEWEST_IDS}, {tier_sql} AS "tier"', tier_params, _NEWEST_ORDER)


def exhaustive_ranked_ids(params: SearchParams, limit: int = 10) -> list[int]:
    """The same order as the page, computed over every match with no bound (PostgreSQL).

    For benchmark_search (does the page show what an exhaustive ranking would?) and tests;
    far too slow for a page on a common word.
    """
    tier = _tier_case(parse_query(params.q, current_aliases()))
    ranked = filtered_jobs(params).annotate(tier=tier).order_by("-tier", "-posted_at", "-id")
    return list(ranked.values_list("pk", flat=True)[:limit])


def _relevance_page(qs: JobQuerySet, params: SearchParams, total: Total) -> SearchPage:
    if not _is_postgres(qs):
        first = _plain_terms(params.q)[0][1] if _plain_terms(params.q) else params.q
        title_hit = Case(When(title__icontains=first, then=Value(1)), default=Value(0), output_field=IntegerField())
        ordered = _excerpt_columns(qs.for_cards(), params).annotate(title_hit=title_hit).order_by("-title_hit", "-posted_at", "-id")
        return _offset_page(ordered, params, total)
    parsed = parse_query(params.q, current_aliases())
    offset = (params.page - 1) * params.page_size
    rows: list[Job] = []
    if parsed and offset < MAX_OFFSET_ROWS:
        want = min(offset + params.page_size + 1, MAX_OFFSET_ROWS + 1)
        # A set counted exactly is small: bitmaps and a sort of at most COUNT_CAP rows beat a
        # walk of the posted_at index, which the planner picks when it overestimates an OR.
        unmatched = filtered_jobs(dataclasses.replace(params, q=""))
        # Each tier planned by the planner's own estimates: title words (migration 0012) and
        # title-or-skill words have statistics of their own, and no tier tests the match again
        # (see _ranked_ids), so a skill word is no longer mistaken for a rare title word.
        window = total.big and total.is_estimate
        # A tier the newest postings hold too few of is read as a small set's rows are.
        # Steered for that read alone: the whole match's read after it is a big set's, which a
        # walk of the posted_at index serves best ('design' with python: 11 ms walked, 180 ms by
        # its bitmaps).
        thin_fetch = _rows_fetcher(qs, dataclasses.replace(total, is_estimate=False), scoped=True) if window else None
        page_ids = _ranked_ids(qs, parsed, want, unmatched=unmatched, fetch=_rows_fetcher(qs, total),
                               stepwise=total.big, window=window, thin_fetch=thin_fetch,
                               match_bounded=total.count < ESTIMATE_ONLY_ABOVE,
                               match_walked=window and total.count < ESTIMATE_ONLY_ABOVE and _window_walk_pays(params))[offset:want]
        # A second pass over just the page's rows, so ts_headline (the dearest call here)
        # never runs for rows an OFFSET skips.
        rows = _cards(page_ids, params)
    page = _page(rows, params, total, has_prev=params.page > 1, max_rows=MAX_OFFSET_ROWS)
    if offset + params.page_size >= MAX_OFFSET_ROWS:
        page.has_next = False
    return page


# What a walk of the newest postings costs a row (hot: the window walk has just read them), and a
# document tested there, in index entries read into a bitmap (see _window_walk_pays).
WINDOW_ROW_COST = 5
WINDOW_TEXT_COST = 20


def _window_walk_pays(params: SearchParams) -> bool:
    """Whether the match's newest rows among the RECENT_WINDOW newest postings are found sooner
    by a walk of them testing each condition on each row (columns first, the text last) than by
    the filters' bitmaps ANDed with the window's posted_at range (_newest_recent).

    The bounded read builds each broad filter's bitmap whole to keep its few hundred postings in
    the window: contract (79,893 entries) beside 'debt', 10-11 ms of a 15 ms read at a million
    postings; python's 58,149, 12 of 15. The walk reads the window's rows, which the tiers' walk
    has just read, and tests the text only on those its columns keep. Weighed from each filter's
    own estimate (_filter_rows, asked once a page): their entries against the window's rows and
    the documents the walk tests. Without a filter the walk would test the text on every row.
    """
    rows = _filter_rows(params)
    if not rows:
        return False
    open_postings, shares = _filter_shares(rows)
    entries = _index_entries(tuple(rows), shares, open_postings)
    documents = RECENT_WINDOW * math.prod(shares.values())
    return entries >= WINDOW_ROW_COST * RECENT_WINDOW + WINDOW_TEXT_COST * documents


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
    # The EXPLAIN the ORM sends for qs.order_by().values("pk"), around the set's WHERE compiled once.
    statement = statements.select(qs, '"jobs_job"."id" AS "pk"')
    if statement is None:
        plan = json.loads(qs.order_by().values("pk").explain(format="json"))
    else:
        with connections[qs.db].cursor() as cursor:
            cursor.execute(_EXPLAIN_JSON + statement[0], statement[1])
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


_EXPLAIN_JSON = "EXPLAIN (FORMAT json) "


def _text_planned(q: str) -> int:
    """The planner's estimate of the open postings matching `q` alone, asked once a page: the count
    read's row-test rule and the facets' word sample both weigh a set against its text's."""
    return once_a_page(("text_planned", q), lambda: _planned_rows(filtered_jobs(SearchParams(q=q))))


def _active_planned() -> int:
    # The open postings as filtered_jobs' set with no filter (Job.objects.active().order_by(), its
    # WHERE composed, not built and compiled: jobs.statements): unordered, as the EXPLAIN is.
    return jobs_cache.cached_value(jobs_cache.active_planned_key(), jobs_cache.ACTIVE_PLANNED_TIMEOUT,
                                   lambda: _planned_rows(filtered_jobs(SearchParams())) or 1, layer="planner")


def _compute_total(qs: JobQuerySet, params: SearchParams, *, candidates_out: list | None = None,
                   planned: int | None = None) -> Total:
    if not _is_postgres(qs):
        # The embedded default holds demo-sized data: counting is cheap.
        exact = qs.order_by().values("pk")[: COUNT_CAP + 1].count()
        return Total(exact) if exact <= COUNT_CAP else Total(qs.count(), is_estimate=True)
    open_postings = _active_planned()
    big = open_postings >= BIG_CATALOGUE
    planned = _planned_rows(qs) if planned is None else planned
    if planned >= ESTIMATE_ONLY_ABOVE:
        walk = bool(params.q) and planned >= WALK_SHARE * open_postings
        return Total(planned, is_estimate=True, walk=walk, big=big)
    if big and candidates_out is not None:
        whole = _read_without_chosen_facets(params, planned, candidates_out)
        if whole is not None:
            return whole
    probe = Total(0, big=big)
    parsed = parse_query(params.q, current_aliases()) if params.q else None
    # A set the planner expects to be small is read whole, past COUNT_CAP (see WHOLE_SET_FACTOR).
    whole = WHOLE_SET_FACTOR * COUNT_CAP
    limit = whole + 1 if planned <= whole else COUNT_CAP + 1
    tested = _row_tested(params, planned, limit) if big else frozenset()
    if big and _common_text(params):
        # A common word: the text alone or every bitmap ANDed, as the one-share rule says.
        tested = frozenset(TESTABLE_FILTERS) if _filters_broad_beside_text(params, planned) else frozenset()
    read = filtered_jobs(params, row_tested=tested) if tested else qs
    # The matches themselves, up to `limit`, with what ranks and facets them: counted here, and
    # when all are in, the page and the facets are read off them too (Candidates).
    # With row tests, bitmaps only: an index scan reads its postings in the index's order, which
    # sorts them by the columns tested (contract + senior in job_type_experience_remote_salary_idx:
    # the remote ones last, 18,924 rows walked for 1,001 remote locations; 5,500 by a bitmap).
    # For this read alone: the page's later reads may walk an index.
    with bitmap_plans(read, probe, no_index_walks=bool(tested), walks_after=True), connections[qs.db].cursor() as cursor:
        cursor.execute(*_candidates_sql(read, parsed, limit))
        rows = cursor.fetchall()
    if len(rows) < limit:
        if candidates_out is not None:
            candidates_out.append(Candidates(tuple(map(Candidate._make, rows))))
        # Past COUNT_CAP still "1,000+" on the page, but counted: every match is in hand.
        return Total(len(rows), is_estimate=len(rows) > COUNT_CAP, big=big)
    if candidates_out is not None:  # read for nothing else: the facets' sample (Candidates.complete)
        candidates_out.append(Candidates(tuple(map(Candidate._make, rows)), complete=False))
    return Total(max(planned, COUNT_CAP + 1), is_estimate=True, big=big)


# A set the planner expects to hold at most this many times COUNT_CAP matches is read whole, up
# to one more: the estimate of a few words and filters is often short ('time' + remote + salary
# >= 150k + python: 697 estimated, 1,168 matches), and a set counted past COUNT_CAP was then ranked
# by a walk of the newest postings and each tier's reads, every filter's bitmap built again for
# each (13 statements more, 6,200 buffers and two reads of python's 58,149 entries at a million
# postings, beside its count read's 15,900), where reading its last 167 matches costs ~2,600
# buffers. In hand whole, its page and its unchosen facets come from it as a small set's do (the
# page still says "1,000+"). Past it, as before: a sample.
WHOLE_SET_FACTOR = 2


# A page with facets chosen reads its set without them in its own set's place when the planner
# expects at most this many postings there (a third of COUNT_CAP: several words' estimates fall
# short of their postings two to three times).
UNCHOSEN_READ_MAX = COUNT_CAP // 3


def _set_planned(params: SearchParams) -> int:
    """The planner's estimate of filtered_jobs(params), asked once a page (the count read's rule
    for chosen facets and the facets' sample both weigh the set without them)."""
    return once_a_page(("set_planned", params.filters_key()), lambda: _planned_rows(filtered_jobs(params)))


def _read_without_chosen_facets(params: SearchParams, planned: int, candidates_out: list) -> Total | None:
    """The page's total from one read of its set without the chosen facets (remote, job type,
    experience), when the planner expects that set to be small (UNCHOSEN_READ_MAX) and it is (read
    whole, see WHOLE_SET_FACTOR): the page's matches are those of its rows with the chosen values,
    and the chosen facets are counted off all of them (Candidates.unchosen), exactly. None otherwise
    (no facet chosen, or a set bigger than that): the page's own set (`planned` of it) is read as before.

    Why: a chosen facet is counted without its own filter, so the facets read that set anyway, a
    statement after the count read of the page's own set, each of them the text's index read
    ('senior data engineer' + remote + salary >= 150k + python: 54 ms counting 256 matches, then
    59 ms sampling the 784 without the remote filter, at a million postings).
    """
    chosen = [name for name in FACETS if getattr(params, name)]
    if not chosen or planned > UNCHOSEN_READ_MAX:  # `planned`, the page's own set's: that one holds it
        return None
    unchosen_params = dataclasses.replace(params, **{name: () for name in chosen})
    unchosen_qs = filtered_jobs(unchosen_params)
    planned = _set_planned(unchosen_params)
    if planned > UNCHOSEN_READ_MAX:
        return None
    found: list[Candidates] = []
    total = _compute_total(unchosen_qs, unchosen_params, candidates_out=found, planned=planned)
    if not found or not found[0].complete:
        return None
    unchosen = found[0].rows
    rows = tuple(row for row in unchosen
                 if all(getattr(row, FACETS[name][0]) in getattr(params, name) for name in chosen))
    candidates_out.append(Candidates(rows, unchosen=unchosen))
    # Past COUNT_CAP still "1,000+" on the page, but counted (a set read whole: WHOLE_SET_FACTOR).
    return Total(len(rows), is_estimate=len(rows) > COUNT_CAP, big=total.big)


# What a read reckons a posting tested costs, in index entries read into a bitmap: ~3-10 us
# against ~0.3-0.5 us at a million postings (see _row_tested).
ROW_TEST_COST = 20
# Composite B-trees (migration 0015): a leading run of these filters, all index reads, is one
# scan whose entries are the postings holding all of them, not one bitmap per filter.
COMPOSITE_INDEXES = (("job_type", "experience", "remote", "salary_min"), ("remote", "salary_min"))


def _filter_rows(params: SearchParams) -> dict[str, int]:
    """The planner's estimate of the open postings each of `params`' TESTABLE_FILTERS keeps on its
    own: one EXPLAIN, each filter a branch of a UNION ALL (each branch's estimate is in its plan)."""
    return once_a_page(("filter_rows", params.filters_key()), lambda: _planned_filter_rows(params))


def _planned_filter_rows(params: SearchParams) -> dict[str, int]:
    names = [name for name in TESTABLE_FILTERS if getattr(params, name) not in (None, "", ())]
    whole = _set_filters(params, text_read_alone=False)
    nothing = _set_filters(SearchParams(), text_read_alone=False)._replace(now=whole.now)
    alone = {
        "location": {"location_in": whole.location_in, "location_contains": whole.location_contains},
        "remote": {"remote": whole.remote}, "job_type": {"job_type": whole.job_type},
        "experience": {"experience": whole.experience}, "salary_min": {"salary_min": whole.salary_min},
        "skills": {"skill_ids": whole.skill_ids}, "posted_within": {"posted_since": whole.posted_since},
    }
    branches = [statements.select(statements.composed_set(_set_conditions, nothing._replace(**alone[name])), "1")
                for name in names]
    rows: dict[str, int] = {}
    if names and None not in branches:
        with connections[Job.objects.db].cursor() as cursor:
            cursor.execute(_EXPLAIN_JSON + " UNION ALL ".join(f"({sql})" for sql, _ in branches),
                           [value for _, values in branches for value in values])
            plan = cursor.fetchone()[0]
        plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
        plans = plan.get("Plans", []) if len(names) > 1 else [plan]
        # A branch the planner proves empty is left out of the plan: then none is told apart
        # (and the set is empty, so any read of it is cheap).
        if len(plans) == len(names):
            rows = {name: int(branch["Plan Rows"]) for name, branch in zip(names, plans, strict=True)}
    return rows


def _common_text(params: SearchParams) -> bool:
    # As a facet sample sees it (WORD_SAMPLE_MAX_WORD_SHARE): its entries are dear to read whole.
    return bool(params.q) and _text_planned(params.q) >= WORD_SAMPLE_MAX_WORD_SHARE * _active_planned()


def _filters_broad_beside_text(params: SearchParams, planned: int) -> bool:
    """Whether a common word's count read should read the text's index alone and test every other
    filter on the postings it finds (the rule _row_tested refines for other sets): the filters'
    share of the text's postings (`planned` over the text's estimate) tested, against their
    bitmaps' entries, at least that share of the open postings."""
    text = max(_text_planned(params.q), 1)
    share = min(planned / text, 1.0)
    tested = text if share * text <= COUNT_CAP else COUNT_CAP / share
    return tested * ROW_TEST_COST < share * _active_planned() + min(planned, COUNT_CAP) * ROW_TEST_COST


def _filter_shares(rows: dict[str, int]) -> tuple[int, dict[str, float]]:
    """The open postings, and the share of them each filter keeps (its estimate, _filter_rows)."""
    open_postings = max(_active_planned(), 1)
    return open_postings, {name: min(max(n, 1) / open_postings, 1.0) for name, n in rows.items()}


def _index_entries(indexed: tuple[str, ...], shares: dict[str, float], open_postings: int) -> float:
    """The index entries reading these filters' bitmaps costs (COMPOSITE_INDEXES taken into account)."""
    left = set(indexed)
    entries = 0.0
    for columns in COMPOSITE_INDEXES:
        run = list(itertools.takewhile(left.__contains__, columns))
        if len(run) >= 2:
            entries += open_postings * math.prod(shares[name] for name in run)
            left -= set(run)
    return entries + sum(open_postings * shares[name] for name in left)


def _row_tested(params: SearchParams, planned: int, want: int) -> frozenset[str]:
    """Which filters a read of `want` matches of `params` (`planned` of them, the planner's
    estimate) should test on each posting the other conditions' index reads find, rather than
    read a bitmap of their own (PostgreSQL, a big catalogue).

    A bitmap costs ~0.3-0.5 us an index entry whatever it keeps, a posting tested ~3-10 us
    (ROW_TEST_COST entries), and the planner prices neither so: it ANDs every filter's bitmap.
    At a million postings 'coo' (783 postings) ANDed the 167,316 entries of salary >= 150k,
    73-81 ms, where its own bitmap and a test of its rows take 1 ms; a location of remote
    postings (283,590 entries, 70 ms) was ANDed to contract + senior (25,519 in one composite
    scan) for a count read that needed 5,500 of their rows tested. Each way of reading is priced:
    the entries of the bitmaps read (each filter's own estimate, one EXPLAIN: _filter_rows; a
    run of a composite index's columns as one scan), and the postings tested until `want` are
    kept (the read stops there): the postings those bitmaps find, as many as hold `want`
    matches at the share the tested filters keep. The text, when there is one, is always read
    by its index: testing it decompresses each posting's document. The cheapest way wins; a
    narrow filter beside a common word keeps its bitmap (contract jobs beside 'kubernetes',
    26,000 postings: 14 ms ANDed, 235 ms tested). Several broad filters are weighed by the sum
    of their entries, not the share they keep together.
    """
    if params.company or not _is_postgres(Job.objects.all()):
        return frozenset()  # within a company every filter is a row test already (_set_conditions)
    rows = _filter_rows(params)
    if len(rows) + bool(params.q) < 2 or _common_text(params):
        # Nothing to weigh (and no estimate of the text asked for it). Beside a common word a
        # narrow filter's set is better read with the word tested on each posting, which this
        # rule cannot price (the text is always an index read here): 'design' (264,000 postings)
        # beside contract + senior + a remote location, 122 ms through its entries against 88 ms
        # as the planner reads it.
        return frozenset()
    open_postings, shares = _filter_shares(rows)
    text_share = min(max(_text_planned(params.q), 1) / open_postings, 1.0) if params.q else 1.0
    planned = max(planned, 1)
    best: tuple[float, frozenset[str]] | None = None
    for size in range(len(rows) + 1):
        for indexed in itertools.combinations(rows, size):
            if not indexed and not params.q:
                continue  # no index read at all: a walk of every open posting
            found = open_postings * text_share * math.prod(shares[name] for name in indexed)
            tested = min(found, want * max(found, planned) / planned)
            cost = _index_entries(indexed, shares, open_postings) + ROW_TEST_COST * tested
            if best is None or cost < best[0]:
                best = (cost, frozenset(rows) - set(indexed))
    return best[1] if best is not None else frozenset()


_CANDIDATE_COLUMNS = ("pk", "posted_at", "title", "search_title", "remote_policy", "job_type", "experience_level")
# What the ORM selects for qs.values_list(*_CANDIDATE_COLUMNS).
_CANDIDATE_SELECT = ", ".join(f'"jobs_job"."{"id" if name == "pk" else name}" AS "{name}"' for name in _CANDIDATE_COLUMNS)


def _candidates_sql(qs: JobQuerySet, parsed: ParsedQuery | None, limit: int = COUNT_CAP + 1) -> tuple[str, list]:
    """The first `limit` matches, each with its id, facet values and, only when they are all
    the matches (fewer than `limit`), its posted_at and tier; NULL for both otherwise.

    A bigger set's rows are only the facets' sample: its tiers (a few document matches per
    row) and timestamps (1,001 to parse) were computed for nothing, 2.5 ms of client CPU and
    ~1 ms of SQL a search for the correlated words that read it ('data scientist', 'ml engineer').
    The count over the read rows (a window aggregate over at most `limit`) decides.
    """
    # The ORM's statements, from the set's WHERE and the tiers' CASE compiled once (jobs.statements).
    composed = statements.select(qs, _CANDIDATE_SELECT, (), f" LIMIT {limit}")
    if composed is None:
        matches, params = qs.order_by().values_list(*_CANDIDATE_COLUMNS)[:limit].query.sql_with_params()
    else:
        matches, params = composed
    if parsed is not None and composed is not None:
        tier_sql, tier_params = statements.expression(qs.db, _tier_case, parsed)
    else:
        tier = _tier_case(parsed) if parsed is not None else Value(1)
        query = qs.query.clone()
        tier_sql, tier_params = tier.resolve_expression(query).as_sql(query.get_compiler(qs.db), connections[qs.db])
    sql = (f'SELECT "jobs_job".id, CASE WHEN "jobs_job".n <= %s THEN "jobs_job".posted_at END, '
           f'CASE WHEN "jobs_job".n <= %s THEN {tier_sql} END, "jobs_job".remote_policy, "jobs_job".job_type, '
           f'"jobs_job".experience_level FROM (SELECT matches.*, count(*) OVER () AS n FROM ({matches}) '
           f'AS matches(id, posted_at, title, search_title, remote_policy, job_type, experience_level)) AS "jobs_job"')
    return sql, [limit - 1, limit - 1, *tier_params, *params]


def search_total(params: SearchParams, *, candidates_out: list | None = None, qs: JobQuerySet | None = None) -> Total:
    """How many postings match: exact up to COUNT_CAP, an estimate beyond. Cached per filter set.

    PostgreSQL: the catalogue's size (an EXPLAIN, cached apart), the matches' estimate (an
    EXPLAIN) and, when that is under ESTIMATE_ONLY_ABOVE, the matches read up to COUNT_CAP + 1
    (each with its relevance tier and facet values). When they were all read, and a list is
    passed as `candidates_out`, they are appended to it (Candidates): the caller's page and
    facets need not read them again. Elsewhere: that count, and an exact one past the cap.
    `qs`: filtered_jobs(params) when the caller has it already.
    """
    key = jobs_cache.total_key(jobs_cache.catalogue_generation(), params.filters_key())
    return jobs_cache.cached_value(
        key, jobs_cache.TOTAL_TIMEOUT,
        lambda: _compute_total(filtered_jobs(params) if qs is None else qs, params, candidates_out=candidates_out),
        layer="totals", to_cache=dataclasses.asdict, from_cache=lambda plain: Total(**plain))


FACETS = {
    "remote": ("remote_policy", Job.RemotePolicy),
    "job_type": ("job_type", Job.JobType),
    "experience": ("experience_level", Job.ExperienceLevel),
}


@dataclass(frozen=True)
class _Sample:
    groups: list[tuple]  # (values of the columns..., count)
    # A random sample of a set known to be big (FACET_FUZZY_LIMIT): to be scaled to its size
    # whatever its number of rows.
    thinned: bool = False

    @property
    def rows(self) -> int:
        return sum(group[-1] for group in self.groups)


def _sample_groups(qs: JobQuerySet, columns: list[str], steering: Total, *, big_set: bool = False,
                   params: SearchParams | None = None, size: int | None = None) -> _Sample:
    """(values of `columns`..., count) over at most FACET_SAMPLE rows of `qs`, in one query.

    `big_set`: `qs` is known to hold more than COUNT_CAP rows (a total estimated): on a big
    catalogue its GIN reads are thinned at random (FACET_FUZZY_LIMIT) and at most
    FACET_BIG_SAMPLE rows read, a random sample where the whole read keeps the first rows of
    the bitmap, i.e. the oldest postings; under FACET_MIN_SAMPLE rows it is read again whole.
    With `params` (those `qs` was made from) and `size` (its estimated rows), a one-word text is
    first thinned to what the sample needs (_word_sample_limit), the other filters row tests.
    """
    if big_set and steering.big and params is not None and size:
        limit = _word_sample_limit(params, size)
        if limit:
            # Only the word's thinned index read: with its filters row tests, the planner would
            # rather walk an index of the open postings testing the word on each (for LIMIT 500 of
            # 'design' + salary >= 150k: 5,700 rows, 104 ms, and no random sample).
            groups = _grouped_sample(filtered_jobs(params, text_read_alone=True), columns, steering,
                                     FACET_BIG_SAMPLE, gin_limit=limit, no_index_walks=True)
            sample = _Sample(groups, thinned=True)
            if sample.rows >= FACET_MIN_SAMPLE:
                return sample
    if big_set and steering.big:
        # Weighed filter by filter as a full sample is (_sample_read): salary >= 150k beside python
        # (the set of a chosen remote facet) ANDed the floor's 167,316 entries, 28-47 ms at a
        # million postings, to spare a few thousand heap rows. Beside a common word nothing is
        # weighed (_row_tested): a walk of a filter's B-tree finds this sample's 500 rows sooner
        # than the text's thinned entries (location 'Remote' beside 'design': 9 ms walked, 26 ms
        # through the word's 264,000 entries).
        read, tested = _sample_read(qs, steering, params, size, FACET_BIG_SAMPLE)
        groups = _grouped_sample(read, columns, steering, FACET_BIG_SAMPLE, gin_limit=FACET_FUZZY_LIMIT,
                                 no_index_walks=tested)
        sample = _Sample(groups, thinned=True)
        if sample.rows >= FACET_MIN_SAMPLE:
            return sample
    read, tested = _sample_read(qs, steering, params, size, FACET_SAMPLE)
    return _Sample(_grouped_sample(read, columns, steering, FACET_SAMPLE, no_index_walks=tested, walks_after=True))


def _sample_read(qs: JobQuerySet, steering: Total, params: SearchParams | None, size: int | None,
                 want: int) -> tuple[JobQuerySet, bool]:
    """`qs` as a sample of `want` of its rows reads it, and whether any filter is a row test there:
    on a big catalogue the filters whose bitmaps cost more than the rows they spare are
    (_row_tested; `params` those `qs` was made from, `size` its estimated rows). 'regress' +
    python with salary >= 150k: the salary's 167,316 entries (52 ms of a 107 ms BitmapAnd at a
    million postings) for a sample of 1,000 rows. Read by bitmaps only, as the count read is."""
    if not (steering.big and params is not None and size):
        return qs, False
    tested = _row_tested(params, size, want)
    return (filtered_jobs(params, row_tested=tested), True) if tested else (qs, False)


# A one-word text's facet sample keeps this many of the word's index entries per sampled row
# wanted (FACET_BIG_SAMPLE), divided by the share of the word's postings the filters keep; and
# only while that share is at least WORD_SAMPLE_MIN_SHARE (see _word_sample_limit).
WORD_SAMPLE_MARGIN = 2
WORD_SAMPLE_MIN_SHARE = 0.1
# A word in this share of the open postings or more keeps the sample it had (see _word_sample_limit).
WORD_SAMPLE_MAX_WORD_SHARE = 0.2
_ONE_LEXEME = re.compile(r"[a-z0-9]+")


def _word_sample_limit(params: SearchParams, size: int) -> int:
    """How many of a one-word text's GIN entries a facet sample of its `size` matches needs, or 0
    when this does not apply (no text, several words, an alias or a technology name, or a set
    so thin among the word's postings that FACET_FUZZY_LIMIT entries are needed anyway).

    GIN's thinning (gin_fuzzy_search_limit) keeps about that many of a word's entries at random,
    and the bitmap they make costs ~0.3 us an entry: 'regress' (85,000 postings) kept 50,000,
    14 ms of PostgreSQL CPU for a sample of 500 rows, where 1,000 entries are enough. The other
    filters are then row tests on the postings those entries find (filtered_jobs'
    text_read_alone): ANDed as bitmaps they cost more than the heap rows they spare (a salary
    floor of 150,000: 167,000 entries, ~45 ms) while they keep a tenth of the word's postings or
    more. Past that the heap rows cost more (FACET_BIG_SAMPLE / share of them, ~3 us each:
    'design' at one company, 2.7 %, read 37,000 rows in 98 ms), so a thinner set keeps the
    sample it had. A word's estimate and the set's give that share (an EXPLAIN, only when there
    are filters); the entries kept are what yields WORD_SAMPLE_MARGIN x FACET_BIG_SAMPLE rows at
    that share, and a sample that still comes back short (filters correlated with the word) is
    read again as before. A word in WORD_SAMPLE_MAX_WORD_SHARE of the open postings or more keeps
    the sample it had too: its entry list is decompressed whole however few are kept ('design',
    400,000 postings: ~20 ms), and a walk of an index finds its 500 rows sooner (design + salary
    >= 150k: 24 ms before, 47-55 through its thinned entries).
    """
    if not params.q:
        return 0
    parsed = parse_query(params.q, current_aliases())
    if parsed.widened or parsed.excludes or not _ONE_LEXEME.fullmatch(parsed.english):
        return 0
    word_rows = size if params.filters_key() == SearchParams(q=params.q).filters_key() else _text_planned(params.q)
    share = size / max(word_rows, size)
    if share < WORD_SAMPLE_MIN_SHARE or word_rows >= WORD_SAMPLE_MAX_WORD_SHARE * _active_planned():
        return 0
    limit = math.ceil(WORD_SAMPLE_MARGIN * FACET_BIG_SAMPLE / share)
    return limit if limit < FACET_FUZZY_LIMIT else 0


def _grouped_sample(qs: JobQuerySet, columns: list[str], steering: Total, limit: int, *, gin_limit: int = 0,
                    no_index_walks: bool = False, walks_after: bool = False) -> list[tuple]:
    composed = statements.select(qs, ", ".join(f'"jobs_job"."{column}" AS "{column}"' for column in columns), (), f" LIMIT {limit}")
    sample_sql, sql_params = composed or qs.values(*columns)[:limit].query.sql_with_params()
    column_list = ", ".join(f"col{i}" for i in range(len(columns)))
    aliased = ", ".join(f"{connections[qs.db].ops.quote_name(c)} AS col{i}" for i, c in enumerate(columns))
    sql = f"SELECT {column_list}, COUNT(*) FROM (SELECT {aliased} FROM ({sample_sql}) AS inner_sample) AS sample GROUP BY {column_list}"
    with bitmap_plans(qs, steering, gin_limit=gin_limit, no_index_walks=no_index_walks, walks_after=walks_after), \
            connections[qs.db].cursor() as cursor:
        cursor.execute(sql, sql_params)
        return cursor.fetchall()


def _facet_counts(params: SearchParams, names: list[str], steering: Total,
                  counted_for: SearchParams | None = None) -> dict[str, dict[str, tuple[int, bool]]]:
    """Counts per value for the named facets over at most FACET_SAMPLE matches, in one query.

    A full sample, or a thinned one (a big set, see _sample_groups), is scaled to the total
    (an estimate, for big sets) and flagged approximate.
    """
    qs = filtered_jobs(params)
    # The page's own total an estimate: its set is big, and a thinned sample of it will do.
    own = params == counted_for
    sample = _sample_groups(qs, [FACETS[name][0] for name in names], steering, big_set=own and steering.is_estimate,
                            params=params, size=steering.count if own else None)
    rows, sampled = sample.groups, sample.rows
    scale, approximate = 1.0, False
    if sampled >= FACET_SAMPLE or (sample.thinned and sampled):
        # Scaled to the set's size: the page's own total when these are its filters, else the
        # planner's estimate, one EXPLAIN. Not search_total: for a set of 1,000-5,000 that
        # reads 1,001 matches again just to say "more".
        size = steering.count if params == counted_for else _planned_rows(qs)
        scale, approximate = max(size, sampled) / sampled, True
    counts: dict[str, dict[str, tuple[int, bool]]] = {name: {} for name in names}
    for row in rows:
        for i, name in enumerate(names):
            previous = counts[name].get(row[i], (0, approximate))[0]
            counts[name][row[i]] = (previous + row[-1], approximate)
    for name in names:
        counts[name] = {value: (round(n * scale), approx) for value, (n, approx) in counts[name].items()}
    return counts


def _chosen_facet_counts(params: SearchParams, chosen: list[str], names: list[str],
                         steering: Total) -> dict[str, dict[str, tuple[int, bool]]]:
    """Counts for the named facets from one sample of the matches with no facet chosen.

    A chosen facet is counted without its own filter, so each chosen facet (and an unchosen
    one: with every chosen filter) is a subset of that one set: its sample's rows that pass the
    other chosen facets' filters. One statement (and an EXPLAIN: first on a big catalogue, to
    know whether the set is big enough to thin, elsewhere only to scale a full sample), where
    a statement per chosen facet built the bitmap of every match of the text again each time
    ('design' + remote: 285 + 63 ms of bitmaps at a million postings, load 5). A sample of at
    most FACET_SAMPLE rows holds the whole set (then every count is exact) or is scaled to
    its estimated size and flagged approximate, like the counts it replaces.
    """
    unchosen = dataclasses.replace(params, **{name: () for name in chosen})
    qs = filtered_jobs(unchosen)
    columns = [column for column, _ in FACETS.values()]
    # The set without its facet filters holds the page's: big when the page's total is an
    # estimate, and often when it is not ('design' in Remote (Europe) as a senior contractor:
    # 300 matches, 18,600 before the two facets, a 400,000-entry bitmap for their first 1,000).
    # On a big catalogue its estimate is read first (an EXPLAIN, which scaling a full sample
    # needed anyway): past ESTIMATE_ONLY_ABOVE, a thinned sample of it will do.
    planned = _set_planned(unchosen) if steering.big else None
    big_set = steering.is_estimate or (planned is not None and planned >= ESTIMATE_ONLY_ABOVE)
    sample = _sample_groups(qs, columns, steering, big_set=big_set, params=unchosen, size=planned)
    rows, sampled = sample.groups, sample.rows
    scale, approximate = 1.0, False
    if sampled >= FACET_SAMPLE or (sample.thinned and sampled):
        size = planned if planned is not None else _planned_rows(qs)
        scale, approximate = max(size, sampled) / sampled, True
    position = {name: i for i, name in enumerate(FACETS)}
    counts: dict[str, dict[str, tuple[int, bool]]] = {name: {} for name in names}
    for name in names:
        others = [other for other in chosen if other != name]
        for row in rows:
            if all(row[position[other]] in getattr(params, other) for other in others):
                value = row[position[name]]
                counts[name][value] = counts[name].get(value, 0) + row[-1]
        counts[name] = {value: (round(n * scale), approximate) for value, n in counts[name].items()}
    return counts


def _candidate_counts(candidates: Candidates, names: list[str], size: int | None = None) -> dict[str, dict[str, tuple[int, bool]]]:
    """Counts per value over the matches read; over a sample of them (not complete), scaled to `size`."""
    counts = {name: {value: (n, False) for value, n in Counter(map(attrgetter(FACETS[name][0]), candidates.rows)).items()}
              for name in names}
    if not candidates.complete and candidates.rows:
        scale = max(size or 0, len(candidates.rows)) / len(candidates.rows)
        counts = {name: {value: (round(n * scale), True) for value, (n, _) in values.items()} for name, values in counts.items()}
    return counts


def _unchosen_candidate_counts(params: SearchParams, chosen: list[str],
                               unchosen: tuple[Candidate, ...]) -> dict[str, dict[str, tuple[int, bool]]]:
    """The chosen facets' exact counts over every match of the set without them: each counted
    on the rows that pass the other chosen facets' filters (as _chosen_facet_counts does on a sample)."""
    counts: dict[str, dict[str, tuple[int, bool]]] = {}
    for name in chosen:
        others = [other for other in chosen if other != name]
        kept = Counter(getattr(row, FACETS[name][0]) for row in unchosen
                       if all(getattr(row, FACETS[other][0]) in getattr(params, other) for other in others))
        counts[name] = {value: (n, False) for value, n in kept.items()}
    return counts


def _compute_facets(params: SearchParams, candidates: Candidates | None = None, total: Total | None = None) -> dict[str, list[FacetValue]]:
    # A chosen facet is counted without its own filter, so its other values still show
    # how many postings picking them would add. The unchosen facets from the matches the
    # page's search read (Candidates), when it read them; every other count from one sample
    # (of the matches, or with facets chosen, of the matches before any facet filter).
    chosen = [name for name in FACETS if getattr(params, name)]
    unchosen = [name for name in FACETS if name not in chosen]
    counts: dict[str, dict[str, tuple[int, bool]]] = {}
    if candidates is not None and candidates.complete:  # the total they were counted for, without reading it again
        steering = Total(len(candidates.rows), is_estimate=len(candidates.rows) > COUNT_CAP,
                         big=_is_postgres(Job.objects.all()) and _active_planned() >= BIG_CATALOGUE)
    else:  # the page's own (passed, or cached by its search)
        steering = total if total is not None else search_total(params)
    if unchosen and candidates is not None:
        counts.update(_candidate_counts(candidates, unchosen, size=steering.count))
    if unchosen and candidates is None and not chosen:
        counts.update(_facet_counts(params, unchosen, steering, counted_for=params))
    if chosen and candidates is not None and candidates.unchosen is not None:
        counts.update(_unchosen_candidate_counts(params, chosen, candidates.unchosen))
    elif chosen:
        counts.update(_chosen_facet_counts(params, chosen, chosen if candidates is not None else list(FACETS), steering))
    facets = {}
    for name, (_column, choices) in FACETS.items():
        selected = getattr(params, name)
        facets[name] = [
            FacetValue(value=value, label=label, count=counts[name].get(value, (0, False))[0],
                       approximate=counts[name].get(value, (0, False))[1], selected=value in selected)
            for value, label in choices.choices
        ]
    return facets


def job_facets(params: SearchParams, *, candidates: Candidates | None = None, total: Total | None = None) -> dict[str, list[FacetValue]]:
    """Facet counts for these filters, cached; `candidates` (SearchPage.candidates), when the
    page's search read every match, spares reading them again; `total` (SearchPage.total), the
    page's total, spares asking for it again (a cache read, or with no cache a second count)."""
    key = jobs_cache.facets_key(jobs_cache.catalogue_generation(), params.filters_key())
    with aliases_read_once():  # each facet statement's match parses the query
        return jobs_cache.cached_value(
            key, jobs_cache.FACETS_TIMEOUT, lambda: _compute_facets(params, candidates, total), layer="facets",
            # dataclasses.asdict's fields, without its recursion and deep copies (flat values).
            to_cache=lambda facets: {name: [dict(vars(v)) for v in values] for name, values in facets.items()},
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


def similar_jobs(job: Job, *, limit: int = SIMILAR_SHOWN) -> list[Job]:
    """Cached; `job` must come with its skills loaded (job_for_detail does it). The rule and the
    stored lists the posting's page reads are jobs/similar.py's."""
    skill_ids = sorted(skill.pk for skill in job.skills.all())
    key = jobs_cache.similar_key(jobs_cache.posting_generation(job.pk), job.pk, limit)
    return jobs_cache.cached_value(
        key, jobs_cache.SIMILAR_TIMEOUT, lambda: compute_similar(job, skill_ids, limit), layer="similar",
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
