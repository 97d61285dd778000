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
from datetime import UTC, datetime, timedelta
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


def composed_set(build: Callable[[tuple], list], filters: tuple) -> JobQuerySet:
    """`Job.objects.order_by().filter(*build(filters))`, `filters` a tuple (or named tuple) of plain
    values. On PostgreSQL its WHERE is composed, not compiled: from a template compiled once per
    process for each shape of `filters` (which values are None, True or empty, how many each
    tuple holds), their values bound in it; and the queryset is built (its conditions resolved,
    ~0.1-0.2 ms a condition) only if something reads it through the ORM (QuerySet's deferred
    filter, what Django's related managers use). `where` answers from the composed WHERE."""
    qs = Job.objects.order_by()
    conditions = build(filters)
    if connections[qs.db].vendor != "postgresql":
        return qs.filter(*conditions)
    qs._defer_next_filter = True
    qs = qs.filter(*conditions)
    leaves: list = []
    try:
        shape = _shape(filters, leaves)
    except _Unshaped:
        return qs
    template = _set_template(qs.db, build, shape)
    if template is not None:
        sql, params, slots = template
        # A leaf goes in as the type the ORM gives it (an integer column's value as psycopg's Int8).
        qs.__dict__["_compiled_where"] = (sql, tuple(
            value if slot is None else leaves[slot[0]] if type(leaves[slot[0]]) is slot[1] else slot[1](leaves[slot[0]])
            for value, slot in zip(params, slots, strict=True)))
        qs.__dict__["_conjunction"] = True
    return qs


class _Unshaped(Exception):
    """A value composed_set makes no stand-in for: the set's WHERE is then the ORM's."""


_LEAVES = (str, int, datetime, list)


def _shape(value, leaves: list):
    """`value`'s shape (what decides the WHERE's text), its values appended to `leaves` in order."""
    if value is None or value is True or value is False or value == "":
        return value
    kind = type(value)
    if isinstance(value, tuple):
        return kind, tuple(_shape(item, leaves) for item in value)
    if kind is list and all(type(item) is int for item in value):  # an array's values, each a parameter
        leaves.extend(value)
        return list, len(value)
    if kind in _LEAVES[:3] and (kind is not datetime or value.tzinfo is not None):
        leaves.append(value)
        return kind
    raise _Unshaped


def _stand_in(shape, run: int, counter: list):
    """A value of `shape` whose leaves are stand-ins no real value equals, distinct per `run`."""
    if shape is None or shape is True or shape is False or shape == "":
        return shape
    if isinstance(shape, tuple):
        kind, items = shape
        if kind is list:
            return [_stand_in(int, run, counter) for _ in range(items)]
        values = [_stand_in(item, run, counter) for item in items]
        return kind._make(values) if hasattr(kind, "_make") else kind(values)
    counter[0] += 1
    n = counter[0] * 10 + run
    if shape is str:
        return f"zqxstandin{n}"
    if shape is int:
        return 7_000_000_000 + n
    return datetime(2001, 2, 3, tzinfo=UTC) + timedelta(seconds=n)


@lru_cache(maxsize=256)
def _set_template(alias: str, build: Callable[[tuple], list],
                  shape) -> tuple[str, tuple, tuple[tuple[int, type] | None, ...]] | None:
    """The WHERE of composed_set's set for one shape: its text, its parameters and, for each,
    the leaf (in _shape's order) bound there and the type the ORM gave it, or None (the same
    value whatever the leaves). From two sets of stand-ins, so a parameter the ORM derives from
    a value (a LIKE's %value%) is caught, and the set goes through the ORM."""
    compiled = []
    for run in (1, 2):
        filters = _stand_in(shape, run, [0])
        leaves: list = []
        _shape(filters, leaves)
        qs = Job.objects.using(alias).order_by().filter(*build(filters))
        found = where(qs)
        if found is None or not _and_of_several(qs.query.where):
            return None
        compiled.append((found, leaves))
    ((sql, params), leaves), ((other_sql, other_params), other_leaves) = compiled
    if sql != other_sql or len(params) != len(other_params):
        return None
    slots: list[tuple[int, type] | None] = []
    for value, other in zip(params, other_params, strict=True):
        found = next((i for i, leaf in enumerate(leaves) if isinstance(value, type(leaf)) and leaf == value), None)
        if found is None:
            if type(value) is not type(other) or value != other:
                return None  # derived from a leaf, or from something else that varies
            slots.append(None)
        elif (type(other) is not type(value) or other_leaves[found] != other
              or (type(value) is not type(leaves[found]) and type(value)(leaves[found]) != value)):
            return None
        else:
            slots.append((found, type(value)))
    if any(isinstance(leaf, str) and leaf in sql for leaf in leaves):
        return None
    return sql, tuple(params), tuple(slots)


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


def _conjunction(qs: JobQuerySet) -> bool:
    """Whether `qs`' WHERE is two conditions or more ANDed (known without building a composed set)."""
    known = qs.__dict__.get("_conjunction")
    return known if known is not None else _and_of_several(qs.query.where)


def _and_of_several(where_node) -> bool:
    return len(where_node.children) >= 2 and where_node.connector == AND and not where_node.negated


def narrowed_select(qs: JobQuerySet, build: Callable[[ParsedQuery], Q], parsed: ParsedQuery, columns: str,
                    tail: str = "") -> tuple[str, list] | None:
    """select() of `qs.filter(build(parsed))`: the condition compiled once per process for each
    form, the words of `parsed` bound in it, ANDed inside the set's WHERE as the ORM writes it;
    None where select() is, or the WHERE is not a conjunction the condition can join."""
    found = where(qs)
    template = _condition_template(qs.db, build, parsed.excludes)
    if found is None or template is None or not (found[0].startswith("(") and found[0].endswith(")")) \
            or not _conjunction(qs):
        return None
    sql, params, slots = template
    bound = [value if slot is None else getattr(parsed, slot) for value, slot in zip(params, slots, strict=True)]
    return (f"SELECT {columns} FROM {_TABLE} WHERE {found[0][:-1]} AND {sql}){tail}", [*found[1], *bound])
