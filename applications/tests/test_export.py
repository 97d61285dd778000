from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from applications.exports import APPLICATION_HEADER, TIMELINE_HEADER, csv_safe
from applications.models import Application, Status
from applications.services import application_add_note, application_change_status, application_create
from applications.tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def read_csv(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def read_export(response) -> list[dict]:
    return read_csv(b"".join(response.streaming_content).decode("utf-8"))


def read_zip(response) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


@pytest.fixture
def tokyo(alice, client):
    alice.profile.time_zone = "Asia/Tokyo"
    alice.profile.save(update_fields=["time_zone"])
    client.force_login(alice)  # the log-in puts the zone in the session
    return client


def test_it_streams_a_csv_attachment(alice_client, alice_app):
    response = alice_client.get(reverse("application_export"))

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="applications-')


def test_it_exports_one_row_per_application_with_where_it_stands(alice_client, alice, alice_app):
    for status in (Status.APPLIED, Status.INTERVIEWING):
        application_change_status(application=alice_app, to_status=status, by=alice)
    application_add_note(application=alice_app, text="Panel on Friday", by=alice)
    job = JobFactory(title="Backend Engineer", company__name="Acme", location="Lisbon", salary_min=50_000,
                     salary_max=60_000, salary_currency="EUR", apply_url="https://acme.example/apply")
    application_create(user=alice, job=job)

    rows = read_export(alice_client.get(reverse("application_export")))

    assert list(rows[0]) == APPLICATION_HEADER
    assert [(r["Company"], r["Job title"], r["Status"], r["Notes"]) for r in rows] == [
        ("Initech", "Platform Engineer", "Interviewing", "Panel on Friday"),
        ("Acme", "Backend Engineer", "Saved", ""),
    ]
    initech, acme = rows
    assert initech["Date applied"] and initech["Interview date"] and not initech["Offer date"]
    assert initech["Link"] == "https://initech.example/jobs/1"
    assert (acme["Location"], acme["Salary"], acme["Link"]) == ("Lisbon", "EUR 50,000–60,000", "https://acme.example/apply")


def test_each_row_has_the_contacts_and_the_next_interview_in_the_seekers_zone(tokyo, alice):
    from datetime import timedelta

    from applications.services import contact_add, interview_schedule

    application = application_create(user=alice, company_name="Initech", title="SRE")
    soon = (datetime.now(UTC) + timedelta(days=3)).replace(hour=1, minute=0, second=0, microsecond=0)
    interview_schedule(application=application, by=alice, starts_at=soon + timedelta(days=1), kind="onsite")
    interview_schedule(application=application, by=alice, starts_at=soon, kind="phone_screen")
    interview_schedule(application=application, by=alice, starts_at=soon - timedelta(days=10), kind="video")  # past
    contact_add(application=application, by=alice, name="Jane Roe", role="Recruiter", email="jane@initech.example")
    contact_add(application=application, by=alice, name="Sam Poe")

    [row] = read_export(tokyo.get(reverse("application_export")))

    assert row["Next interview"] == f"{soon.astimezone(ZoneInfo('Asia/Tokyo')):%Y-%m-%d} 10:00:00 (Phone screen)"
    assert row["Contacts"] == "Jane Roe (Recruiter, jane@initech.example); Sam Poe"


def test_times_are_in_the_seekers_zone_to_the_second(tokyo, alice):
    application = application_create(user=alice, company_name="Initech", title="SRE")
    Application.objects.filter(pk=application.pk).update(created_at=datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=UTC))
    application.events.update(created_at=datetime(2026, 3, 1, 23, 30, 15, 654321, tzinfo=UTC))

    [row] = read_export(tokyo.get(reverse("application_export")))
    files = read_zip(tokyo.get(reverse("application_export_zip")))

    assert row["Date added"] == "2026-03-02 08:30:15"  # 23:30 UTC is 08:30 the next morning in Tokyo
    [event] = read_csv(files["timeline.csv"])
    assert event["When"] == "2026-03-02 08:30:15"
    assert "Asia/Tokyo" in files["README.txt"]


def test_the_zip_has_the_applications_and_their_whole_timeline(alice_client, alice, alice_app):
    application_change_status(application=alice_app, to_status=Status.APPLIED, by=alice)
    application_add_note(application=alice_app, text="Sent the portfolio", by=alice)
    Application.objects.create(user=alice, company_name="Legacy", title="Row from the admin")

    response = alice_client.get(reverse("application_export_zip"))

    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="applications-')
    files = read_zip(response)
    assert set(files) == {"applications.csv", "timeline.csv", "README.txt"}
    assert [r["Company"] for r in read_csv(files["applications.csv"])] == ["Initech", "Legacy"]
    timeline = read_csv(files["timeline.csv"])
    assert list(timeline[0]) == TIMELINE_HEADER
    assert [(r["Company"], r["Event"], r["From"], r["To"], r["By"], r["Note"]) for r in timeline] == [
        ("Initech", "Created", "", "saved", "alice", ""),
        ("Initech", "Status changed", "saved", "applied", "alice", ""),
        ("Initech", "Note added", "", "", "alice", "Sent the portfolio"),
    ]


@pytest.mark.parametrize("formula", ["=HYPERLINK(\"http://evil\")", "+1+2", "-2+3", "@SUM(A1)"])
def test_it_escapes_cells_a_spreadsheet_would_run_as_formulas(alice_client, alice, formula):
    application = application_create(user=alice, company_name=formula, title="SRE")
    application_add_note(application=application, text=formula, by=alice)

    [row] = read_export(alice_client.get(reverse("application_export")))
    timeline = read_csv(read_zip(alice_client.get(reverse("application_export_zip")))["timeline.csv"])

    assert row["Company"] == "'" + formula and row["Notes"] == "'" + formula
    assert timeline[-1]["Note"] == "'" + formula


def test_safe_cells_are_left_as_they_are_and_tabs_and_returns_are_escaped():
    assert [csv_safe(v) for v in ("Acme", "a=b", "", None, 42)] == ["Acme", "a=b", "", "", "42"]
    assert [csv_safe(v) for v in ("\tx", "\rx")] == ["'\tx", "'\rx"]


def test_it_exports_with_the_tables_filters(alice_client, alice, alice_app):
    application_create(user=alice, company_name="Hooli", title="SRE", status=Status.APPLIED)

    rows = read_export(alice_client.get(reverse("application_export"), {"status": "applied"}))
    files = read_zip(alice_client.get(reverse("application_export_zip"), {"status": "applied"}))

    assert {r["Company"] for r in rows} == {"Hooli"}
    assert {r["Company"] for r in read_csv(files["timeline.csv"])} == {"Hooli"}
