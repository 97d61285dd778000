"""benchmark_search --vocabulary: each vocabulary term's first page, once, with where its time went."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jobs.models import Job
from jobs.tests.conftest import postgres_only
from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory
from jobs.vocabulary import refresh_search_terms

pytestmark = [pytest.mark.django_db, postgres_only]


@pytest.fixture
def vocabulary():
    # Words no other test searches for: a rolled-back posting leaves its entries in the GIN index
    # until a VACUUM, and a test that samples a word's entries at random (gin_fuzzy_search_limit)
    # would find fewer of its own.
    harbours = [CompanyFactory(name=f"Harbour Works {n}") for n in range(3)]
    knots = SkillFactory(name="Knot tying")
    titles = ("Lighthouse keeper", "Ferry captain", "Harbour pilot", "Dock master", "Tide watcher", "Net mender")
    Job.objects.bulk_create([  # the command wants a thousand postings at least
        Job(title=titles[n % len(titles)], slug=f"posting-{n}", description="Ropes and tides.", company=harbours[n % 3],
            source="test", external_id=f"bulk-{n}", remote_policy=("remote", "onsite")[n % 2])
        for n in range(1000)
    ], batch_size=200)
    for n in range(20):
        JobFactory(title=titles[n % len(titles)], company=harbours[n % 3], skills=[knots])
    refresh_search_terms()


def test_it_builds_each_term_of_the_ranks_once_and_says_where_the_time_went(vocabulary, tmp_path):
    out, lines = StringIO(), tmp_path / "terms.jsonl"
    call_command("benchmark_search", "--no-scenarios", vocabulary="2-6", vocabulary_step=2, vocabulary_out=str(lines), slowest=2, stdout=out)
    text = out.getvalue()
    assert "Vocabulary ranks 2-6, one rank in 2: 3 terms" in text
    assert "page ms: p50 " in text and ", p99 " in text and ", max " in text
    assert "time in the database " in text and "in Python " in text
    assert "cancelled at the statement timeout: 0" in text
    assert "slowest 2:" in text
    terms = [json.loads(line) for line in lines.read_text().splitlines()]
    assert [term["rank"] for term in terms] == [2, 4, 6]
    for term in terms:
        assert term["kind"] in ("title", "company", "skill") and term["frequency"] > 0
        assert 0 < term["sql_ms"] < term["ms"] and term["statements"] >= 2
        assert term["total"] and term["ids"] and not term["timed_out"]
        assert sum(term["facets"]["remote"].values()) > 0
        # Its dearest statements, dearest first, a part of its time in the database.
        assert [ms for ms, _sql in term["dearest"]] == sorted((ms for ms, _sql in term["dearest"]), reverse=True)
        assert all(sql for _ms, sql in term["dearest"]) and sum(ms for ms, _sql in term["dearest"]) <= term["sql_ms"] + 0.1
    # The slowest are named with their statements.
    slowest = text.split("slowest 2:")[1]
    assert slowest.count(" ms in ") == 2 and "postings): " in slowest


def test_it_refuses_ranks_it_cannot_read(vocabulary):
    with pytest.raises(CommandError, match="FIRST-LAST"):
        call_command("benchmark_search", vocabulary="many", stdout=StringIO())
    with pytest.raises(CommandError, match="No vocabulary terms"):
        call_command("benchmark_search", vocabulary="90000-90010", stdout=StringIO())


def test_the_matrix_builds_a_page_in_one_scope_as_the_view_does(monkeypatch):
    # The view (jobs.views.job_list) reads the rows and the facets in one page scope, so what a
    # page reads once (the aliases, the planner's estimates) is read once; the matrix measured
    # each read again, a page's work the view never does.
    from jobs import selectors
    from jobs.management.commands.benchmark_search import Command
    from jobs.search import page_scope
    from jobs.selectors import SearchParams

    scopes = []
    for name in ("search_jobs", "job_facets"):
        read = getattr(selectors, name)
        monkeypatch.setattr(selectors, name, lambda *args, _read=read, **kwargs: (scopes.append(page_scope()), _read(*args, **kwargs))[1])
    monkeypatch.setattr("jobs.management.commands.benchmark_search.search_jobs", selectors.search_jobs)
    JobFactory(title="Harbour pilot", remote_policy="remote")

    Command()._page_work(SearchParams(q="pilot", remote="remote"))()

    assert len(scopes) == 2 and scopes[0] is not None and scopes[0] is scopes[1]
