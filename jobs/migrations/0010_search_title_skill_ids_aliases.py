"""Search quality and bounded filters: a second, exact document, skills as an indexed array, aliases.

- `search_title`: title (A) and skill names (B), each as its words ('simple', unstemmed)
  and its stems ('english'), technology names with symbols rewritten as words first
  (jobs_search_terms; the same rules as jobs/search.py SYMBOL_RULES). Small and GIN-indexed,
  it tells exact title words from stems and title/skills from the description cheaply, so
  the relevance tiers of jobs/selectors.py are index conditions with sound estimates.
- `skill_ids`: the posting's skill ids, so a skill filter is `skill_ids @> ARRAY[...]`, a
  GIN index condition, instead of an EXISTS lookup per candidate row.
Both are kept by the triggers of 0002, whose functions are replaced here to write them too.
The existing rows are filled by set-based UPDATEs in id batches, each committed on its own
(no search_vector is rebuilt: its trigger watches title, description and company only),
then both GIN indexes are built CONCURRENTLY and the table vacuumed. Timed at 1,000,000
postings: README.
- `SearchAlias`: seeded from jobs/data/search_aliases.csv, extended in the admin.
"""

import csv
from pathlib import Path

import django.contrib.postgres.fields
import django.contrib.postgres.search
from django.db import migrations, models, transaction

ALIASES_FILE = Path(__file__).resolve().parent.parent / "data" / "search_aliases.csv"
BATCH = 50_000

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION jobs_search_terms(p_text text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        lower(coalesce(p_text, '')),
        'c\+\+', 'cplusplus', 'g'),
        'c#', 'csharp', 'g'),
        'f#', 'fsharp', 'g'),
        '\.net\M', ' dotnet', 'g'),
        '([a-z0-9])\.js\M', '\1js', 'g')
$$;

CREATE OR REPLACE FUNCTION jobs_search_title(p_title text, p_skills text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('simple'::regconfig, jobs_search_terms(p_title))
                     || to_tsvector('english'::regconfig, jobs_search_terms(p_title)), 'A')
        || setweight(to_tsvector('simple'::regconfig, jobs_search_terms(p_skills))
                     || to_tsvector('english'::regconfig, jobs_search_terms(p_skills)), 'B')
$$;

CREATE OR REPLACE FUNCTION jobs_job_search_vector_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := jobs_search_document(NEW.id, NEW.title, NEW.description, NEW.company_id);
    NEW.search_title := jobs_search_title(NEW.title, (
        SELECT string_agg(s.name, ' ' ORDER BY s.name) FROM jobs_jobskill js JOIN jobs_skill s ON s.id = js.skill_id
        WHERE js.job_id = NEW.id));
    NEW.skill_ids := ARRAY(SELECT js.skill_id FROM jobs_jobskill js WHERE js.job_id = NEW.id ORDER BY js.skill_id);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION jobs_jobskill_search_vector_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE jobs_job j SET
        search_vector = jobs_search_document(j.id, j.title, j.description, j.company_id),
        search_title = jobs_search_title(j.title, (
            SELECT string_agg(s.name, ' ' ORDER BY s.name) FROM jobs_jobskill js JOIN jobs_skill s ON s.id = js.skill_id
            WHERE js.job_id = j.id)),
        skill_ids = ARRAY(SELECT js.skill_id FROM jobs_jobskill js WHERE js.job_id = j.id ORDER BY js.skill_id)
    WHERE j.id IN (SELECT DISTINCT job_id FROM changed_rows);
    RETURN NULL;
END $$;
"""

OLD_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION jobs_job_search_vector_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := jobs_search_document(NEW.id, NEW.title, NEW.description, NEW.company_id);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION jobs_jobskill_search_vector_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE jobs_job j SET search_vector = jobs_search_document(j.id, j.title, j.description, j.company_id)
    WHERE j.id IN (SELECT DISTINCT job_id FROM changed_rows);
    RETURN NULL;
END $$;

DROP FUNCTION IF EXISTS jobs_search_title(text, text);
DROP FUNCTION IF EXISTS jobs_search_terms(text);
"""

FILL = """
UPDATE jobs_job j SET search_title = jobs_search_title(j.title, k.names), skill_ids = coalesce(k.ids, '{}')
FROM (
    SELECT b.id, string_agg(s.name, ' ' ORDER BY s.name) AS names, array_agg(s.id ORDER BY s.id) FILTER (WHERE s.id IS NOT NULL) AS ids
    FROM jobs_job b LEFT JOIN jobs_jobskill js ON js.job_id = b.id LEFT JOIN jobs_skill s ON s.id = js.skill_id
    WHERE b.id >= %s AND b.id < %s
    GROUP BY b.id
) AS k
WHERE j.id = k.id
"""

INDEXES = [
    ("job_search_title_gin", "CREATE INDEX CONCURRENTLY IF NOT EXISTS job_search_title_gin ON jobs_job USING gin (search_title)"),
    ("job_skill_ids_gin", "CREATE INDEX CONCURRENTLY IF NOT EXISTS job_skill_ids_gin ON jobs_job USING gin (skill_ids)"),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with transaction.atomic(using=schema_editor.connection.alias):
        schema_editor.execute(FUNCTIONS)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM jobs_job")
        low, high = cursor.fetchone()
        for start in range(low, high + 1, BATCH):
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute(FILL, [start, start + BATCH])
    for _name, sql in INDEXES:
        schema_editor.execute(sql)
    # The UPDATE left a dead version of every row: without this the first searches read
    # twice the table and the planner's statistics lack the new columns (2 min at a million).
    schema_editor.execute("VACUUM (ANALYZE) jobs_job")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _sql in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    with transaction.atomic(using=schema_editor.connection.alias):
        schema_editor.execute(OLD_FUNCTIONS)


def load_aliases(apps, schema_editor):
    SearchAlias = apps.get_model("jobs", "SearchAlias")
    with ALIASES_FILE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    SearchAlias.objects.using(schema_editor.connection.alias).bulk_create(
        [SearchAlias(term=row["term"], expansion=row["expansion"], kind=row["kind"]) for row in rows],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("jobs", "0009_salary_in_usd")]

    operations = [
        migrations.AddField(
            model_name="job",
            name="search_title",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="job",
            name="skill_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.IntegerField(), blank=True, editable=False, null=True, size=None
            ),
        ),
        migrations.CreateModel(
            name="SearchAlias",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("term", models.CharField(max_length=60, unique=True)),
                ("expansion", models.CharField(max_length=120)),
                ("kind", models.CharField(choices=[("skill", "Skill"), ("title", "Title"), ("seniority", "Seniority")],
                                          default="skill", max_length=10)),
            ],
            options={"ordering": ["term"], "verbose_name_plural": "search aliases"},
        ),
        migrations.RunPython(forward, backward),
        migrations.RunPython(load_aliases, migrations.RunPython.noop),
    ]
