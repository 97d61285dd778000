"""Similar jobs chosen ahead of the page (jobs.models.SimilarJobs, jobs/similar.py).

The trigger forgets a posting's list when what chose it changes: its title (the role family),
level (the seniority band), company or skills (skill_ids, which the skill triggers of 0010
rewrite). Every writer is covered — the admin, imports, services, raw SQL — and the next page
view, or `refresh_similar_jobs`, chooses again. PostgreSQL only, as is the stored list.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

TRIGGER = """
CREATE OR REPLACE FUNCTION jobs_job_similar_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM jobs_similarjobs WHERE job_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_job_similar_stale
    AFTER UPDATE OF title, experience_level, company_id, skill_ids ON jobs_job
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.experience_level IS DISTINCT FROM NEW.experience_level
                       OR OLD.company_id IS DISTINCT FROM NEW.company_id OR OLD.skill_ids IS DISTINCT FROM NEW.skill_ids)
    EXECUTE FUNCTION jobs_job_similar_stale();
"""
DROP_TRIGGER = """
DROP TRIGGER IF EXISTS jobs_job_similar_stale ON jobs_job;
DROP FUNCTION IF EXISTS jobs_job_similar_stale();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0012_title_words_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='SimilarJobs',
            fields=[
                ('job', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='jobs.job')),
                ('job_ids', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), blank=True, null=True, size=None)),
                ('computed_at', models.DateTimeField()),
            ],
            options={
                'verbose_name_plural': 'similar jobs',
            },
        ),
        migrations.RunPython(forward, backward),
    ]
