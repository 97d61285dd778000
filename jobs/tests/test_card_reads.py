"""The reads behind a page of result cards, compiled once per process (jobs/cards.py): the same
instances and rows as the ORM's reads they replace, and no compilation after the first."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from jobs import cards
from jobs.models import Job, JobSkill
from jobs.tests.conftest import postgres_only
from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory

pytestmark = [pytest.mark.django_db, postgres_only]


@pytest.fixture
def postings():
    python, sql, go = SkillFactory(name="Python"), SkillFactory(name="SQL"), SkillFactory(name="Go")
    acme = CompanyFactory(name="Acme <Corp>", website="https://acme.example", headquarters="Berlin")
    return [
        JobFactory(title="Python developer", company=acme, skills=[python, sql],
                   description="We build data pipelines in Python. " * 30 + "Python and SQL daily."),
        JobFactory(title="Go engineer", salary_min=None, salary_max=None, skills=[go],
                   description="Distributed systems in Go; some Python scripting."),
        JobFactory(title="Data analyst", company=acme, skills=[], description="Spreadsheets & <b>dashboards</b>."),
    ]


def loaded(instance) -> dict:
    """What a model instance holds: its loaded values, its deferred fields, its database."""
    values = {name: value for name, value in instance.__dict__.items() if name != "_state"}
    return {"values": values, "deferred": instance.get_deferred_fields(), "db": instance._state.db,
            "adding": instance._state.adding}


def orm_cards(ids: list[int], tsquery: str | None) -> list[Job]:
    shown = Job.objects.filter(pk__in=ids).for_cards()
    return list(cards.with_snippet(shown, tsquery) if tsquery is not None else cards.with_excerpt(shown))


@pytest.mark.parametrize("tsquery", ["python", "python & sql", "distribut:* | spreadsheet", None])
def test_it_reads_the_instances_the_orm_reads(postings, tsquery):
    ids = [job.pk for job in reversed(postings)]
    expected = {job.pk: job for job in orm_cards(ids, tsquery)}
    read = cards.card_rows(ids, tsquery)
    assert sorted(job.pk for job in read) == sorted(expected)
    for job in read:
        twin = expected[job.pk]
        with CaptureQueriesContext(connection) as queries:
            company, twin_company = job.company, twin.company
        assert not queries  # set as select_related sets it
        assert loaded(company) == loaded(twin_company)
        assert loaded(job) == loaded(twin)


def test_it_reads_the_skills_the_orm_reads(postings):
    ids = [job.pk for job in postings] + [0]
    expected = list(JobSkill.objects.filter(job_id__in=ids).order_by("skill__name").values_list("job_id", "skill__name", "skill__slug"))
    assert cards.skill_rows(ids) == expected
    assert len(expected) == 3


def test_it_compiles_each_statement_once_and_binds_the_values_per_page(postings, monkeypatch):
    cards._card_statement.cache_clear()
    cards._skills_statement.cache_clear()
    compiled = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(SQLCompiler, "as_sql", lambda self, *args, **kwargs: compiled.append(1) or as_sql(self, *args, **kwargs))
    for job in postings:
        cards.card_rows([job.pk], "python")
        cards.skill_rows([job.pk])
    assert len(compiled) == 2
    with CaptureQueriesContext(connection) as queries:
        assert [job.title for job in cards.card_rows([postings[1].pk, postings[0].pk], "python")] == ["Python developer", "Go engineer"]
    assert len(queries) == 1 and "= ANY(" in queries[0]["sql"]


def test_it_makes_the_instances_through_the_orm_when_something_listens_for_them(postings):
    from django.db.models.signals import post_init

    made = []

    def listener(sender, instance, **kwargs):
        made.append(instance)

    post_init.connect(listener, sender=Job)
    try:
        read = cards.card_rows([postings[0].pk], "python")
    finally:
        post_init.disconnect(listener, sender=Job)
    assert made == read and loaded(read[0]) == loaded(orm_cards([postings[0].pk], "python")[0])


def test_ids_go_as_an_array_literal_and_anything_else_as_a_list():
    assert cards.id_array([3, 1, 2]) == "{3,1,2}" and cards.id_array(iter([])) == "{}"
    assert cards.id_array([1, True]) == [1, True] and cards.id_array([1, "2"]) == [1, "2"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT x FROM unnest(%s::bigint[]) x", [cards.id_array([5, 2**40, 7])])
        assert [row[0] for row in cursor.fetchall()] == [5, 2**40, 7]
