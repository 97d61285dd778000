"""The vocabulary behind suggestions and "Did you mean": SearchTerm, its two indexes, its first fill.

- `searchterm_key_prefix_idx`: btree with text_pattern_ops, so `key LIKE 'pyt%'` is a range scan;
- `searchterm_key_trgm_idx`: GIN pg_trgm, so `key % 'pyhton'` (similarity) is an index scan.
Filled by one set-based INSERT ... SELECT per kind (jobs/vocabulary.py, shared with
`manage.py refresh_search_terms`). PostgreSQL only for the indexes; SQLite fills it too.
"""

from django.db import migrations, models


def fill(apps, schema_editor):
    from jobs.vocabulary import refresh_search_terms

    refresh_search_terms(using=schema_editor.connection.alias)


def indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE INDEX IF NOT EXISTS searchterm_key_prefix_idx ON jobs_searchterm (key text_pattern_ops)")
    schema_editor.execute("CREATE INDEX IF NOT EXISTS searchterm_key_trgm_idx ON jobs_searchterm USING gin (key gin_trgm_ops)")


class Migration(migrations.Migration):
    dependencies = [("jobs", "0010_search_title_skill_ids_aliases")]

    operations = [
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("term", models.CharField(max_length=200)),
                ("key", models.CharField(help_text="The term in lower case: what is matched.", max_length=200)),
                ("kind", models.CharField(choices=[("title", "Title"), ("company", "Company"), ("skill", "Skill")], max_length=10)),
                ("frequency", models.PositiveIntegerField(default=0)),
            ],
            options={"ordering": ["-frequency", "key"]},
        ),
        migrations.AddConstraint(
            model_name="searchterm",
            constraint=models.UniqueConstraint(fields=("kind", "key"), name="searchterm_unique_kind_key"),
        ),
        migrations.RunPython(indexes, migrations.RunPython.noop),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
