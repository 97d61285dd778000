"""A saved search's query: what the /jobs/ form accepted, normalised so equal searches compare equal.

Only the fields that decide the set of postings are kept (not the page or cursor); the salary
stays as the seeker typed it with its currency, so it is converted at today's rates each time,
as /jobs/ does. `search_params` turns it back into the jobs app's own SearchParams through the
same form, so a saved search matches exactly what /jobs/ shows for it.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import QueryDict

from jobs.forms import JobSearchForm
from jobs.selectors import SearchParams

LIST_FIELDS = ("remote", "job_type", "experience")
TEXT_FIELDS = ("q", "location", "company")
SORTS = ("relevance", "newest", "salary")


def normalise(data: QueryDict | dict) -> tuple[dict, str] | None:
    """(query, sort) for valid /jobs/ parameters, None when the form refuses them."""
    if not isinstance(data, QueryDict):
        data = to_query_dict(data)
    form = JobSearchForm(data)
    if not form.is_valid():
        return None
    raw = form.cleaned_data
    query: dict = {}
    for name in TEXT_FIELDS:
        value = " ".join(str(data.get(name, "")).split()).lower() if name != "company" else raw.get("company", "")
        if value:
            query[name] = value
    for name in LIST_FIELDS:
        if raw.get(name):
            query[name] = sorted(set(raw[name]))
    if raw.get("skills"):
        query["skills"] = sorted(raw["skills"])
    for name in ("salary_min", "salary_max"):
        typed = data.get(name)
        if typed not in (None, ""):
            query[name] = int(typed)
    if "salary_min" in query or "salary_max" in query:
        query["salary_currency"] = raw.get("salary_currency") or "USD"
    if raw.get("posted_within"):
        query["posted_within"] = raw["posted_within"]
    return query, raw["sort"]


def query_key(query: dict) -> str:
    return hashlib.sha1(json.dumps(query, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def to_query_dict(query: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in query.items():
        if name == "skills":
            data[name] = value if isinstance(value, str) else ",".join(value)
        elif isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        else:
            data[name] = str(value)
    return data


def search_params(query: dict) -> SearchParams | None:
    """The jobs app's SearchParams for a stored query (None if it no longer validates)."""
    form = JobSearchForm(to_query_dict(query))
    return form.params() if form.is_valid() else None


# Parsed queries: the matcher parses every distinct saved query each run (17,687 at full size),
# and a form per query was most of a run's CPU. A query is a pure function of its stored form,
# except a salary in another currency, which the day's rates convert: those are parsed afresh.
# The rest are remembered in this process (bounded: cleared when full) and in the cache for a
# day, so a fresh worker's first run reads them in one round trip instead of building the forms.
_PARSED: dict[str, SearchParams | None] = {}
PARSED_MAX = 100_000
PARSED_TIMEOUT = 24 * 60 * 60
# The cached objects are SearchParams: a change of its fields must not read old ones back.
_PARAMS_SHAPE = hashlib.sha1(",".join(SearchParams.__dataclass_fields__).encode()).hexdigest()[:8]
_INVALID = "invalid"


def parsed_query_key(key: str) -> str:
    return f"notifications:parsed:{_PARAMS_SHAPE}:{key}"


def _converts(query: dict) -> bool:
    return bool(query.get("salary_min") or query.get("salary_max")) and query.get("salary_currency", "USD") != "USD"


def search_params_many(queries: dict[str, dict]) -> dict[str, SearchParams | None]:
    """search_params for each (query_key -> query), remembered as above."""
    found: dict[str, SearchParams | None] = {}
    missing = [key for key in queries if key not in _PARSED]
    cached = cache.get_many([parsed_query_key(key) for key in missing]) if missing else {}
    to_cache = {}
    if len(_PARSED) + len(missing) > PARSED_MAX:
        _PARSED.clear()
    for key, query in queries.items():
        if key in _PARSED:
            found[key] = _PARSED[key]
            continue
        if _converts(query):
            found[key] = search_params(query)
            continue
        hit = cached.get(parsed_query_key(key))
        if hit is None:
            params = search_params(query)
            if params is None or params.cursor is None:  # a saved query has no cursor; plain data only in the cache
                to_cache[parsed_query_key(key)] = _INVALID if params is None else {
                    name: getattr(params, name) for name in SearchParams.__dataclass_fields__ if name != "cursor"}
        else:
            params = None if hit == _INVALID else SearchParams(**hit)
        _PARSED[key] = found[key] = params
    for start in range(0, len(to_cache), 5_000):
        cache.set_many(dict(list(to_cache.items())[start : start + 5_000]), PARSED_TIMEOUT)
    return found


def search_url_query(query: dict, sort: str = "") -> str:
    """The query string that opens the saved search on /jobs/."""
    pairs = []
    for name, value in query.items():
        if isinstance(value, list) and name != "skills":
            pairs += [(name, v) for v in value]
        elif name == "skills":
            pairs.append((name, ", ".join(value)))
        else:
            pairs.append((name, value))
    if sort and sort in SORTS:
        pairs.append(("sort", sort))
    return urlencode(pairs)


def describe(query: dict) -> str:
    """A short human summary: “python” · remote · senior · Berlin."""
    parts = []
    if query.get("q"):
        parts.append(f"“{query['q']}”")
    for name in LIST_FIELDS:
        parts += [v.replace("_", "-") for v in query.get(name, [])]
    if query.get("location"):
        parts.append(f"in {query['location']}")
    if query.get("company"):
        parts.append(f"at {query['company']}")
    if query.get("skills"):
        parts.append("skills " + ", ".join(query["skills"]))
    if query.get("salary_min"):
        parts.append(f"from {query['salary_min']:,} {query.get('salary_currency', 'USD')}")
    if query.get("salary_max"):
        parts.append(f"up to {query['salary_max']:,} {query.get('salary_currency', 'USD')}")
    return " · ".join(parts) or "All jobs"
