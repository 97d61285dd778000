"""Salaries comparable across currencies: a rate table and each posting's range in annual dollars.

The rate table is loaded from jobs/data/exchange_rates.csv; each posting's dollars are then
filled by UPDATEs in id batches (the same computation as jobs/salaries.py, written out here so
this migration keeps meaning what it meant), and the salary index moves to the dollar column.
The search-document trigger watches title, description and company only: this UPDATE does
not rebuild any search vector. Measured at 1,000,000 postings: see the README (Benchmarks).
"""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations, models, transaction

RATES_FILE = Path(__file__).resolve().parent.parent / "data" / "exchange_rates.csv"
PERIOD_CASE = "CASE salary_period WHEN 'year' THEN 1 WHEN 'month' THEN 12 WHEN 'week' THEN 52 WHEN 'day' THEN 260 WHEN 'hour' THEN 2080 END"


def load_rates(apps, schema_editor):
    ExchangeRate = apps.get_model("jobs", "ExchangeRate")
    with RATES_FILE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ExchangeRate.objects.using(schema_editor.connection.alias).bulk_create([
        ExchangeRate(currency=row["currency"], per_usd=Decimal(row["per_usd"]), as_of=row["as_of"]) for row in rows
    ])


BATCH = 50_000


def fill_dollars(apps, schema_editor):
    """In id batches, each committed on its own: no transaction holds a million rows."""

    def dollars(amount: str) -> str:
        return (f"(SELECT CAST(ROUND({amount} * {PERIOD_CASE} * 1.0 / r.per_usd) AS BIGINT) "
                f"FROM jobs_exchangerate r WHERE r.currency = jobs_job.salary_currency)")

    sql = (
        f"UPDATE jobs_job SET salary_min_usd = {dollars('COALESCE(salary_min, salary_max)')}, "
        f"salary_max_usd = {dollars('COALESCE(salary_max, salary_min)')} "
        f"WHERE id >= %s AND id < %s AND (salary_min IS NOT NULL OR salary_max IS NOT NULL)"
    )
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM jobs_job")
        first, last = cursor.fetchone()
        for start in range(first or 0, (last or -1) + 1, BATCH):
            with transaction.atomic(using=connection.alias):
                cursor.execute(sql, [start, start + BATCH])



def create_salary_index(apps, schema_editor):
    # CONCURRENTLY on PostgreSQL: postings can still be written while a million rows are indexed.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS job_active_salary_usd_idx "
            "ON jobs_job (salary_max_usd DESC NULLS LAST, id DESC) WHERE is_active"
        )
    else:
        schema_editor.execute("CREATE INDEX IF NOT EXISTS job_active_salary_usd_idx ON jobs_job (salary_max_usd DESC, id DESC) WHERE is_active")


def drop_salary_index(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS job_active_salary_usd_idx")


class Migration(migrations.Migration):
    # Not one transaction: the dollars are filled in committed batches and the index is built
    # CONCURRENTLY, so the catalogue stays writable; the old index goes last.
    atomic = False

    dependencies = [
        ('jobs', '0008_job_apply_url'),
    ]

    operations = [
        migrations.CreateModel(
            name='ExchangeRate',
            fields=[
                ('currency', models.CharField(max_length=3, primary_key=True, serialize=False)),
                ('per_usd', models.DecimalField(decimal_places=6, max_digits=18)),
                ('as_of', models.DateField()),
            ],
            options={
                'ordering': ['currency'],
            },
        ),
        migrations.RunPython(load_rates, migrations.RunPython.noop),
        migrations.AddField(
            model_name='job',
            name='salary_max_usd',
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='job',
            name='salary_min_usd',
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='job',
            name='salary_period',
            field=models.CharField(choices=[('year', 'a year'), ('month', 'a month'), ('week', 'a week'), ('day', 'a day'), ('hour', 'an hour')], db_default='year', default='year', max_length=5),
        ),
        migrations.RunPython(fill_dollars, migrations.RunPython.noop),
        # SQLite cannot write NULLS LAST in an index; its descending order puts NULLs last anyway.
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(
                model_name='job',
                index=models.Index(models.OrderBy(models.F('salary_max_usd'), descending=True, nulls_last=True), models.OrderBy(models.F('id'), descending=True), condition=models.Q(('is_active', True)), name='job_active_salary_usd_idx'),
            )],
            database_operations=[migrations.RunPython(create_salary_index, drop_salary_index)],
        ),
        migrations.RemoveIndex(
            model_name='job',
            name='job_active_salary_idx',
        ),
    ]
