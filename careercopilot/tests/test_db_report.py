"""manage.py db_report against the real PostgreSQL, with pg_stat_statements (.ci/run loads it)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from careercopilot.observability import dbreport

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def statements():
    if connection.vendor != "postgresql":
        pytest.skip("db_report reads PostgreSQL's statistics")
    usable, message = dbreport.statements_status()
    if not usable and "not created" in message:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        usable, message = dbreport.statements_status()
    assert usable, message


def test_it_writes_every_section_with_plans_of_the_hot_queries(statements, tmp_path):
    call_command("seed_demo", jobs=300, users=3, applications=60, seed=8, stdout=None)
    call_command("recompute_metrics", all=True, stdout=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM jobs_job")  # something for pg_stat_statements to show

    call_command("db_report", out=tmp_path, stdout=None, stderr=None)

    (path,) = tmp_path.glob("db-report-*.md")
    text = path.read_text()
    for section in ("## Top statements (pg_stat_statements)", "### By total time", "### By mean time",
                    "## EXPLAIN (ANALYZE, BUFFERS) of the hot queries", "## Indexes never used",
                    "## Big tables read by sequential scans", "## Foreign keys without an index", "## Buffer cache",
                    "## Redis (INFO, the whole server)"):
        assert section in text, section
    for hot in ("relevance", "by cursor", "### pipeline table", "### board", "### dashboard",
                "### recommendations"):
        assert hot in text, hot
    assert "Buffers: shared" in text and "Execution Time" in text  # real ANALYZE, BUFFERS output
    assert "Hit ratio of this database: " in text and "n/a" not in text.split("## Buffer cache")[1].split("\n\n")[1]


def test_it_says_how_to_load_pg_stat_statements_when_it_is_missing():
    assert "shared_preload_libraries = 'pg_stat_statements'" in dbreport.FIX
    assert "CREATE EXTENSION pg_stat_statements" in dbreport.FIX
