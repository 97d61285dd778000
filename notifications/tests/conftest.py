from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory
from notifications import services
from notifications.queries import normalise


def save_search(user, name="Python remote", frequency="daily", **params):
    query, sort = normalise(params)
    return services.saved_search_create(user=user, name=name, query=query, sort=sort, frequency=frequency)


def arrive(**fields):
    """A posting that arrives now (after any saved search made before it)."""
    fields.setdefault("posted_at", timezone.now())
    fields.setdefault("company", CompanyFactory(name="Acme"))
    return JobFactory(**fields)


def later(minutes: int = 2):
    """A run's clock, late enough for the postings made so far to have settled."""
    return timezone.now() + timedelta(minutes=minutes)


@pytest.fixture
def python_skill(db):
    return SkillFactory(name="Python")
