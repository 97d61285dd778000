from __future__ import annotations

import pytest
from django.urls import reverse

from applications.models import NOTES_MAX_CHARS, Application, ApplicationEvent, Status
from applications.services import application_change_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser("root", "root@example.com", "root-password-1")
    client.force_login(staff)
    return client


def change_url(application) -> str:
    return reverse("admin:applications_application_change", args=[application.pk])


def test_it_lists_applications(admin_client, alice_app, bob_app):
    response = admin_client.get(reverse("admin:applications_application_changelist"))
    assert response.status_code == 200
    assert "Platform Engineer" in response.content.decode() and "Data Engineer" in response.content.decode()


def test_it_shows_the_events_inline_and_read_only(admin_client, alice, alice_app):
    application_change_status(application=alice_app, to_status=Status.APPLIED, by=alice)

    response = admin_client.get(change_url(alice_app))

    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0]
    assert inline.formset.model is ApplicationEvent
    assert len(inline.formset.forms) == 2
    assert not inline.has_add_permission and not inline.has_change_permission and not inline.formset.can_delete
    body = response.content.decode()
    assert 'name="events-0-to_status"' not in body  # shown, not editable
    assert 'name="status"' not in body  # the status only moves through the pipeline


def test_saving_notes_in_the_admin_goes_through_the_service(admin_client, alice_app):
    response = admin_client.post(change_url(alice_app), {
        "notes": "Escalated by support", "next_follow_up": "2026-12-01",
        "events-TOTAL_FORMS": "1", "events-INITIAL_FORMS": "1", "events-MIN_NUM_FORMS": "0", "events-MAX_NUM_FORMS": "0",
        "events-0-id": alice_app.events.get().pk, "events-0-application": alice_app.pk,
    })

    assert response.status_code == 302
    stored = Application.objects.get(pk=alice_app.pk)
    assert stored.notes == "Escalated by support"
    assert stored.events.filter(kind=ApplicationEvent.Kind.NOTE_ADDED, actor__username="root").exists()


def test_the_admin_refuses_oversized_notes_with_a_form_error(admin_client, alice_app):
    response = admin_client.post(change_url(alice_app), {
        "notes": "x" * (NOTES_MAX_CHARS + 1), "next_follow_up": "",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0", "events-MIN_NUM_FORMS": "0", "events-MAX_NUM_FORMS": "0",
    })

    assert response.status_code == 200
    assert "Notes can hold at most 50,000 characters" in response.content.decode()
    assert Application.objects.get(pk=alice_app.pk).notes == ""


def test_applications_and_events_cannot_be_added_by_hand(admin_client):
    assert admin_client.get(reverse("admin:applications_application_add")).status_code == 403
    assert admin_client.get(reverse("admin:applications_applicationevent_add")).status_code == 403


@pytest.mark.parametrize("model", ["interview", "contact", "document", "applicationdeletion"])
def test_the_tracker_records_are_listed_read_only(admin_client, model):
    response = admin_client.get(reverse(f"admin:applications_{model}_changelist"))

    assert response.status_code == 200
    assert admin_client.get(reverse(f"admin:applications_{model}_add")).status_code == 403


def test_the_document_page_never_offers_the_file(admin_client, alice):
    from applications.tests.factories import make_document

    document = make_document(alice, name="Alice CV")

    body = admin_client.get(reverse("admin:applications_document_change", args=[document.pk])).content.decode()

    assert "Alice CV" in body and document.file.name not in body
