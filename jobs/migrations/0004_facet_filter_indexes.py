"""One small partial index per facet column (PostgreSQL only).

Remote policy, job type and experience level have a handful of values each, so an index on
one alone is rarely worth a scan; but a seeker combines them ("remote" + "internship" +
"executive"), and a combination can hold a few hundred postings in a million. Without an
index the count and the newest-first walk then read the whole table. With one per column
the planner ANDs the bitmaps of whichever facets were chosen.
"""

from django.db import migrations

INDEXES = [
    ("job_active_remote_idx", "remote_policy"),
    ("job_active_type_idx", "job_type"),
    ("job_active_experience_idx", "experience_level"),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON jobs_job ({column}) WHERE is_active")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("jobs", "0003_search_indexes")]

    operations = [migrations.RunPython(forward, backward)]
