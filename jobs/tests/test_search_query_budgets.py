"""Every filter combination of /jobs/ runs a fixed number of queries, at two catalogue sizes.

Each posting here matches every filter below, so each combination shows rows (and their
skills) at both sizes: the count can only differ with the number of rows if a loop queries.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

import pytest
from django.db import connection
from django.utils import timezone

from jobs.tests.conftest import TOTAL_QUERIES
from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"

FILTERS = {
    "location": "location=berl",
    "remote": "remote=remote",
    "job_type": "job_type=contract",
    "experience": "experience=senior",
    "salary": "salary_min=90000",
    "company": "company=acme-corp",
    "skills": "skills=python,django",
    "posted_within": "posted_within=7",
}
FACET_FILTERS = ("remote", "job_type", "experience")
COMBINATIONS = [(), *((name,) for name in FILTERS), *combinations(("remote", "salary", "skills", "location"), 2),
                ("remote", "job_type", "experience", "salary", "skills"), tuple(FILTERS)]


def expected_queries(chosen: tuple[str, ...], *, q: bool, sort: str) -> int:
    """The budget of one cold-cache page, query by query."""
    n = 0
    if POSTGRES:
        # search_deadline: set_config(statement_timeout); in a test also the SAVEPOINT and
        # RELEASE around it, as the test's own transaction encloses the page's.
        n += 3
    if q and POSTGRES:
        n += 1  # the search aliases (cached per catalogue generation)
    if "skills" in chosen and POSTGRES:
        n += 1  # the skills' ids by slug (cached per catalogue generation)
    if "company" in chosen:
        n += 1  # the company's id by slug (cached per catalogue generation)
    if "location" in chosen and POSTGRES:
        n += 1  # the catalogue's distinct locations (cached per catalogue generation)
    # The total: the catalogue's size and the matches' estimate (EXPLAINs); here, a set so small
    # that the matches themselves are read (PostgreSQL: each with its tier and facet values).
    n += TOTAL_QUERIES
    # The page's cards with their companies (and snippets). On PostgreSQL a small set's page
    # is ordered from the matches the total read: no second statement over them.
    n += 1
    n += 1  # the skills of the rows shown
    facets_chosen = len([name for name in FACET_FILTERS if name in chosen])
    # Facets: with any chosen, one sample of the matches before the facet filters serves every
    # chosen one (each counted without its own filter); the unchosen come from the matches the
    # total read (PostgreSQL), else from that sample, or from one of their own with none chosen.
    n += 1 if facets_chosen else (0 if POSTGRES else 1)
    return n


@pytest.fixture
def everything_matches(request):
    python, django = SkillFactory(name="Python"), SkillFactory(name="Django")
    acme = CompanyFactory(name="Acme Corp")
    return [
        JobFactory(title=f"Python developer {n}", company=acme, location="Berlin", remote_policy="remote",
                   job_type="contract", experience_level="senior", salary_min=100_000, salary_max=150_000,
                   skills=[python, django], posted_at=timezone.now() - timedelta(hours=n + 1))
        for n in range(request.param)
    ]


@pytest.mark.parametrize("everything_matches", [3, 25], indirect=True)
@pytest.mark.parametrize("chosen", COMBINATIONS, ids=lambda chosen: "+".join(chosen) or "none")
@pytest.mark.parametrize("q,sort", [("", "newest"), ("python", "relevance"), ("python", "newest"), ("", "salary")])
def test_every_filter_combination_has_a_fixed_query_budget(client, everything_matches, chosen, q, sort,
                                                          django_assert_num_queries):
    url = "/jobs/?" + "&".join([f"q={q}", f"sort={sort}", *(FILTERS[name] for name in chosen)])
    with django_assert_num_queries(expected_queries(chosen, q=bool(q), sort=sort)):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="job-title"') == min(len(everything_matches), 20)
