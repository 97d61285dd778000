"""Similar jobs: chosen ahead of the page, and the posting's page read in one statement.

The rule (issue 14): open postings of the same seniority band and role family
(jobs/role_families.py) sharing the most skills with the posting, then the newest. A skill's
"sharers" are its newest SIMILAR_PER_SKILL postings (read backwards off the (skill, job)
index), the company's its newest SIMILAR_SAME_COMPANY, so a skill on 100,000 postings costs
what one on ten does; the first SIMILAR_SKILLS of the posting's skills count. `shared` is how
many of those lists a candidate is on; ties go to the newest posting, then the highest id.

Two ways to the same answer:
- `compute_similar(job)`: one posting, one bounded query (a page view that finds no stored list);
- `refresh_similar_jobs()`: every open posting at once, in memory from each skill's and each
  company's list (read once for the whole catalogue), written with COPY — what seed_demo and
  `manage.py refresh_similar_jobs` run, minutes for a million postings instead of hours.
Both keep SIMILAR_STORED ids (jobs.models.SimilarJobs); the page shows the first SIMILAR_SHOWN of
them still open, so postings that close drop out without a recomputation.

`job_page(pk)`: the posting, its company, its skills and the cards of its stored similar jobs
in one statement on PostgreSQL (elsewhere: job_for_detail and the query above).
"""

from __future__ import annotations

import heapq
import json
import weakref
from collections import Counter, defaultdict
from itertools import chain
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connections, transaction
from django.utils import timezone

from jobs.cards import instance_maker
from jobs.links import job_url, job_urls
from jobs.models import Company, Job, SimilarJobs
from jobs.role_families import FAMILIES, role_family

SIMILAR_SKILLS = 8
SIMILAR_PER_SKILL = 200
SIMILAR_SAME_COMPANY = 50
SIMILAR_SHOWN = 5
# Kept per posting: twice what is shown, so postings closing since leave the page still full.
SIMILAR_STORED = 10
# The live query reads this many band-matching candidates, best first, before the role family
# (Python) is tested; the batch, which tests the family first, can never read fewer.
SIMILAR_CANDIDATES = 40 * SIMILAR_STORED
# A stored list older than this is chosen again on the next page view (newer postings exist).
SIMILAR_MAX_AGE = timedelta(days=1)

LEVELS = [level for level, _ in Job.ExperienceLevel.choices]


def seniority_band(level: str) -> list[str]:
    """A level and its neighbours: a junior posting's similar jobs are never VP roles."""
    if level not in LEVELS:
        return LEVELS
    i = LEVELS.index(level)
    return LEVELS[max(i - 1, 0) : i + 2]


def _is_postgres(using: str | None = None) -> bool:
    return connections[using or Job.objects.db].vendor == "postgresql"


# --- One posting, live --------------------------------------------------------------------

_CARD_COLUMNS = (
    "j.id, j.title, j.slug, j.location, j.remote_policy, j.job_type, j.experience_level, j.salary_min, j.salary_max, "
    "j.salary_currency, j.salary_period, j.salary_min_usd, j.salary_max_usd, j.posted_at, j.company_id, "
    "co.name AS company_name, co.slug AS company_slug, m.shared"
)


def compute_similar(job: Job, skill_ids: list[int], limit: int = SIMILAR_STORED) -> list[Job]:
    """The rule above for one posting, in one query; the cards carry `shared` and their company.

    `skill_ids` sorted (the order skill_ids keeps on PostgreSQL), so the batch counts the same ones.
    """
    connection = connections[Job.objects.db]
    band = seniority_band(job.experience_level)
    branches, params = [], []
    for skill_id in skill_ids[:SIMILAR_SKILLS]:
        branches.append(
            "SELECT * FROM (SELECT job_id FROM jobs_jobskill WHERE skill_id = %s "
            "ORDER BY job_id DESC LIMIT %s) AS s" + str(len(branches))
        )
        params += [skill_id, SIMILAR_PER_SKILL]
    branches.append(
        "SELECT * FROM (SELECT id AS job_id FROM jobs_job WHERE company_id = %s ORDER BY id DESC LIMIT %s) AS same_company"
    )
    params += [job.company_id, SIMILAR_SAME_COMPANY]
    sql = (
        f"SELECT {_CARD_COLUMNS} FROM ("
        f"  SELECT job_id, COUNT(*) AS shared FROM ({' UNION ALL '.join(branches)}) AS hits GROUP BY job_id"
        f") AS m JOIN jobs_job j ON j.id = m.job_id JOIN jobs_company co ON co.id = j.company_id"
        f" WHERE j.id <> %s AND j.is_active = %s AND (j.expires_at IS NULL OR j.expires_at > %s)"
        f" AND j.experience_level IN ({', '.join(['%s'] * len(band))})"
        f" ORDER BY m.shared DESC, j.posted_at DESC, j.id DESC LIMIT %s"
    )
    params += [job.pk, True, connection.ops.adapt_datetimefield_value(timezone.now()), *band, SIMILAR_CANDIDATES]
    family = role_family(job.title)
    similar = [other for other in Job.objects.raw(sql, params) if family is None or role_family(other.title) == family][:limit]
    for other in similar:
        other.company = Company(id=other.company_id, name=other.company_name, slug=other.company_slug)
    return similar


def store_similar(job_id: int, job_ids: list[int]) -> None:
    """Keep one posting's list (PostgreSQL; a no-op elsewhere, where the column stays NULL)."""
    if not _is_postgres():
        return
    with connections[Job.objects.db].cursor() as cursor:
        # A posting deleted meanwhile has no row to refer to: nothing to keep then.
        cursor.execute(
            "INSERT INTO jobs_similarjobs (job_id, job_ids, computed_at) SELECT id, %s, %s FROM jobs_job WHERE id = %s "
            "ON CONFLICT (job_id) DO UPDATE SET job_ids = EXCLUDED.job_ids, computed_at = EXCLUDED.computed_at",
            [job_ids, timezone.now(), job_id],
        )


# --- The page: one statement ----------------------------------------------------------------

_PAGE_SQL = """
SELECT j.id, j.title, j.slug, j.description, j.location, j.remote_policy, j.job_type, j.experience_level,
       j.salary_min, j.salary_max, j.salary_currency, j.salary_period, j.salary_min_usd, j.salary_max_usd,
       j.posted_at, j.expires_at, j.is_active, j.apply_url, j.source, j.external_id, j.created_at, j.updated_at,
       j.company_id, co.name, co.slug, co.website, co.description, co.headquarters,
       (SELECT json_agg(json_build_array(s.id, s.name, s.slug) ORDER BY s.name)
          FROM jobs_jobskill js JOIN jobs_skill s ON s.id = js.skill_id WHERE js.job_id = j.id),
       sj.computed_at,
       (SELECT json_agg(json_build_array(c.id, c.title, c.slug, c.location, c.remote_policy, c.job_type, c.company_name)
                        ORDER BY c.position)
          FROM (SELECT o.id, o.title, o.slug, o.location, o.remote_policy, o.job_type, oc.name AS company_name,
                       array_position(sj.job_ids, o.id) AS position
                  FROM jobs_job o JOIN jobs_company oc ON oc.id = o.company_id
                 WHERE o.id = ANY(sj.job_ids) AND o.is_active AND (o.expires_at IS NULL OR o.expires_at > %s)
                 ORDER BY position LIMIT %s) AS c)
  FROM jobs_job j JOIN jobs_company co ON co.id = j.company_id LEFT JOIN jobs_similarjobs sj ON sj.job_id = j.id
 WHERE j.id = %s
"""
_JOB_FIELDS = ("id", "title", "slug", "description", "location", "remote_policy", "job_type", "experience_level",
               "salary_min", "salary_max", "salary_currency", "salary_period", "salary_min_usd", "salary_max_usd",
               "posted_at", "expires_at", "is_active", "apply_url", "source", "external_id", "created_at", "updated_at",
               "company_id")
_COMPANY_FIELDS = ("name", "slug", "website", "description", "headquarters")


# The statement is prepared once per database session: PostgreSQL spent 2-6 ms planning it for
# 0.4 ms of execution (its subqueries and the postings' many indexes), on every posting page built;
# prepared, it plans it for the first few executions and then keeps a generic plan (a posting page
# row 1.7-2.1 -> 0.4-0.5 ms of wall time at 1,000,000 postings). PREPARE goes through the session
# itself, not a page's cursor (it is no query of the page's), and outlives a rolled-back transaction.
_PAGE_STATEMENT = "jobs_similar_job_page"
_PREPARE_PAGE = (f"PREPARE {_PAGE_STATEMENT}(timestamptz, integer, bigint) AS "
                 + _PAGE_SQL.replace("%s", "$1", 1).replace("%s", "$2", 1).replace("%s", "$3", 1))
_prepared_sessions: weakref.WeakSet = weakref.WeakSet()


def _prepare_page_statement(connection) -> None:
    """PREPARE the page's statement on this connection's session, unless it is already there."""
    session = connection.connection
    if session not in _prepared_sessions:
        session.execute(_PREPARE_PAGE)
        _prepared_sessions.add(session)


class SkillTag:
    """A skill as the page shows it (id, name, slug): what prefetching Skill rows was for."""

    __slots__ = ("pk", "name", "slug")

    def __init__(self, pk: int, name: str, slug: str):
        self.pk, self.name, self.slug = pk, name, slug


def _json(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def job_page(pk: int) -> tuple[Job, list[SimilarCard]]:
    """The posting (company and `skill_list` attached) and its similar jobs to show, best first.

    PostgreSQL, list stored and fresh: one statement. No list yet, or a stale one: that statement,
    the live query and the write that keeps its answer (3). Closed postings show no similar jobs.
    Raises Job.DoesNotExist.
    """
    if not _is_postgres():
        return _job_page_portable(pk)
    now = timezone.now()
    connection = connections[Job.objects.db]
    with connection.cursor() as cursor:
        _prepare_page_statement(connection)
        cursor.execute(f"EXECUTE {_PAGE_STATEMENT}(%s, %s, %s)", [now, SIMILAR_SHOWN, pk])
        row = cursor.fetchone()
    if row is None:
        raise Job.DoesNotExist(f"No job {pk}")
    fields = len(_JOB_FIELDS)
    # The instances the ORM makes for a read of these columns (the others deferred, where
    # Job(**values) gave them their defaults), without Model.__init__ while nothing listens for
    # it (jobs.cards.instance_maker): its keyword handling was ~2 % of a posting page built.
    alias = Job.objects.db
    job = instance_maker(Job)(alias, _JOB_FIELDS, row[:fields])
    job.company = instance_maker(Company)(alias, ("id", *_COMPANY_FIELDS), (job.company_id, *row[fields : fields + 5]))
    skills, computed_at, cards = row[fields + 5], row[fields + 6], row[fields + 7]
    job.skill_list = [SkillTag(*skill) for skill in _json(skills) or ()]
    if not job.is_open:
        return job, []
    if computed_at is None or computed_at < now - SIMILAR_MAX_AGE:
        chosen = compute_similar(job, sorted(skill.pk for skill in job.skill_list))
        store_similar(job.pk, [other.pk for other in chosen])
        return job, [_card_of(other) for other in chosen[:SIMILAR_SHOWN]]
    url = job_urls()  # the address layout read once for the five cards
    return job, [_card(*values, url=url) for values in _json(cards) or ()]


@dataclass(frozen=True, slots=True)
class SimilarCard:
    """What a posting page shows of a similar job, ready to print: the card's template work (a
    model per card, display lookups, the place rule) was a third of the page's render."""

    url: str
    title: str
    company_name: str
    place: str
    job_type: str


_REMOTE_POLICIES = dict(Job.RemotePolicy.choices)
_JOB_TYPES = dict(Job.JobType.choices)


def _card(pk: int, title: str, slug: str, location: str, remote_policy: str, job_type: str, company_name: str,
          url=job_url) -> SimilarCard:
    policy = _REMOTE_POLICIES.get(remote_policy, remote_policy)
    # "Remote" once: a location that only says remote is the policy already (careercopilot/templatetags/listings.py's rule).
    place = f"{location} · {policy}" if location and location.lower() not in ("remote", "anywhere") else policy
    return SimilarCard(url(pk, slug), title, company_name, place, _JOB_TYPES.get(job_type, job_type))


def _card_of(job: Job) -> SimilarCard:
    return _card(job.pk, job.title, job.slug, job.location, job.remote_policy, job.job_type, job.company.name)


def _job_page_portable(pk: int) -> tuple[Job, list[SimilarCard]]:
    from jobs.selectors import job_for_detail

    job = job_for_detail(pk)
    job.skill_list = [SkillTag(skill.pk, skill.name, skill.slug) for skill in job.skills.all()]
    if not job.is_open:
        return job, []
    return job, [_card_of(other) for other in compute_similar(job, sorted(skill.pk for skill in job.skill_list), SIMILAR_SHOWN)]


# --- Every open posting at once ---------------------------------------------------------------


def _families() -> list[str | None]:
    return [family for family, _ in FAMILIES] + [None]


def _grouped(rows) -> dict[int, list[int]]:
    """(key, job id) rows as each key's list of job ids, in the rows' order."""
    lists: dict[int, list[int]] = defaultdict(list)
    for key, job_id in rows:
        lists[key].append(job_id)
    return lists


def refresh_similar_jobs(*, using: str | None = None, batch_size: int = 20_000, progress=None) -> int:
    """Choose and store the similar jobs of every open posting (the rule above); returns how many.

    Reads each skill's and each company's list once (a few hundred thousand ids at a million
    postings), the facts of the postings on them, then walks the open postings in id order,
    counting in memory only candidates already of the right family, band and status; each
    batch is written with COPY and merged in one statement. Lists chosen meanwhile by page
    views are overwritten with the same answer.
    """
    using = using or Job.objects.db
    if not _is_postgres(using):
        return 0
    connection = connections[using]
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, t.job_id FROM jobs_skill s CROSS JOIN LATERAL (SELECT job_id FROM jobs_jobskill js "
            "WHERE js.skill_id = s.id ORDER BY job_id DESC LIMIT %s) AS t",
            [SIMILAR_PER_SKILL],
        )
        skill_lists = _grouped(cursor.fetchall())
        cursor.execute(
            "SELECT company_id, id FROM (SELECT company_id, id, row_number() OVER (PARTITION BY company_id ORDER BY id DESC) AS n "
            "FROM jobs_job) AS ranked WHERE n <= %s",
            [SIMILAR_SAME_COMPANY],
        )
        company_lists = _grouped(cursor.fetchall())
        pool = set(chain.from_iterable(skill_lists.values())) | set(chain.from_iterable(company_lists.values()))
        cursor.execute(
            "SELECT id, title, experience_level, posted_at FROM jobs_job WHERE id = ANY(%s) AND is_active "
            "AND (expires_at IS NULL OR expires_at > %s)",
            [sorted(pool), now],
        )
        families: dict[str, str | None] = {}
        facts: dict[int, tuple[str | None, str, float]] = {}
        for job_id, title, level, posted_at in cursor.fetchall():
            if title not in families:
                families[title] = role_family(title)
            facts[job_id] = (families[title], level, posted_at.timestamp())

    # Each list split by (family, level), open postings only, so a posting reads only its own kind.
    def split(lists: dict[int, list[int]]) -> dict[int, dict[tuple, list[int]]]:
        out: dict[int, dict[tuple, list[int]]] = {}
        for key, ids in lists.items():
            parts: dict[tuple, list[int]] = defaultdict(list)
            for job_id in ids:
                fact = facts.get(job_id)
                if fact is not None:
                    parts[(fact[0], fact[1])].append(job_id)
            out[key] = parts
        return out

    by_skill, by_company = split(skill_lists), split(company_lists)
    all_families = _families()
    posted = {job_id: fact[2] for job_id, fact in facts.items()}
    kinds: dict[tuple, list[tuple]] = {}  # (family, level) -> the (family, level) parts its candidates come from
    done = 0
    last_id = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, title, experience_level, company_id, skill_ids FROM jobs_job WHERE id > %s AND is_active "
                "AND (expires_at IS NULL OR expires_at > %s) ORDER BY id LIMIT %s",
                [last_id, now, batch_size],
            )
            postings = cursor.fetchall()
        if not postings:
            break
        last_id = postings[-1][0]
        rows = []
        for job_id, title, level, company_id, skill_ids in postings:
            if title not in families:
                families[title] = role_family(title)
            family = families[title]
            if (family, level) not in kinds:
                kinds[family, level] = [(f, band_level) for f in ([family] if family is not None else all_families)
                                        for band_level in seniority_band(level)]
            wanted = kinds[family, level]
            lists = [by_skill.get(skill_id) for skill_id in (skill_ids or [])[:SIMILAR_SKILLS]] + [by_company.get(company_id)]
            shared = Counter(chain.from_iterable(parts.get(kind, ()) for parts in lists if parts for kind in wanted))
            shared.pop(job_id, None)
            best = heapq.nlargest(SIMILAR_STORED, shared, key=lambda other: (shared[other], posted[other], other))
            rows.append((job_id, best))
        _write(connection, rows, now)
        done += len(rows)
        if progress:
            progress(len(rows))
    return done


def _write(connection, rows: list[tuple[int, list[int]]], now: datetime) -> None:
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # Emptied here too: inside a caller's transaction (seed_demo's) the commit comes only at the end.
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS similar_batch (job_id integer, job_ids integer[]) ON COMMIT DELETE ROWS")
        cursor.execute("TRUNCATE similar_batch")
        with cursor.copy("COPY similar_batch (job_id, job_ids) FROM STDIN") as copy:
            for job_id, ids in rows:
                copy.write_row((job_id, ids))
        # Postings deleted since they were read have no row to refer to (the join leaves them out).
        cursor.execute(
            "INSERT INTO jobs_similarjobs (job_id, job_ids, computed_at) SELECT b.job_id, b.job_ids, %s FROM similar_batch b "
            "JOIN jobs_job j ON j.id = b.job_id ON CONFLICT (job_id) DO UPDATE SET job_ids = EXCLUDED.job_ids, "
            "computed_at = EXCLUDED.computed_at",
            [now],
        )
