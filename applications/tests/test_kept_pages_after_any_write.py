"""The board and the table are kept per seeker; any write to an application or an interview
makes them stale once it commits, however it is written: a service, the admin, a shell, the
ORM's own delete. One bump per seeker and transaction, however many rows it writes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.cache import ScheduleBump
from applications.cards import CSRF_PLACEHOLDER
from applications.models import Application, ApplicationDocument, Contact, Document, Interview, Status
from applications.services import application_change_status, interview_schedule
from applications.tests.factories import make_document

pytestmark = pytest.mark.django_db
BOARD = "/applications/board/"
TABLE = "/applications/"


@pytest.fixture
def staff_client(django_user_model):
    staff = django_user_model.objects.create_superuser("root", "root@example.com", "root-password-1")
    client = Client()
    client.force_login(staff)
    return client


def bumps(callbacks) -> list[int]:
    return [callback.user_id for callback in callbacks if isinstance(callback, ScheduleBump)]


def test_a_follow_up_set_in_the_admin_shows_on_the_kept_board_at_once(
    alice_client, staff_client, alice_app, django_capture_on_commit_callbacks,
):
    assert "follow up" not in alice_client.get(BOARD).content.decode()  # kept from here on

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:applications_application_change", args=[alice_app.pk]), {
            "notes": "Escalated by support", "next_follow_up": "2031-03-04",
            "events-TOTAL_FORMS": "1", "events-INITIAL_FORMS": "1", "events-MIN_NUM_FORMS": "0", "events-MAX_NUM_FORMS": "0",
            "events-0-id": alice_app.events.get().pk, "events-0-application": alice_app.pk,
        })
    assert response.status_code == 302

    assert 'datetime="2031-03-04' in alice_client.get(BOARD).content.decode()


def test_a_title_changed_from_a_shell_shows_on_the_kept_board_and_table_at_once(
    alice_client, alice_app, django_capture_on_commit_callbacks,
):
    alice_client.get(BOARD), alice_client.get(TABLE)

    with django_capture_on_commit_callbacks(execute=True):
        stored = Application.objects.get(pk=alice_app.pk)
        stored.title = "Staff Platform Engineer"
        stored.save()

    assert "Staff Platform Engineer" in alice_client.get(BOARD).content.decode()
    assert "Staff Platform Engineer" in alice_client.get(TABLE).content.decode()


def test_an_application_deleted_through_the_orm_leaves_the_kept_board(alice_client, alice_app, django_capture_on_commit_callbacks):
    assert f'id="card-{alice_app.pk}"' in alice_client.get(BOARD).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        Application.objects.filter(pk=alice_app.pk).delete()

    assert f'id="card-{alice_app.pk}"' not in alice_client.get(BOARD).content.decode()


def test_an_interview_added_and_removed_through_the_orm_shows_on_the_kept_board(
    alice_client, alice, alice_app, django_capture_on_commit_callbacks,
):
    alice_client.get(BOARD)
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        interview = Interview.objects.create(
            user=alice, application=alice_app, starts_at=now + timedelta(days=3), created_at=now, updated_at=now,
        )
    assert "Next: " in alice_client.get(BOARD).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        Interview.objects.filter(pk=interview.pk).delete()
    assert "Next: " not in alice_client.get(BOARD).content.decode()


def test_a_service_write_bumps_the_seeker_once(alice, alice_app, django_capture_on_commit_callbacks):
    # The status move saves the application and writes its event (events are not watched).
    with django_capture_on_commit_callbacks() as callbacks:
        application_change_status(application=alice_app, to_status=Status.APPLIED, by=alice)
    assert bumps(callbacks) == [alice.pk]

    with django_capture_on_commit_callbacks() as callbacks:
        interview_schedule(application=alice_app, by=alice, starts_at=timezone.now() + timedelta(days=1))
    assert bumps(callbacks) == [alice.pk]


def test_a_deleted_account_bumps_nothing(alice, alice_app, django_capture_on_commit_callbacks):
    interview_schedule(application=alice_app, by=alice, starts_at=timezone.now() + timedelta(days=1))

    with django_capture_on_commit_callbacks() as callbacks:
        alice.delete()

    assert bumps(callbacks) == []


# --- The application page, kept per seeker and application -----------------------------------


def page_of(client, application) -> str:
    response = client.get(application.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_contact_added_from_a_shell_shows_on_the_kept_application_page(
    alice_client, alice, alice_app, django_capture_on_commit_callbacks,
):
    assert "Grace Hopper" not in page_of(alice_client, alice_app)

    with django_capture_on_commit_callbacks(execute=True):
        Contact.objects.create(user=alice, application=alice_app, name="Grace Hopper", created_at=timezone.now())

    assert "Grace Hopper" in page_of(alice_client, alice_app)


def test_a_document_attached_and_renamed_shows_on_the_kept_application_page(
    alice_client, alice, alice_app, django_capture_on_commit_callbacks, settings, tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        document = make_document(alice, name="CV 2026")
    page_of(alice_client, alice_app)

    with django_capture_on_commit_callbacks(execute=True):
        ApplicationDocument.objects.create(application=alice_app, document=document)
    assert 'id="documents">\n      \n        <li class="document">' in page_of(alice_client, alice_app)

    with django_capture_on_commit_callbacks(execute=True):
        Document.objects.filter(pk=document.pk).update(name="CV 2027")
        Document.objects.get(pk=document.pk).save()
    assert "CV 2027" in page_of(alice_client, alice_app)


def test_a_kept_application_page_is_never_anyone_elses(alice_client, alice_app, bob):
    page_of(alice_client, alice_app)  # kept for alice

    other = Client()
    other.force_login(bob)
    assert other.get(alice_app.get_absolute_url()).status_code == 404


def test_the_kept_application_page_gives_each_visitor_a_working_token(alice, alice_app):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page_of(client, alice_app)  # kept
    page = page_of(client, alice_app)
    assert CSRF_PLACEHOLDER not in page

    token = re.search(rf'action="{reverse("application_add_note", args=[alice_app.pk])}">\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(reverse("application_add_note", args=[alice_app.pk]), {"text": "Called back", "csrfmiddlewaretoken": token})

    assert response.status_code == 302


def test_a_page_with_typed_errors_is_never_kept(alice_client, alice_app):
    refused = alice_client.post(reverse("interview_add", args=[alice_app.pk]), {"interview-with_whom": "Ada Lovelace"})
    assert refused.status_code == 400 and "Ada Lovelace" in refused.content.decode()

    assert "Ada Lovelace" not in page_of(alice_client, alice_app)
