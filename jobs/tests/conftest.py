from __future__ import annotations

import pytest
from django.db import connection

from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")

# What a search's total costs on a cold cache. SQLite: a count stopped at COUNT_CAP + 1.
# PostgreSQL: the planner's estimate of the open postings (cached apart) and of the matches
# (two EXPLAINs, which steer the plans), then that count, as the sets here are small.
TOTAL_QUERIES = 3 if connection.vendor == "postgresql" else 1
# search_deadline (PostgreSQL): set_config(statement_timeout), and in a test the SAVEPOINT
# and RELEASE around it, as the test's own transaction encloses the request's.
DEADLINE_QUERIES = 3 if connection.vendor == "postgresql" else 0
# The search aliases, then the skill filter's ids: one query each on a cold cache (PostgreSQL).
ALIAS_QUERIES = SKILL_ID_QUERIES = 1 if connection.vendor == "postgresql" else 0
# Relevance (PostgreSQL): the tiers' newest matches, then the page's cards with snippets.
RELEVANCE_EXTRA_QUERIES = 1 if connection.vendor == "postgresql" else 0


def make_catalogue(size: int) -> list:
    """`size` postings spread over a few companies, each with two skills."""
    skills = [SkillFactory(name=name) for name in ("Python", "Django", "Rust", "SQL")]
    companies = [CompanyFactory(name=f"Acme {n}") for n in range(3)]
    return [
        JobFactory(
            title=f"Python developer {n}" if n % 2 == 0 else f"Rust engineer {n}",
            company=companies[n % 3],
            skills=[skills[n % 4], skills[(n + 1) % 4]],
            remote_policy=("remote", "hybrid", "onsite")[n % 3],
        )
        for n in range(size)
    ]


@pytest.fixture
def catalogue(request):
    """Parametrize with the number of postings: query budgets are asserted at two sizes."""
    return make_catalogue(request.param)


@pytest.fixture
def capture_commits(django_capture_on_commit_callbacks):
    """Run on-commit work (the cache generation bump) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
