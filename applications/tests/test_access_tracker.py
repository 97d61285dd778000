"""Interviews, contacts, documents and the calendar feed: alice's are 404 to bob, pages and API alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Contact, Document, Interview
from applications.services import calendar_feed_ensure, contact_add, interview_schedule
from applications.tests.factories import make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_things(alice, alice_app):
    interview = interview_schedule(application=alice_app, by=alice, starts_at=timezone.now() + timedelta(days=2),
                                   kind="onsite", with_whom="Initech's CTO")
    contact = contact_add(application=alice_app, by=alice, name="Peter Gibbons", email="peter@initech.example")
    document = make_document(alice, name="Alice CV", content=b"%PDF-1.4\nalice's private cv\n%%EOF")
    return {"interview": interview, "contact": contact, "document": document}


PAGES = [
    ("get", "interview_edit", "interview"),
    ("post", "interview_edit", "interview"),
    ("post", "interview_delete", "interview"),
    ("get", "contact_edit", "contact"),
    ("post", "contact_edit", "contact"),
    ("post", "contact_delete", "contact"),
    ("get", "document_download", "document"),
    ("post", "document_delete", "document"),
]
API = [
    ("get", "api_interview_detail", "interview"),
    ("patch", "api_interview_detail", "interview"),
    ("delete", "api_interview_detail", "interview"),
    ("get", "api_contact_detail", "contact"),
    ("patch", "api_contact_detail", "contact"),
    ("delete", "api_contact_detail", "contact"),
    ("get", "api_document_detail", "document"),
    ("patch", "api_document_detail", "document"),
    ("delete", "api_document_detail", "document"),
    ("get", "api_document_download", "document"),
]
FORM = {"starts_at": "2026-12-01T10:00", "kind": "video", "duration_minutes": "30", "name": "Mallory"}
SECRETS = ("Initech", "Peter Gibbons", "Alice CV", "private cv")


def _unchanged(things) -> None:
    interview = Interview.objects.get(pk=things["interview"].pk)
    contact = Contact.objects.get(pk=things["contact"].pk)
    document = Document.objects.get(pk=things["document"].pk)
    assert (interview.kind, contact.name, document.name) == ("onsite", "Peter Gibbons", "Alice CV")
    assert document.file.storage.exists(document.file.name)


def _body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode(errors="replace")


@pytest.mark.parametrize(("method", "name", "thing"), PAGES)
def test_bob_gets_404_for_alices_interviews_contacts_and_documents(bob_client, alice_things, method, name, thing):
    response = getattr(bob_client, method)(reverse(name, args=[alice_things[thing].pk]), FORM if method == "post" else None)

    assert response.status_code == 404
    assert not any(secret in _body(response) for secret in SECRETS)
    _unchanged(alice_things)


@pytest.mark.parametrize(("method", "name", "thing"), API)
def test_bob_gets_404_for_alices_interviews_contacts_and_documents_in_the_api(bob_client, alice_things, method, name, thing):
    response = getattr(bob_client, method)(reverse(name, args=[alice_things[thing].pk]), FORM, content_type="application/json")

    assert response.status_code == 404
    assert not any(secret in _body(response) for secret in SECRETS)
    _unchanged(alice_things)


@pytest.mark.parametrize(("method", "name", "thing"), PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, alice_things, method, name, thing):
    url = reverse(name, args=[alice_things[thing].pk])
    response = getattr(client, method)(url, FORM if method == "post" else None)

    assert response.status_code == 302 and response.url == f"{reverse('login')}?next={url}"
    _unchanged(alice_things)


@pytest.mark.parametrize(("method", "name", "thing"), API)
def test_anonymous_api_calls_are_refused(client, alice_things, method, name, thing):
    response = getattr(client, method)(reverse(name, args=[alice_things[thing].pk]), FORM, content_type="application/json")

    assert response.status_code in (401, 403)
    _unchanged(alice_things)


def test_bob_cannot_attach_alices_document_to_his_own_application(bob_client, bob_app, alice_things):
    page = bob_client.post(reverse("document_attach", args=[bob_app.pk]), {"document": alice_things["document"].pk})
    api = bob_client.post(reverse("api_application_documents", args=[bob_app.pk]), {"document": alice_things["document"].pk},
                          content_type="application/json")

    assert (page.status_code, api.status_code) == (404, 404)
    assert not bob_app.documents.exists()


def test_bob_gets_404_for_alices_calendar_feed(client, bob_client, alice, bob, alice_things):
    """The feed is reached by its secret only: bob's own secret, a guessed one or alice's retired one show nothing of hers."""
    alice_feed = calendar_feed_ensure(user=alice)
    bob_feed = calendar_feed_ensure(user=bob)

    bobs = client.get(reverse("calendar_feed", args=[bob_feed.token]))
    guessed = client.get(reverse("calendar_feed", args=[alice_feed.token[:-1] + ("A" if alice_feed.token[-1] != "A" else "B")]))
    settings_page = bob_client.get(reverse("calendar_settings"))

    assert bobs.status_code == 200 and "Initech" not in bobs.content.decode()
    assert guessed.status_code == 404
    assert alice_feed.token not in settings_page.content.decode()
    assert bob_client.get(reverse("api_calendar_feed")).json()["url"].endswith(f"/calendar/{bob_feed.token}.ics")
    assert client.get(reverse("calendar_feed", args=[alice_feed.token])).status_code == 200  # alice's own secret works
