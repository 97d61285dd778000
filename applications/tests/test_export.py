from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from applications.exports import HEADER, csv_safe
from applications.models import Application, Status
from applications.services import application_add_note, application_change_status, application_create

pytestmark = pytest.mark.django_db


def read_export(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_it_streams_a_csv_attachment(alice_client, alice_app):
    response = alice_client.get(reverse("application_export"))

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="applications-')


def test_it_exports_the_whole_timeline_one_row_per_event(alice_client, alice, alice_app):
    for status in (Status.APPLIED, Status.INTERVIEWING):
        application_change_status(application=alice_app, to_status=status, by=alice)
    application_add_note(application=alice_app, text="Panel on Friday", by=alice)

    rows = read_export(alice_client.get(reverse("application_export")))

    assert list(rows[0]) == HEADER
    assert [(r["event"], r["from_status"], r["to_status"], r["note"]) for r in rows] == [
        ("created", "", "saved", ""),
        ("status_changed", "saved", "applied", ""),
        ("status_changed", "applied", "interviewing", ""),
        ("note_added", "", "", "Panel on Friday"),
    ]
    assert {(r["application_id"], r["company"], r["title"], r["status"], r["by"]) for r in rows} == {
        (str(alice_app.pk), "Initech", "Platform Engineer", "interviewing", "alice"),
    }
    assert rows[1]["applied_at"] and rows[1]["event_at"]


def test_it_exports_an_application_without_events_too(alice_client, alice):
    Application.objects.create(user=alice, company_name="Legacy", title="Row from the admin")

    rows = read_export(alice_client.get(reverse("application_export")))

    assert [(r["company"], r["event"]) for r in rows] == [("Legacy", "")]


@pytest.mark.parametrize("formula", ["=HYPERLINK(\"http://evil\")", "+1+2", "-2+3", "@SUM(A1)"])
def test_it_escapes_cells_a_spreadsheet_would_run_as_formulas(alice_client, alice, formula):
    application = application_create(user=alice, company_name=formula, title="SRE")
    application_add_note(application=application, text=formula, by=alice)

    rows = read_export(alice_client.get(reverse("application_export")))

    assert {r["company"] for r in rows} == {"'" + formula}
    assert rows[-1]["note"] == "'" + formula


def test_safe_cells_are_left_as_they_are_and_tabs_and_returns_are_escaped():
    assert [csv_safe(v) for v in ("Acme", "a=b", "", None, 42)] == ["Acme", "a=b", "", "", "42"]
    assert [csv_safe(v) for v in ("\tx", "\rx")] == ["'\tx", "'\rx"]


def test_it_exports_with_the_tables_filters(alice_client, alice, alice_app):
    application_create(user=alice, company_name="Hooli", title="SRE", status=Status.APPLIED)

    rows = read_export(alice_client.get(reverse("application_export"), {"status": "applied"}))

    assert {r["company"] for r in rows} == {"Hooli"}
