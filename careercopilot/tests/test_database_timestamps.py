"""Timestamps read from PostgreSQL (careercopilot/database/base.py `TimestamptzLoader`): the same
values as Django's own loader gives, read through datetime.fromisoformat where the session
talks UTC, and through Django's loader for everything else."""

import datetime as dt

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from django.utils import timezone

from careercopilot.database.base import TimestamptzLoader
from jobs.models import Company, Job

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's loaders are PostgreSQL's"),
]

# What a session can send: fractions of every length, offsets of hours, minutes and seconds (only
# when the session is not in UTC), the first and last years Python holds, a leap second's
# neighbour, the days around a DST change, and what Python cannot hold at all.
LITERALS = [
    "2026-12-02 05:00:00+00", "2026-12-02 05:00:00.1+00", "2026-12-02 05:00:00.123456+00",
    "2026-12-02 05:00:00.000001+00", "2026-12-02 05:00:00.5+05:30", "1900-01-01 00:00:00+00:19:32",
    "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00", "2016-12-31 23:59:59+00",
    "2026-03-29 00:59:59+00", "2026-03-29 01:30:00+01", "2026-10-25 01:30:00+00",
    "0044-03-15 12:00:00+00 BC", "10000-01-01 00:00:00+00", "infinity", "-infinity",
]


def _read(literal: str, loader: type | None, zone: str = "UTC"):
    """`literal` read back as timestamptz on the test database's connection, in the session zone
    `zone`, with `loader` registered for the cursor (None: the connection's own)."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT set_config('TimeZone', %s, false)", [zone])
        try:
            if loader is not None:
                cursor.adapters.register_loader("timestamptz", loader)
            cursor.execute("SELECT %s::timestamptz", [literal])
            value = cursor.fetchone()[0]
            return ("value", value, value.tzinfo)
        except psycopg.DataError as exc:
            return ("refused", str(exc))
        finally:
            cursor.execute("SELECT set_config('TimeZone', 'UTC', false)")


class DjangosLoader(BaseTzLoader):
    timezone = dt.timezone.utc


def test_it_is_the_loader_every_connection_reads_timestamps_with():
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        loader = cursor.cursor.adapters.get_loader(psycopg.postgres.types["timestamptz"].oid, psycopg.pq.Format.TEXT)
    assert issubclass(loader, TimestamptzLoader)
    assert loader.timezone == connection.timezone  # so a cursor registers no loader of its own


@pytest.mark.parametrize("literal", LITERALS)
def test_it_reads_what_djangos_loader_reads(literal):
    ours = _read(literal, None)
    assert ours == _read(literal, DjangosLoader)
    if ours[0] == "value":
        assert ours[2] is dt.timezone.utc


@pytest.mark.parametrize("literal", LITERALS[:6])
def test_a_session_in_another_zone_is_read_as_django_reads_it(literal):
    assert _read(literal, None, zone="Asia/Kolkata") == _read(literal, DjangosLoader, zone="Asia/Kolkata")


def test_it_takes_the_one_call_path_on_a_utc_session():
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        oid = psycopg.postgres.types["timestamptz"].oid
        assert cursor._tx.get_loader(oid, psycopg.pq.Format.TEXT)._utc_iso


def test_a_model_reads_back_the_moment_it_saved():
    company = Company.objects.create(name="Acme", slug="acme")
    posted = dt.datetime(2026, 12, 2, 5, 0, 0, 120000, tzinfo=dt.timezone.utc)
    job = Job.objects.create(title="Welder", company=company, description="x", posted_at=posted)
    read = Job.objects.values_list("posted_at", "created_at").get(pk=job.pk)
    assert read[0] == posted and read[0].tzinfo is dt.timezone.utc
    assert abs(read[1] - timezone.now()) < dt.timedelta(minutes=5)
