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


# Parsed queries, per process: the matcher parses every distinct saved query each run (17,687
# at full size), and a form per query was most of a run's CPU. A query is a pure function of its
# stored form, except a salary in another currency, which the day's rates convert: those are
# parsed afresh. Bounded: cleared when full.
_PARSED: dict[str, SearchParams | None] = {}
PARSED_MAX = 100_000


def search_params_cached(query: dict, key: str) -> SearchParams | None:
    """search_params, remembered in this process under the query's key when it depends on nothing else."""
    if key in _PARSED:
        return _PARSED[key]
    params = search_params(query)
    converts = (query.get("salary_min") or query.get("salary_max")) and query.get("salary_currency", "USD") != "USD"
    if not converts:
        if len(_PARSED) >= PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = params
    return params


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
