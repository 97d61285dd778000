"""The two reads behind a page of result cards, compiled once per process (PostgreSQL).

A search page built on a miss reads its twenty postings (with their companies and snippets) and
their skills: two statements of the same shape every time, only the ids and the query's text
differ. Through the ORM each was built afresh per page: the queryset cloned, filtered, its
ts_headline options quoted by psycopg, the whole compiled (2.2 ms of a page's ~3 ms of client
CPU for the two, far more than reading the rows). Here each statement is compiled by the ORM
once, from the same queryset, with stand-in values; a page binds its own values in their place,
the ids as one array (`= ANY(%s)` where the ORM wrote `IN (%s, %s, …)`, the same rows), and
builds the instances exactly as the ORM's iterable does (Model.from_db, the company set where
select_related sets it, the annotation as an attribute). Anything the stand-ins cannot be found
in, or that needs a converter the ORM would apply, goes through the ORM as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.db import connections, router
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.db.models.functions import Substr

from jobs.models import SEARCH_CONFIG, Company, Job, JobQuerySet, JobSkill

# Markers ts_headline puts around matches (jobs.selectors turns them into <mark> after escaping).
MARK_START, MARK_STOP = "\x02", "\x03"
EXCERPT_CHARS = 240
# Stand-ins no real value equals, each found once among the compiled statement's parameters.
_ID_PROBE = -918273645
_QUERY_PROBE = "zqxprobequery"
_IN_PROBE = " IN (%s)"
_ANY = " = ANY(%s)"


def with_snippet(shown: JobQuerySet, tsquery: str) -> JobQuerySet:
    """`shown` with each posting's snippet: ts_headline over its description for `tsquery`
    (to_tsquery text in the 'english' configuration), run for these rows only."""
    query = SearchQuery(tsquery, search_type="raw", config=SEARCH_CONFIG)
    return shown.annotate(snippet=SearchHeadline(
        "description", query, config=SEARCH_CONFIG, start_sel=MARK_START, stop_sel=MARK_STOP,
        max_words=35, min_words=15, max_fragments=2, fragment_delimiter=" … "))


def with_excerpt(shown: JobQuerySet) -> JobQuerySet:
    return shown.annotate(excerpt=Substr("description", 1, EXCERPT_CHARS))


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    ids_at: int
    query_at: int | None
    job_names: tuple[str, ...]
    job_columns: slice
    company_names: tuple[str, ...]
    company_columns: slice
    annotation: tuple[str, int]


@lru_cache(maxsize=8)
def _card_statement(alias: str, snippet: bool) -> _Compiled | None:
    shown = Job.objects.using(alias).filter(pk__in=[_ID_PROBE]).for_cards()
    shown = with_snippet(shown, _QUERY_PROBE) if snippet else with_excerpt(shown)
    compiler = shown.query.get_compiler(alias)
    sql, params = compiler.as_sql()
    ids_at = _only_position(params, _ID_PROBE)
    query_at = _only_position(params, _QUERY_PROBE) if snippet else None
    info = compiler.klass_info
    related = info["related_klass_infos"]
    if (ids_at is None or (snippet and query_at is None) or sql.count(_IN_PROBE) != 1 or info["model"] is not Job
            or len(related) != 1 or related[0]["model"] is not Company or related[0]["related_klass_infos"]
            or len(compiler.annotation_col_map) != 1
            or compiler.get_converters([expression for expression, _sql, _alias in compiler.select])):
        return None
    job_fields, company_fields = info["select_fields"], related[0]["select_fields"]
    if not (_contiguous(job_fields) and _contiguous(company_fields)):
        return None
    (name, position), = compiler.annotation_col_map.items()
    return _Compiled(
        sql=sql.replace(_IN_PROBE, _ANY), params=tuple(params), ids_at=ids_at, query_at=query_at,
        job_names=tuple(compiler.select[i][0].target.attname for i in job_fields),
        job_columns=slice(job_fields[0], job_fields[-1] + 1),
        company_names=tuple(compiler.select[i][0].target.attname for i in company_fields),
        company_columns=slice(company_fields[0], company_fields[-1] + 1),
        annotation=(name, position),
    )


def _only_position(params, probe) -> int | None:
    found = [i for i, value in enumerate(params) if type(value) is type(probe) and value == probe]
    return found[0] if len(found) == 1 else None


def _contiguous(positions: list[int]) -> bool:
    return list(positions) == list(range(positions[0], positions[0] + len(positions))) if positions else False


def card_rows(page_ids: list[int], tsquery: str | None) -> list[Job] | None:
    """The postings `page_ids` (any order) loaded for cards (Job.objects.for_cards()), each with
    `snippet` for `tsquery` when one is given, else `excerpt`: the instances the ORM's read
    `with_snippet(Job.objects.filter(pk__in=page_ids).for_cards(), tsquery)` (or
    `with_excerpt(…)`) gives, with the same columns loaded and deferred. None where the
    statement is not compiled (not PostgreSQL): the caller reads them through the ORM."""
    alias = router.db_for_read(Job)
    connection = connections[alias]
    compiled = _card_statement(alias, tsquery is not None) if connection.vendor == "postgresql" else None
    if compiled is None:
        return None
    params = list(compiled.params)
    params[compiled.ids_at] = id_array(page_ids)
    if compiled.query_at is not None:
        params[compiled.query_at] = tsquery
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    set_company = Job.company.field.set_cached_value
    name, position = compiled.annotation
    job_from_db, company_from_db = instance_maker(Job), instance_maker(Company)
    jobs = []
    for row in rows:
        job = job_from_db(alias, compiled.job_names, row[compiled.job_columns])
        set_company(job, company_from_db(alias, compiled.company_names, row[compiled.company_columns]))
        setattr(job, name, row[position])
        jobs.append(job)
    return jobs


def id_array(ids) -> str | list:
    """Ids for a `= ANY(%s)` or `%s::bigint[]` parameter: as PostgreSQL's array literal, text that
    psycopg quotes as it is, where a list went through its array dumper (the element types
    looked for twice, a dumper made, each id dumped and tested for quotes: ~165 K instructions a
    statement of twenty ids, three statements a search page). Anything but plain ints stays a list."""
    ids = list(ids)
    if all(type(pk) is int for pk in ids):
        return "{" + ",".join(map(str, ids)) + "}"
    return ids


def instance_maker(model):
    """`model.from_db`, or, when nothing listens to its instances being made (pre_init, post_init),
    the same instance made without Model.__init__: its loaded values put in its __dict__ as
    __init__ sets them (every field here a plain attribute or a descriptor that stores it there),
    its deferred fields left out. __init__ walks every concrete field and sends both signals:
    42 instances a page of cards, ~35 us each."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model.from_db

    def from_db(alias: str, names: tuple[str, ...], values) -> object:
        instance = model.__new__(model)
        state = instance._state = ModelState()
        instance.__dict__.update(zip(names, values))
        state.adding, state.db = False, alias
        return instance

    return from_db


@lru_cache(maxsize=8)
def _skills_statement(alias: str) -> tuple[str, tuple, int] | None:
    rows = JobSkill.objects.using(alias).filter(job_id__in=[_ID_PROBE]).order_by("skill__name")
    compiler = rows.values_list("job_id", "skill__name", "skill__slug").query.get_compiler(alias)
    sql, params = compiler.as_sql()
    ids_at = _only_position(params, _ID_PROBE)
    if ids_at is None or sql.count(_IN_PROBE) != 1 or compiler.get_converters([e for e, _s, _a in compiler.select]):
        return None
    return sql.replace(_IN_PROBE, _ANY), tuple(params), ids_at


def skill_rows(job_ids: list[int]) -> list[tuple[int, str, str]]:
    """(job id, skill name, skill slug) of these postings, by skill name: what
    `JobSkill.objects.filter(job_id__in=job_ids).order_by("skill__name").values_list(…)` reads."""
    alias = router.db_for_read(JobSkill)
    connection = connections[alias]
    compiled = _skills_statement(alias) if connection.vendor == "postgresql" else None
    if compiled is None:
        return list(JobSkill.objects.filter(job_id__in=job_ids).order_by("skill__name")
                    .values_list("job_id", "skill__name", "skill__slug"))
    sql, params, ids_at = compiled
    params = list(params)
    params[ids_at] = id_array(job_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
