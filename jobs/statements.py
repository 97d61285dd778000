"""Statements of a search page composed from pieces compiled once (PostgreSQL).

A search page built on a miss sends half a dozen statements over one set of matches: the
planner's estimate of it (an EXPLAIN), its candidates with their relevance tier, a walk of the
newest postings for the best tiers, a facet sample. Through the ORM each was a queryset cloned
from filtered_jobs' and compiled whole: its WHERE again each time, and the relevance tiers'
CASE (three text-search conditions, resolved and compiled: ~1.5 ms of CPU a statement) that
only the query's words change. Here the set's WHERE is compiled once a page (kept on its
queryset), the tiers' CASE once per process for each form it takes (with or without an
excluded word) with stand-in words, the page's words bound in their place, and each statement
is the text the ORM writes for it around those pieces: jobs/tests/test_statements.py holds
the two equal, SQL and parameters, for every filter shape. Anything else (a join, another
database) goes through the ORM as before: the callers get None.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Expression, Q
from django.db.models.sql.where import AND

from jobs.models import Job, JobQuerySet
from jobs.search import ParsedQuery

# Stand-ins no real query's to_tsquery text equals.
_PROBE = ParsedQuery(simple="zqxprobesimple", title="zqxprobetitle", english="zqxprobeenglish")
_PROBE_EXCLUDING = ParsedQuery(simple="zqxprobesimple & !zqxprobeexcluded", title="zqxprobetitle",
                               english="zqxprobeenglish & !zqxprobeexcluded")
_FIELDS = ("simple", "title", "english")
_TABLE = '"jobs_job"'


def where(qs: JobQuerySet) -> tuple[str, tuple] | None:
    """The WHERE of `qs` (filtered_jobs' set, or one narrowed from it) as the ORM compiles it, once
    per queryset; None when it reads more than the postings' table, holds no condition or cannot
    match (the ORM's own path then says what it says)."""
    cached = qs.__dict__.get("_compiled_where", False)
    if cached is not False:
        return cached
    query = qs.query
    compiled: tuple[str, tuple] | None = None
    # Joins the ORM set up and trimmed (company_id=…) stay in alias_map, unreferenced: not in the FROM.
    if (connections[qs.db].vendor == "postgresql" and {alias for alias in query.alias_map if query.alias_refcount[alias]} <= {Job._meta.db_table}
            and not query.extra and not query.distinct and query.combinator is None and not query.annotations
            and not query.is_sliced and not query.order_by and not (query.default_ordering and Job._meta.ordering)):
        try:
            sql, params = query.get_compiler(qs.db).compile(query.where)
        except (EmptyResultSet, FullResultSet):
            sql = ""
        if sql:
            compiled = (sql, tuple(params))
    qs.__dict__["_compiled_where"] = compiled
    return compiled


def select(qs: JobQuerySet, columns: str, params: tuple | list = (), tail: str = "") -> tuple[str, list] | None:
    """`SELECT columns FROM "jobs_job" WHERE <qs's WHERE>tail`, with `params` (the columns') first,
    as the ORM orders them; None where `where` is."""
    found = where(qs)
    if found is None:
        return None
    sql, where_params = found
    return f"SELECT {columns} FROM {_TABLE} WHERE {sql}{tail}", [*params, *where_params]


@lru_cache(maxsize=16)
def _expression_template(alias: str, build: Callable[[ParsedQuery], Expression],
                         excludes: bool) -> tuple[str, tuple, tuple[str | None, ...]] | None:
    probe = _PROBE_EXCLUDING if excludes else _PROBE
    query = Job.objects.using(alias).all().query
    sql, params = build(probe).resolve_expression(query).as_sql(query.get_compiler(alias), connections[alias])
    probes = {getattr(probe, name): name for name in _FIELDS}
    slots = tuple(probes.get(value) if isinstance(value, str) else None for value in params)
    if any(value in sql for value in probes):
        return None
    return sql, tuple(params), slots


def expression(alias: str, build: Callable[[ParsedQuery], Expression], parsed: ParsedQuery) -> tuple[str, list]:
    """`build(parsed)` (an expression over the postings' own columns, e.g. the relevance tiers'
    CASE) compiled: once per process for each form (with or without an excluded word), the
    words of `parsed` bound where the stand-ins were."""
    template = _expression_template(alias, build, parsed.excludes)
    if template is None:
        query = Job.objects.using(alias).all().query
        sql, params = build(parsed).resolve_expression(query).as_sql(query.get_compiler(alias), connections[alias])
        return sql, list(params)
    sql, params, slots = template
    return sql, [value if slot is None else getattr(parsed, slot) for value, slot in zip(params, slots, strict=True)]


@lru_cache(maxsize=16)
def _condition_template(alias: str, build: Callable[[ParsedQuery], Q], excludes: bool) -> tuple[str, tuple, tuple[str | None, ...]] | None:
    probe = _PROBE_EXCLUDING if excludes else _PROBE
    query = Job.objects.using(alias).all().query
    # What filter(condition) adds to a set's WHERE: its conditions ANDed beside the set's own.
    clause = query.build_where(Q(build(probe)))
    if clause.connector != AND or clause.negated:
        return None
    compiler = query.get_compiler(alias)
    parts = [compiler.compile(child) for child in clause.children]
    sql = " AND ".join(part for part, _params in parts)
    params = [value for _part, part_params in parts for value in part_params]
    probes = {getattr(probe, name): name for name in _FIELDS}
    if not sql or any(value in sql for value in probes):
        return None
    return sql, tuple(params), tuple(probes.get(value) if isinstance(value, str) else None for value in params)


def narrowed_select(qs: JobQuerySet, build: Callable[[ParsedQuery], Q], parsed: ParsedQuery, columns: str,
                    tail: str = "") -> tuple[str, list] | None:
    """select() of `qs.filter(build(parsed))`: the condition compiled once per process for each
    form, the words of `parsed` bound in it, ANDed inside the set's WHERE as the ORM writes it;
    None where select() is, or the WHERE is not a conjunction the condition can join."""
    found = where(qs)
    template = _condition_template(qs.db, build, parsed.excludes)
    if found is None or template is None or not (found[0].startswith("(") and found[0].endswith(")")) \
            or len(qs.query.where.children) < 2 or qs.query.where.connector != AND or qs.query.where.negated:
        return None
    sql, params, slots = template
    bound = [value if slot is None else getattr(parsed, slot) for value, slot in zip(params, slots, strict=True)]
    return (f"SELECT {columns} FROM {_TABLE} WHERE {found[0][:-1]} AND {sql}){tail}", [*found[1], *bound])
