"""The daily vocabulary task: postings that arrive after the vocabulary was built reach typing help."""

from __future__ import annotations

import pytest

from jobs.models import SearchTerm
from jobs.tasks import refresh_vocabulary
from jobs.tests.factories import JobFactory, SkillFactory
from jobs.vocabulary import refresh_search_terms

pytestmark = pytest.mark.django_db


def test_a_posting_imported_after_the_vocabulary_was_built_is_suggested_after_the_daily_task(client, capture_commits):
    JobFactory(title="Accountant")
    with capture_commits():
        refresh_search_terms()
    JobFactory(title="Quantum Gardener", skills=[SkillFactory(name="Qiskit")])
    assert client.get("/jobs/suggest/?q=qua").json() == {"suggestions": []}

    with capture_commits():  # the rebuild bumps the catalogue generation, so cached suggestions go too
        terms = refresh_vocabulary.apply().get()
    assert terms == SearchTerm.objects.count() >= 5  # two titles, their companies, the skill

    assert client.get("/jobs/suggest/?q=qua").json() == {"suggestions": [{"term": "Quantum Gardener", "kind": "title"}]}
    assert client.get("/jobs/suggest/?q=qis").json() == {"suggestions": [{"term": "Qiskit", "kind": "skill"}]}

