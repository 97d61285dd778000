"""Composite B-trees for the facet filters a seeker combines (PostgreSQL only).

Each facet filter had an index of its own (migration 0005), and a combination was the
BitmapAnd of one bitmap per filter, each as big as its value's share of the catalogue. At a
million postings every statement that builds such a set paid for all of them: remote (283,590
entries) and a salary floor (167,316) 42 + 20 ms for a count read whose heap part was 2 ms;
contract (79,893) and senior (306,709) 10 + 37 ms. With the other columns in one index a
combination is a single scan that adds only the postings holding all of them: remote + salary
58,526 entries, contract + senior 25,519, 4-8 ms (EXPLAIN ANALYZE, jobs/tests/test_search_bounds.py).
Plain indexes, not partial: a partial one with no condition of its own is, to the planner, a
list of the open postings (see 0005).
"""

from django.db import migrations

INDEXES = [
    # job type first: type alone, type + experience, + remote policy, + salary are one range each.
    ("job_type_experience_remote_salary_idx", "job_type, experience_level, remote_policy, salary_max_usd"),
    # remote policy with a salary floor, without a job type.
    ("job_remote_salary_idx", "remote_policy, salary_max_usd"),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES:
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON jobs_job ({columns})")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _columns in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("jobs", "0014_location_index")]

    operations = [migrations.RunPython(forward, backward)]
