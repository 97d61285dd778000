"""Year-10000 dates through every input (Deliver 2).

9999-12-31T23:59:59-12:00 is a valid ISO time whose UTC instant, 10000-01-01T11:59:59Z, is past
what Python can represent. PostgreSQL stores it; reading it back fails, and every page listing
the row fails with it. Each input below must refuse it with a 400, a form error or the row's
own error, and the pages must keep working.

    pytest careercopilot/tests/test_dates_in_range.py -v
"""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DataError, connection
from django.urls import reverse

from analytics.tasks import refresh_platform_stats
from applications.models import Application
from applications.services import ImportedApplication, InvalidInput, application_create, application_update, applications_import
from jobs.models import Job
from jobs.tests.factories import CompanyFactory, JobFactory

pytestmark = pytest.mark.django_db

FAR_FUTURE = "9999-12-31T23:59:59-12:00"
OUT_OF_RANGE = [FAR_FUTURE, "0001-01-01T00:00:00+14:00", "2100-01-01T00:00:00Z", "1969-12-31T23:00:00Z"]
MESSAGE = "Use a date between 1970-01-01 and 2099-12-31."
PAGES = ["/", "/jobs/", "/jobs/?q=developer", "/api/v1/jobs/", "/companies/acme/"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the failure is PostgreSQL's wider range")
def test_the_finding_a_stored_year_10000_posting_cannot_be_read_back():
    job = JobFactory(company=CompanyFactory(name="Acme", slug="acme"))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE jobs_job SET posted_at = %s::timestamptz WHERE id = %s", [FAR_FUTURE, job.pk])

    with pytest.raises(DataError, match="after year 10K"):
        Job.objects.get(pk=job.pk)


# --- import_jobs --------------------------------------------------------------------------

HEADER = "source,external_id,title,company,description,posted_at,expires_at\n"


@pytest.mark.parametrize("column", ["posted_at", "expires_at"])
@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_import_jobs_reports_the_row_and_keeps_the_good_ones(tmp_path, client, column, value):
    dated = {"posted_at": value, "expires_at": ""} if column == "posted_at" else {"posted_at": "", "expires_at": value}
    path = tmp_path / "feed.csv"
    path.write_text(
        HEADER
        + "feed,1,Python developer,Acme,Good row.,2026-01-05T10:00:00Z,\n"
        + f"feed,2,Rust developer,Acme,Bad row.,{dated['posted_at']},{dated['expires_at']}\n"
    )
    out, err = StringIO(), StringIO()

    call_command("import_jobs", str(path), no_progress=True, stdout=out, stderr=err)

    assert "1 created" in out.getvalue() and "1 bad" in out.getvalue()
    assert err.getvalue().strip() == f"line 3: {column}: {MESSAGE}"
    assert list(Job.objects.values_list("external_id", flat=True)) == ["1"]
    for page in PAGES:
        assert client.get(page).status_code == 200, page
    refresh_platform_stats()


def test_import_jobs_refuses_it_in_json_lines_too(tmp_path):
    path = tmp_path / "feed.jsonl"
    rows = [
        {"source": "feed", "external_id": "1", "title": "Ok", "company": "Acme", "description": "x", "posted_at": "2026-01-05T10:00:00Z"},
        {"source": "feed", "external_id": "2", "title": "Bad", "company": "Acme", "description": "x", "posted_at": FAR_FUTURE},
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    out, err = StringIO(), StringIO()

    call_command("import_jobs", str(path), no_progress=True, stdout=out, stderr=err)

    assert err.getvalue().strip() == f"line 2: posted_at: {MESSAGE}"
    assert Job.objects.count() == 1


# --- the admin (model field validators) ------------------------------------------------------

def test_the_admin_refuses_a_posting_dated_past_2099(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "root-password-1"))
    company = CompanyFactory(name="Acme", slug="acme")
    response = client.post(reverse("admin:jobs_job_add"), {
        "company": company.pk, "title": "Developer", "slug": "developer", "description": "x", "remote_policy": "remote",
        "job_type": "full_time", "experience_level": "mid", "salary_currency": "USD", "posted_at_0": "9999-12-31",
        "posted_at_1": "23:59:59", "is_active": "on", "source": "manual", "external_id": "x1",
        "job_skills-TOTAL_FORMS": "0", "job_skills-INITIAL_FORMS": "0",
    })

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Job.objects.exists()


def test_model_fields_carry_the_validator():
    job = JobFactory.build(company=CompanyFactory(), posted_at=dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12))))
    with pytest.raises(ValidationError, match="1970-01-01 and 2099-12-31"):
        job.full_clean()


# --- applications: the site, the API, the services, the CSV import ------------------------------

@pytest.fixture
def alice_app(alice):
    return application_create(user=alice, company_name="Initech", title="Platform Engineer")


@pytest.mark.parametrize("field", ["applied_at", "interview_at", "offer_at", "closed_at"])
@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_the_api_refuses_it_with_a_400(alice_client, alice_app, field, value):
    response = alice_client.patch(f"/api/v1/applications/{alice_app.pk}/", {field: value}, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()
    assert alice_client.get(f"/api/v1/applications/{alice_app.pk}/").status_code == 200


@pytest.mark.parametrize("value", ["9999-12-31", "2100-01-01", "1969-12-31"])
def test_the_api_refuses_a_follow_up_date_out_of_range(alice_client, alice_app, value):
    response = alice_client.patch(f"/api/v1/applications/{alice_app.pk}/", {"next_follow_up": value}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["next_follow_up"] == [MESSAGE]


def test_the_follow_up_form_refuses_it_with_a_form_error(alice_client, alice_app):
    response = alice_client.post(reverse("application_set_follow_up", args=[alice_app.pk]), {"next_follow_up": "9999-12-31"})

    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    alice_app.refresh_from_db()
    assert alice_app.next_follow_up is None


def test_the_list_filter_ignores_it_with_a_message(alice_client, alice_app):
    response = alice_client.get("/applications/", {"since": "9999-12-31", "date_field": "applied"})

    assert response.status_code == 200
    assert MESSAGE in response.content.decode()


def test_the_services_refuse_it_whoever_calls(alice, alice_app):
    with pytest.raises(InvalidInput, match="1970-01-01"):
        application_update(application=alice_app, by=alice, applied_at=dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12))))
    with pytest.raises(InvalidInput, match="1970-01-01"):
        applications_import(user=alice, rows=[ImportedApplication(company_name="A", title="B", created_at=dt.datetime(2100, 1, 2, tzinfo=dt.UTC))], source="test")
    assert Application.objects.count() == 1


IMPORT_URL = "/applications/import/"


def test_the_csv_import_preview_shows_it_as_the_rows_error(alice_client):
    content = f"Company,Title,Date applied\nHooli,SRE,2026-01-05\nInitech,TPS,{FAR_FUTURE}\n"
    upload = SimpleUploadedFile("export.csv", content.encode(), content_type="text/csv")

    response = alice_client.post(IMPORT_URL, {"file": upload, "encoding": "utf-8", "format": "auto"})

    assert response.status_code == 400
    errors = response.context["plan"].errors
    assert [(e.line, e.reason) for e in errors] == [(3, f"“{FAR_FUTURE}” in Date applied is out of range. {MESSAGE}")]
    assert not Application.objects.exists()


@pytest.mark.parametrize("column", ["Date added", "Date applied", "Interview date", "Offer date", "Date closed", "Next follow-up"])
def test_the_csv_import_confirm_step_rechecks_what_it_is_sent(alice_client, column):
    # The confirm step gets the file back from the browser: a tampered or hand-made post
    # must meet the same checks as the preview, and import nothing.
    value = "9999-12-31" if column == "Next follow-up" else FAR_FUTURE
    response = alice_client.post(IMPORT_URL, {
        "content": f"Company,Title,{column}\nHooli,SRE,2026-01-05\nInitech,TPS,{value}\n",
        "format": "generic", "confirm": "1",
    })

    assert response.status_code == 400
    assert "out of range" in response.content.decode()
    assert not Application.objects.exists()
    for page in ("/applications/", "/applications/board/", "/api/v1/applications/", "/dashboard/"):
        assert alice_client.get(page).status_code == 200, page
