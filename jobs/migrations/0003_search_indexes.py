"""Indexes the search's other hot queries need on PostgreSQL (nothing on SQLite).

- Salary sort: ORDER BY salary_max DESC NULLS LAST, id DESC over active postings. The
  index from 0001 is DESC, which PostgreSQL orders NULLS FIRST, so it cannot serve it.
- Location filter: Django's icontains is UPPER(location) LIKE UPPER('%...%'); a trigram
  index on that very expression turns it from a scan of the table into an index lookup.

Built CONCURRENTLY (outside a transaction) so migrating a live million-row table does not
block writes.
"""

from django.db import migrations

INDEXES = [
    (
        "job_active_salary_nulls_last_idx",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS job_active_salary_nulls_last_idx "
        "ON jobs_job (salary_max DESC NULLS LAST, id DESC) WHERE is_active",
    ),
    (
        "job_location_trgm_idx",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS job_location_trgm_idx "
        "ON jobs_job USING gin ((UPPER(location::text)) gin_trgm_ops)",
    ),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for _name, sql in INDEXES:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _sql in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("jobs", "0002_search_vector_triggers")]

    operations = [migrations.RunPython(forward, backward)]
