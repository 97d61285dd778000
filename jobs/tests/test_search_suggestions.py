"""Typing help: suggestions from the vocabulary as the seeker types, and "Did you mean"."""

from __future__ import annotations

import pytest

from jobs.tests.conftest import postgres_only
from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory
from jobs.vocabulary import refresh_search_terms

pytestmark = pytest.mark.django_db


@pytest.fixture
def vocabulary(capture_commits):
    python = SkillFactory(name="Python")
    pytorch = SkillFactory(name="PyTorch")
    for n in range(3):
        JobFactory(title="Python Developer", skills=[python])
    JobFactory(title="Python Engineer", skills=[python, pytorch], company=CompanyFactory(name="Pythonic Labs"))
    JobFactory(title="Accountant")
    with capture_commits():
        refresh_search_terms()


def test_it_suggests_titles_companies_and_skills_most_frequent_first(client, vocabulary, django_assert_num_queries):
    with django_assert_num_queries(1):  # one indexed prefix query on the vocabulary
        response = client.get("/jobs/suggest/?q=PYT")
    assert response.json()["suggestions"] == [
        {"term": "Python", "kind": "skill"},
        {"term": "Python Developer", "kind": "title"},
        {"term": "Python Engineer", "kind": "title"},
        {"term": "Pythonic Labs", "kind": "company"},
        {"term": "PyTorch", "kind": "skill"},
    ]
    with django_assert_num_queries(0):  # cached
        assert client.get("/jobs/suggest/?q=pyt").json() == response.json()


def test_htmx_gets_the_datalist_and_short_input_gets_nothing(client, vocabulary):
    body = client.get("/jobs/suggest/?q=acc", headers={"HX-Request": "true"}).content.decode()
    assert body.strip() == '<datalist id="search-suggestions"><option value="Accountant"></datalist>'
    assert client.get("/jobs/suggest/?q=p").json() == {"suggestions": []}
    assert client.get("/jobs/suggest/").json() == {"suggestions": []}


def test_the_search_input_asks_for_suggestions(client, vocabulary):
    body = client.get("/jobs/").content.decode()
    assert 'list="search-suggestions"' in body and 'hx-get="/jobs/suggest/"' in body
    assert '<datalist id="search-suggestions">' in body


@postgres_only
def test_a_misspelt_query_with_no_results_gets_did_you_mean(client, vocabulary):
    body = client.get("/jobs/?q=pyhton+developer").content.decode()
    assert 'Did you mean <a href="/jobs/?q=Python%20Developer">Python Developer</a>?' in body
    assert "Did you mean" not in client.get("/jobs/?q=python").content.decode()
    assert "Did you mean" not in client.get("/jobs/?q=zzzzqqq").content.decode()
