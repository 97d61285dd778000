"""The slow-query log: over SLOW_QUERY_MS, one line with the duration, the statement's shape
(no parameter values: they can hold personal data) and what ran it."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from prometheus_client import REGISTRY

from careercopilot.observability import requests as request_metrics
from careercopilot.observability.slow_queries import normalise

pytestmark = pytest.mark.django_db


def _slow(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "careercopilot.slow_queries"]


def test_it_logs_a_slow_query_with_its_view_name_and_no_parameter_values(client, settings, caplog):
    settings.SLOW_QUERY_MS = 0  # every statement is "slow"
    before = REGISTRY.get_sample_value("db_slow_queries_total", {"view": "job_list"}) or 0
    with caplog.at_level(logging.WARNING, logger="careercopilot.slow_queries"):
        response = client.get("/jobs/", {"q": "zanzibarquux", "location": "Privatestreet 12"})
    assert response.status_code == 200
    records = _slow(caplog)
    assert records, "no statement was logged"
    assert {record.origin for record in records} == {"job_list"}
    for record in records:
        text = record.getMessage()
        assert text.startswith("slow query ") and " ms in job_list: " in text
        assert "zanzibarquux" not in text and "Privatestreet" not in text
    counted = REGISTRY.get_sample_value("db_slow_queries_total", {"view": "job_list"}) - before
    assert counted == len(records)


def test_it_stays_quiet_under_the_threshold(client, settings, caplog):
    settings.SLOW_QUERY_MS = 60_000
    with caplog.at_level(logging.WARNING, logger="careercopilot.slow_queries"):
        client.get("/jobs/", {"q": "python"})
    assert _slow(caplog) == []


def test_it_names_the_command_or_task_outside_a_request(settings, caplog):
    from careercopilot.observability import slow_queries

    settings.SLOW_QUERY_MS = 0
    slow_queries.enter("task:analytics.tasks.refresh_trending")
    try:
        with caplog.at_level(logging.WARNING, logger="careercopilot.slow_queries"):
            with connection.cursor() as cursor:
                cursor.execute("SELECT CAST(%s AS text)", ["alice@example.com"])  # either database
    finally:
        slow_queries.leave()
    (record,) = _slow(caplog)
    assert record.origin == "task:analytics.tasks.refresh_trending"
    assert "alice@example.com" not in record.getMessage() and "SELECT CAST(? AS text)" in record.getMessage()


def test_normalising_drops_literals_and_folds_lists():
    sql = """SELECT "jobs_job"."id" FROM "jobs_job"\n WHERE "title" = 'Secret Corp' AND "id" IN (%s, %s, %s)
             AND salary > 120000 LIMIT 20"""
    assert normalise(sql) == (
        'SELECT "jobs_job"."id" FROM "jobs_job" WHERE "title" = ? AND "id" IN (?, …) AND salary > ? LIMIT ?'
    )


def test_normalising_a_statement_with_thousands_of_ids_is_bounded_and_never_raises():
    ids = ", ".join(str(n) for n in range(20_000))  # more tokens than sqlparse accepts
    sql = f"SELECT \"id\" FROM \"jobs_job\" WHERE \"id\" IN ({ids}) AND note = 'it''s -- private'"

    statement = normalise(sql)

    assert statement.startswith('SELECT "id" FROM "jobs_job" WHERE "id" IN (?, ')
    assert "private" not in statement and "19999" not in statement
    assert len(statement) <= 20_000


def test_identifiers_with_digits_and_named_placeholders_keep_their_shape():
    sql = 'SELECT t1."col2" FROM "t1" WHERE x = %(cutoff)s AND y = ANY(%(ids)s::bigint[]) -- by 42'
    assert normalise(sql) == 'SELECT t1."col2" FROM "t1" WHERE x = ? AND y = ANY(?::bigint[])'


def test_a_request_names_its_statements_by_the_view_django_resolved_without_resolving_again(client, monkeypatch):
    import django.urls

    from jobs.tests.factories import JobFactory

    job = JobFactory()
    resolved_again = []
    resolve = django.urls.resolve
    monkeypatch.setattr(django.urls, "resolve", lambda *args, **kwargs: resolved_again.append(args) or resolve(*args, **kwargs))
    request_metrics.flush()
    before = REGISTRY.get_sample_value("db_queries_total", {"view": "job_detail"}) or 0

    assert client.get(job.get_absolute_url()).status_code == 200

    request_metrics.flush()  # counted in process, written with the request metrics
    assert REGISTRY.get_sample_value("db_queries_total", {"view": "job_detail"}) > before
    assert resolved_again == []


def test_each_statement_is_counted_in_process_and_written_with_the_request_metrics(monkeypatch):
    from careercopilot.observability import slow_queries

    held = request_metrics.PendingWrites(every=3600)
    monkeypatch.setattr(request_metrics, "PENDING", held)
    slow_queries.enter("counted_in_process_test")
    try:
        before = REGISTRY.get_sample_value("db_queries_total", {"view": "counted_in_process_test"}) or 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        assert (REGISTRY.get_sample_value("db_queries_total", {"view": "counted_in_process_test"}) or 0) == before
        held.flush()
        assert REGISTRY.get_sample_value("db_queries_total", {"view": "counted_in_process_test"}) == before + 2
    finally:
        slow_queries.leave()
