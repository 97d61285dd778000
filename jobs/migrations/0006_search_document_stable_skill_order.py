"""Skill names enter the search document in name order.

string_agg without ORDER BY followed the query plan, so two computations of one posting
could give different lexeme positions; ordered, the document is the same every time.
"""

from django.db import migrations

ORDERED = r"""
CREATE OR REPLACE FUNCTION jobs_search_document(p_job_id bigint, p_title text, p_description text, p_company_id bigint)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, coalesce(p_title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce((SELECT c.name FROM jobs_company c WHERE c.id = p_company_id), '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce((
               SELECT string_agg(s.name, ' ' ORDER BY s.name) FROM jobs_jobskill js JOIN jobs_skill s ON s.id = js.skill_id
               WHERE js.job_id = p_job_id), '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(p_description, '')), 'D')
$$;
"""

UNORDERED = ORDERED.replace(" ORDER BY s.name", "")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ORDERED)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNORDERED)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0005_facet_indexes_without_condition")]

    operations = [migrations.RunPython(forward, backward)]
