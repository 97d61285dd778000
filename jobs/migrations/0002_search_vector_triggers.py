"""PostgreSQL full-text search: a weighted, stored document per job with a GIN index.

The document spans three tables (job, company, skills), so a generated column cannot hold
it; triggers keep it current instead, whatever writes the row (admin, import, API, seed):

- a row trigger on jobs_job recomputes it when title, description or company change;
- statement triggers on jobs_jobskill recompute it once per statement for the jobs touched,
  so a bulk insert of skills costs one UPDATE, not one per row;
- a row trigger on jobs_company recomputes its jobs when the company is renamed.

The text-search configuration is explicit ('english') so the index is immutable and
the planner can use it for `search_vector @@ websearch_to_tsquery('english', ...)`.
On SQLite this migration does nothing and search falls back to LIKE.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION jobs_search_document(p_job_id bigint, p_title text, p_description text, p_company_id bigint)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, coalesce(p_title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce((SELECT c.name FROM jobs_company c WHERE c.id = p_company_id), '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce((
               SELECT string_agg(s.name, ' ') FROM jobs_jobskill js JOIN jobs_skill s ON s.id = js.skill_id
               WHERE js.job_id = p_job_id), '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(p_description, '')), 'D')
$$;

CREATE OR REPLACE FUNCTION jobs_job_search_vector_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := jobs_search_document(NEW.id, NEW.title, NEW.description, NEW.company_id);
    RETURN NEW;
END $$;

CREATE TRIGGER jobs_job_search_vector_row
    BEFORE INSERT OR UPDATE OF title, description, company_id ON jobs_job
    FOR EACH ROW EXECUTE FUNCTION jobs_job_search_vector_row();

CREATE OR REPLACE FUNCTION jobs_jobskill_search_vector_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE jobs_job j SET search_vector = jobs_search_document(j.id, j.title, j.description, j.company_id)
    WHERE j.id IN (SELECT DISTINCT job_id FROM changed_rows);
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_jobskill_search_vector_insert
    AFTER INSERT ON jobs_jobskill REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_jobskill_search_vector_inserted();

CREATE TRIGGER jobs_jobskill_search_vector_delete
    AFTER DELETE ON jobs_jobskill REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_jobskill_search_vector_inserted();

CREATE OR REPLACE FUNCTION jobs_company_search_vector_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE jobs_job j SET search_vector = jobs_search_document(j.id, j.title, j.description, j.company_id)
    WHERE j.company_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_company_search_vector_rename
    AFTER UPDATE OF name ON jobs_company
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION jobs_company_search_vector_renamed();

CREATE INDEX job_search_vector_gin ON jobs_job USING gin (search_vector);
"""

BACKWARD = r"""
DROP INDEX IF EXISTS job_search_vector_gin;
DROP TRIGGER IF EXISTS jobs_company_search_vector_rename ON jobs_company;
DROP TRIGGER IF EXISTS jobs_jobskill_search_vector_delete ON jobs_jobskill;
DROP TRIGGER IF EXISTS jobs_jobskill_search_vector_insert ON jobs_jobskill;
DROP TRIGGER IF EXISTS jobs_job_search_vector_row ON jobs_job;
DROP FUNCTION IF EXISTS jobs_company_search_vector_renamed();
DROP FUNCTION IF EXISTS jobs_jobskill_search_vector_inserted();
DROP FUNCTION IF EXISTS jobs_job_search_vector_row();
DROP FUNCTION IF EXISTS jobs_search_document(bigint, text, text, bigint);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
