"""Replace 0004's partial facet indexes (WHERE is_active) with plain ones (PostgreSQL only).

Measured at a million postings: a partial index with no condition of its own is, to the
planner, a compact list of the open postings, so it ANDed one (850,000 entries, ~70 ms)
into full-text bitmaps just to apply is_active. A plain index on the column is only used
when the column itself is filtered, which is what these indexes are for.
"""

from django.db import migrations

COLUMNS = [
    ("job_active_remote_idx", "job_remote_policy_idx", "remote_policy"),
    ("job_active_type_idx", "job_type_idx", "job_type"),
    ("job_active_experience_idx", "job_experience_level_idx", "experience_level"),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for partial, plain, column in COLUMNS:
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {plain} ON jobs_job ({column})")
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {partial}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for partial, plain, column in COLUMNS:
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {partial} ON jobs_job ({column}) WHERE is_active")
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {plain}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("jobs", "0004_facet_filter_indexes")]

    operations = [migrations.RunPython(forward, backward)]
