"""The API for everything the tracker added: edit, archive, undo, reopen, delete, interviews, contacts, documents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application, ApplicationEvent, Contact, Document, Interview, Status
from applications.services import application_change_status
from applications.tests.factories import PDF_BYTES, make_document
from applications.tests.test_documents import EXE_BYTES

pytestmark = pytest.mark.django_db
JSON = "application/json"


def detail(application) -> str:
    return reverse("api_application_detail", args=[application.pk])


class TestApplications:
    def test_patch_edits_the_details(self, alice_client, alice_app):
        response = alice_client.patch(detail(alice_app), {
            "title": "Staff Engineer", "location": "Remote (EU)", "salary_min": 90000, "salary_max": 110000,
            "salary_currency": "EUR",
        }, content_type=JSON)

        assert response.status_code == 200
        body = response.json()
        assert (body["title"], body["location"], body["salary_min"], body["salary_currency"]) == (
            "Staff Engineer", "Remote (EU)", 90000, "EUR")
        assert ApplicationEvent.objects.filter(application=alice_app, kind="edited").count() == 1

    def test_patch_refuses_a_backwards_salary_with_a_400(self, alice_client, alice_app):
        response = alice_client.patch(detail(alice_app), {"salary_min": 5, "salary_max": 1, "salary_currency": "EUR"},
                                      content_type=JSON)

        assert response.status_code == 400 and "runs backwards" in response.json()["detail"]

    def test_archive_and_unarchive(self, alice_client, alice_app):
        url = reverse("api_application_archive", args=[alice_app.pk])

        archived = alice_client.post(url).json()
        listed = alice_client.get(reverse("api_application_list")).json()["results"]
        restored = alice_client.delete(url).json()

        assert archived["is_archived"] is True and archived["archived_at"]
        assert [row["id"] for row in listed] == [alice_app.pk]  # the API lists archived ones too, flagged
        assert restored["is_archived"] is False

    def test_undo_restores_the_previous_status_and_keeps_both_events(self, alice_client, alice, alice_app):
        application_change_status(application=alice_app, to_status="applied", by=alice)

        response = alice_client.post(reverse("api_application_undo", args=[alice_app.pk]), {}, content_type=JSON)

        assert response.status_code == 200 and response.json()["status"] == "saved"
        kinds = [e["kind"] for e in alice_client.get(reverse("api_application_events", args=[alice_app.pk])).json()["results"]]
        assert kinds == ["created", "status_changed", "status_undone"]
        again = alice_client.post(reverse("api_application_undo", args=[alice_app.pk]), {}, content_type=JSON)
        assert again.status_code == 409 and "no status change to undo" in again.json()["detail"]

    def test_reopen_needs_a_closed_application_and_a_reason(self, alice_client, alice, alice_app):
        url = reverse("api_application_reopen", args=[alice_app.pk])
        assert alice_client.post(url, {"status": "applied", "reason": "x"}, content_type=JSON).status_code == 409
        for status in ("applied", "rejected"):
            application_change_status(application=alice_app, to_status=status, by=alice)
        assert alice_client.get(detail(alice_app)).json()["reopen_statuses"] == ["applied", "interviewing", "offer"]
        assert alice_client.post(url, {"status": "interviewing"}, content_type=JSON).status_code == 400

        response = alice_client.post(url, {"status": "interviewing", "reason": "Recruiter called"}, content_type=JSON)

        assert response.status_code == 200 and response.json()["status"] == "interviewing"

    def test_a_follow_up_on_a_closed_application_is_a_409(self, alice_client, alice, alice_app):
        application_change_status(application=alice_app, to_status="withdrawn", by=alice)

        response = alice_client.patch(detail(alice_app), {"next_follow_up": "2031-01-01"}, content_type=JSON)

        assert response.status_code == 409 and "reopen it first" in response.json()["detail"]

    def test_delete_removes_it_and_a_second_delete_is_a_404(self, alice_client, alice_app):
        first = alice_client.delete(detail(alice_app))
        second = alice_client.delete(detail(alice_app))

        assert (first.status_code, second.status_code) == (204, 404)
        assert not Application.objects.filter(pk=alice_app.pk).exists()
        log = alice_client.get(reverse("api_application_deletions")).json()
        assert [(row["application_id"], row["title"]) for row in log] == [(alice_app.pk, "Platform Engineer")]


class TestInterviewsAndContacts:
    def test_interviews_are_scheduled_listed_edited_and_removed(self, alice_client, alice_app):
        url = reverse("api_application_interviews", args=[alice_app.pk])
        created = alice_client.post(url, {"starts_at": "2031-05-06T09:00:00+02:00", "kind": "technical",
                                          "with_whom": "Samir"}, content_type=JSON)
        assert created.status_code == 201
        interview = Interview.objects.get()
        assert interview.starts_at == dt.datetime(2031, 5, 6, 7, 0, tzinfo=dt.UTC)

        edited = alice_client.patch(reverse("api_interview_detail", args=[interview.pk]), {"outcome": "passed"},
                                    content_type=JSON)
        listed = alice_client.get(url).json()
        deleted = alice_client.delete(reverse("api_interview_detail", args=[interview.pk]))

        assert edited.json()["outcome"] == "passed" and listed[0]["kind"] == "technical"
        assert deleted.status_code == 204 and not Interview.objects.exists()

    def test_a_bad_interview_is_a_400_with_the_reason(self, alice_client, alice_app):
        url = reverse("api_application_interviews", args=[alice_app.pk])

        response = alice_client.post(url, {"starts_at": "1870-01-01T09:00:00Z", "kind": "technical"}, content_type=JSON)

        assert response.status_code == 400 and response.json()["starts_at"] == ["Use a date between 1970-01-01 and 2099-12-31."]

    def test_contacts_are_added_edited_and_removed(self, alice_client, alice_app):
        url = reverse("api_application_contacts", args=[alice_app.pk])
        created = alice_client.post(url, {"name": "Peter", "email": "peter@initech.example"}, content_type=JSON)
        contact = Contact.objects.get()

        edited = alice_client.patch(reverse("api_contact_detail", args=[contact.pk]), {"role": "Recruiter"}, content_type=JSON)
        deleted = alice_client.delete(reverse("api_contact_detail", args=[contact.pk]))

        assert created.status_code == 201 and edited.json()["role"] == "Recruiter"
        assert deleted.status_code == 204 and not Contact.objects.exists()


class TestDocuments:
    def test_upload_attach_list_download_and_delete(self, alice_client, alice_app):
        uploaded = alice_client.post(reverse("api_document_list"), {"file": SimpleUploadedFile("cv.pdf", PDF_BYTES),
                                                                     "name": "CV", "kind": "resume"})
        assert uploaded.status_code == 201
        document_id = uploaded.json()["id"]
        attached = alice_client.post(reverse("api_application_documents", args=[alice_app.pk]), {"document": document_id},
                                     content_type=JSON)
        listed = alice_client.get(reverse("api_application_documents", args=[alice_app.pk])).json()
        download = alice_client.get(uploaded.json()["download_url"])

        assert attached.status_code == 201 and [d["id"] for d in listed] == [document_id]
        assert download["Content-Disposition"] == 'attachment; filename="cv.pdf"'
        assert b"".join(download.streaming_content) == PDF_BYTES
        detached = alice_client.delete(reverse("api_application_document_detach", args=[alice_app.pk, document_id]))
        assert detached.status_code == 204 and Document.objects.filter(pk=document_id).exists()
        assert alice_client.delete(reverse("api_document_detail", args=[document_id])).status_code == 204

    def test_a_renamed_executable_is_a_400(self, alice_client):
        response = alice_client.post(reverse("api_document_list"), {"file": SimpleUploadedFile("cv.pdf", EXE_BYTES)})

        assert response.status_code == 400
        assert response.json()["file"] == ["This file is a Windows program, not a PDF, DOCX or text document."]
        assert not Document.objects.exists()

    def test_an_upload_over_the_limit_is_refused_before_it_is_read(self, alice_client):
        big = PDF_BYTES + b"0" * (6 * 1024 * 1024)

        response = alice_client.post(reverse("api_document_list"), {"file": SimpleUploadedFile("cv.pdf", big)})

        assert response.status_code == 400 and "5 MB limit" in response.json()["file"][0]
        assert not Document.objects.exists()

    def test_patch_renames_a_document(self, alice_client, alice):
        document = make_document(alice)

        response = alice_client.patch(reverse("api_document_detail", args=[document.pk]), {"name": "CV v2"}, content_type=JSON)

        assert response.status_code == 200 and Document.objects.get().name == "CV v2"


def test_the_calendar_address_is_given_and_reset(alice_client):
    first = alice_client.get(reverse("api_calendar_feed")).json()["url"]
    second = alice_client.post(reverse("api_calendar_feed_reset")).json()["url"]

    assert first != second and second.startswith("http://testserver/calendar/") and second.endswith(".ics")


def test_the_schema_describes_every_new_endpoint(alice_client):
    body = alice_client.get("/api/v1/schema/").content.decode()

    for path in ("/api/v1/applications/{id}/archive/", "/api/v1/applications/{id}/undo/", "/api/v1/applications/{id}/reopen/",
                 "/api/v1/applications/{id}/interviews/", "/api/v1/applications/{id}/contacts/",
                 "/api/v1/applications/{id}/documents/", "/api/v1/interviews/{id}/", "/api/v1/contacts/{id}/",
                 "/api/v1/documents/", "/api/v1/documents/{id}/download/", "/api/v1/calendar/", "/api/v1/applications/deletions/"):
        assert f"{path}:" in body, path
    for field in ("salary_currency", "archived_at", "reopen_statuses", "duration_minutes", "profile_url", "file_type"):
        assert f"{field}:" in body, field
    assert Status.INTERVIEWING.value in body
