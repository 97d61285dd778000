"""The search vocabulary (SearchTerm): filled from the open postings, read for typing help.

- suggest_terms(prefix): titles, companies and skills starting with what was typed, the
  most frequent first: one indexed query (a prefix range on `key`), cached.
- did_you_mean(q): the vocabulary entry most similar to a query with no or few results
  (pg_trgm similarity, GIN-indexed), or None.
- refresh_search_terms(): one set-based statement per kind; run by migration 0011 and
  `manage.py refresh_search_terms` (daily is plenty: the vocabulary changes slowly).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connections, transaction

from jobs import cache as jobs_cache

MAX_TERMS_PER_KIND = 50_000
SUGGESTIONS = 8
SUGGEST_TIMEOUT = 10 * 60
MIN_SIMILARITY = 0.4
FEW_RESULTS = 3  # "Did you mean" below this many matches
REFRESH_GENERATION_KEY = "jobs:vocabulary:generation"

FILL = {
    "title": "SELECT min(title), lower(title), 'title', count(*) FROM jobs_job "
             "WHERE is_active GROUP BY lower(title) ORDER BY count(*) DESC LIMIT %s",
    "company": "SELECT min(c.name), lower(c.name), 'company', count(j.id) FROM jobs_company c "
               "JOIN jobs_job j ON j.company_id = c.id AND j.is_active GROUP BY lower(c.name) ORDER BY count(j.id) DESC LIMIT %s",
    "skill": "SELECT min(s.name), lower(s.name), 'skill', count(*) FROM jobs_skill s "
             "JOIN jobs_jobskill js ON js.skill_id = s.id GROUP BY lower(s.name) ORDER BY count(*) DESC LIMIT %s",
}


@dataclass(frozen=True)
class Suggestion:
    term: str
    kind: str


def refresh_search_terms(using: str = "default") -> int:
    """Replace the vocabulary with the catalogue's current one, in one transaction."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("DELETE FROM jobs_searchterm")
        for sql in FILL.values():
            cursor.execute(f"INSERT INTO jobs_searchterm (term, key, kind, frequency) {sql}", [MAX_TERMS_PER_KIND])
        cursor.execute("SELECT count(*) FROM jobs_searchterm")
        (count,) = cursor.fetchone()
    transaction.on_commit(jobs_cache.bump_catalogue_generation, using=using)
    return count


def _compute_suggestions(prefix: str, limit: int) -> list[Suggestion]:
    from jobs.models import SearchTerm

    rows = (SearchTerm.objects.filter(key__startswith=prefix).order_by("-frequency", "key")
            .values_list("term", "kind")[:limit])
    return [Suggestion(term, kind) for term, kind in rows]


def suggest_terms(typed: str, limit: int = SUGGESTIONS) -> list[Suggestion]:
    prefix = " ".join(typed.lower().split())[:60]
    if len(prefix) < 2:
        return []
    key = f"jobs:suggest:{jobs_cache.catalogue_generation()}:{limit}:{jobs_cache._digest(prefix)}"
    return jobs_cache.cached_value(
        key, SUGGEST_TIMEOUT, lambda: _compute_suggestions(prefix, limit), layer="suggestions",
        to_cache=lambda found: [asdict(s) for s in found], from_cache=lambda rows: [Suggestion(**row) for row in rows],
    )


def did_you_mean(q: str) -> str | None:
    """The closest vocabulary entry to `q` (PostgreSQL; None elsewhere or when nothing is close)."""
    from jobs.models import SearchTerm

    typed = " ".join(q.lower().split())[:100]
    if len(typed) < 3 or connections[SearchTerm.objects.db].vendor != "postgresql":
        return None

    def compute() -> str:
        best = (SearchTerm.objects.filter(key__trigram_similar=typed).exclude(key=typed)
                .annotate(similarity=TrigramSimilarity("key", typed))
                .filter(similarity__gte=MIN_SIMILARITY).order_by("-similarity", "-frequency")
                .values_list("term", flat=True).first())
        return best or ""

    key = f"jobs:did-you-mean:{jobs_cache.catalogue_generation()}:{jobs_cache._digest(typed)}"
    return jobs_cache.cached_value(key, SUGGEST_TIMEOUT, compute, layer="suggestions") or None
