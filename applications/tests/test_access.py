"""Every private page and endpoint: anonymous → login (pages) or 401/403 (API); bob → 404 on alice's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.models import Application, Status

pytestmark = pytest.mark.django_db

PAGES = [
    ("get", "application_list", False),
    ("get", "application_board", False),
    ("get", "application_new", False),
    ("post", "application_new", False),
    ("get", "application_export", False),
    ("get", "application_export_zip", False),
    ("get", "application_import", False),
    ("post", "application_import", False),
    ("get", "application_track", "job"),
    ("post", "application_track", "job"),
    ("post", "application_mark_applied", "job"),
    ("get", "application_detail", "app"),
    ("post", "application_change_status", "app"),
    ("post", "application_add_note", "app"),
    ("post", "application_set_follow_up", "app"),
    ("get", "application_edit", "app"),
    ("post", "application_edit", "app"),
    ("get", "application_delete", "app"),
    ("post", "application_delete", "app"),
    ("post", "application_archive", "app"),
    ("post", "application_undo", "app"),
    ("post", "application_reopen", "app"),
    ("post", "interview_add", "app"),
    ("post", "contact_add", "app"),
    ("post", "document_attach", "app"),
    ("get", "application_deletions", False),
    ("get", "document_library", False),
    ("post", "document_library", False),
    ("get", "calendar_settings", False),
    ("post", "calendar_settings", False),
]
OBJECT_PAGES = [(method, name) for method, name, arg in PAGES if arg == "app"]
API = [
    ("get", "api_application_list", False),
    ("post", "api_application_list", False),
    ("get", "api_application_detail", True),
    ("patch", "api_application_detail", True),
    ("post", "api_application_status", True),
    ("get", "api_application_events", True),
    ("delete", "api_application_detail", True),
    ("post", "api_application_archive", True),
    ("delete", "api_application_archive", True),
    ("post", "api_application_undo", True),
    ("post", "api_application_reopen", True),
    ("get", "api_application_interviews", True),
    ("post", "api_application_interviews", True),
    ("get", "api_application_contacts", True),
    ("post", "api_application_contacts", True),
    ("get", "api_application_documents", True),
    ("post", "api_application_documents", True),
    ("get", "api_application_deletions", False),
    ("get", "api_document_list", False),
    ("post", "api_document_list", False),
    ("get", "api_calendar_feed", False),
    ("post", "api_calendar_feed_reset", False),
]
OBJECT_API = [(method, name) for method, name, arg in API if arg]
FORM_DATA = {"to_status": "applied", "text": "a note", "next_follow_up": "2026-12-01", "company_name": "X", "title": "Y",
             "reason": "r", "notes": "stolen", "interview-starts_at": "2026-12-01T10:00", "interview-kind": "video",
             "interview-duration_minutes": "60", "contact-name": "Mallory", "document": "1"}
API_DATA = {"status": "applied", "notes": "stolen", "company_name": "X", "title": "Y", "reason": "r",
            "starts_at": "2026-12-01T10:00:00Z", "name": "Mallory", "document": 1}


def _url(name, arg, alice_app, job):
    if arg == "app":
        return reverse(name, args=[alice_app.pk])
    if arg == "job":
        return reverse(name, args=[job.pk])
    if arg is True:
        return reverse(name, args=[alice_app.pk])
    return reverse(name)


@pytest.mark.parametrize(("method", "name", "arg"), PAGES)
def test_it_sends_anonymous_visitors_to_log_in(client, alice_app, job, method, name, arg):
    url = _url(name, arg, alice_app, job)
    response = getattr(client, method)(url, FORM_DATA if method == "post" else None)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"
    assert Application.objects.count() == 1  # nothing written


@pytest.mark.parametrize(("method", "name", "arg"), API)
def test_it_refuses_anonymous_api_calls(client, alice_app, method, name, arg):
    url = _url(name, arg, alice_app, None)
    response = getattr(client, method)(url, API_DATA, content_type="application/json")

    assert response.status_code in (401, 403)
    assert "Initech" not in response.content.decode()


@pytest.mark.parametrize(("method", "name"), OBJECT_PAGES)
def test_it_answers_404_for_another_users_application_page(bob_client, alice_app, method, name):
    response = getattr(bob_client, method)(reverse(name, args=[alice_app.pk]), FORM_DATA if method == "post" else None)

    assert response.status_code == 404
    assert "Initech" not in response.content.decode()
    stored = Application.objects.get(pk=alice_app.pk)
    assert (stored.status, stored.notes, stored.next_follow_up, stored.events.count()) == (Status.SAVED, "", None, 1)
    assert (stored.archived_at, stored.interviews.count(), stored.contacts.count()) == (None, 0, 0)


@pytest.mark.parametrize(("method", "name"), OBJECT_API)
def test_it_answers_404_for_another_users_application_in_the_api(bob_client, alice_app, method, name):
    response = getattr(bob_client, method)(reverse(name, args=[alice_app.pk]), API_DATA, content_type="application/json")

    assert response.status_code == 404
    assert "Initech" not in response.content.decode()
    stored = Application.objects.get(pk=alice_app.pk)
    assert (stored.status, stored.notes, stored.events.count()) == (Status.SAVED, "", 1)
    assert (stored.archived_at, stored.interviews.count(), stored.contacts.count()) == (None, 0, 0)


def test_it_answers_404_for_an_application_that_does_not_exist(alice_client):
    assert alice_client.get(reverse("application_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["application_list", "application_board", "application_export", "application_export_zip",
                                  "api_application_list"])
def test_lists_never_show_another_users_rows(alice_client, alice_app, bob_app, name):
    response = alice_client.get(reverse(name))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if name == "application_export_zip":
        import io
        import zipfile

        archive = zipfile.ZipFile(io.BytesIO(body))
        body = b"".join(archive.read(member) for member in archive.namelist())

    assert response.status_code == 200
    assert b"Initech" in body
    assert b"Globex" not in body
