"""GET /account/export.json: everything the seeker owns, in one file, in a fixed number of queries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from applications.models import Application
from applications.services import (
    application_add_note,
    application_change_status,
    application_create,
    contact_add,
    interview_schedule,
)
from applications.tests.factories import JobFactory, make_applications
from jobs.models import Skill

pytestmark = pytest.mark.django_db
URL = "/account/export.json"


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"] == f"/login/?next={URL}"


def test_it_holds_the_account_the_profile_and_every_application_with_its_timeline(client, alice, bob):
    alice.profile.time_zone = "Europe/Berlin"
    alice.profile.headline = "Backend engineer"
    alice.profile.save()
    alice.profile.skills.add(Skill.objects.create(name="Python"))
    application = application_create(user=alice, job=JobFactory(title="SRE", company__name="Acme", apply_url="https://acme.example/1"))
    Application.objects.filter(pk=application.pk).update(created_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    application_change_status(application=application, to_status="applied", by=alice)
    application_add_note(application=application, text="Réunion lundi", by=alice)
    interview_schedule(application=application, by=alice, starts_at=datetime(2026, 3, 9, 9, 0, tzinfo=UTC), kind="onsite")
    contact_add(application=application, by=alice, name="Jane Roe", role="Recruiter")
    application_create(user=bob, company_name="Globex", title="Data Engineer")
    client.force_login(alice)

    response = client.get(URL)

    assert response["Content-Disposition"].startswith('attachment; filename="career-copilot-alice-')
    data = json.loads(response.content)
    assert "Réunion lundi" in response.content.decode()  # readable, not \\u-escaped
    assert data["time_zone"] == "Europe/Berlin"
    assert data["account"]["username"] == "alice" and data["account"]["profile"]["skills"] == ["Python"]
    assert data["account"]["profile"]["headline"] == "Backend engineer"
    [exported] = data["applications"]
    assert (exported["company"], exported["title"], exported["status"]) == ("Acme", "SRE", "applied")
    assert exported["created_at"] == "2026-03-01T13:00:00+01:00"  # in her zone, with the offset
    assert exported["posting"]["apply_url"] == "https://acme.example/1"
    assert [(e["kind"], e["to_status"], e["note"]) for e in exported["events"]] == [
        ("created", "saved", ""), ("status_changed", "applied", ""), ("note_added", "", "Réunion lundi"),
    ]
    assert [(i["starts_at"], i["kind"]) for i in exported["interviews"]] == [("2026-03-09T10:00:00+01:00", "onsite")]
    assert [(c["name"], c["role"]) for c in exported["contacts"]] == [("Jane Roe", "Recruiter")]
    assert data["documents"] == [] and data["deleted_applications"] == []
    assert "Globex" not in response.content.decode()


def test_it_holds_the_saved_searches_and_the_inbox_and_nobody_elses(client, alice, bob):
    from notifications.inbox import notification_send
    from notifications.tests.conftest import save_search

    save_search(alice, name="Python remote", q="python", remote=["remote"], frequency="instant")
    save_search(bob, name="Bob's search", q="rust")
    notification_send(user_id=alice.pk, kind="system", title="Your import finished")
    notification_send(user_id=bob.pk, kind="system", title="Bob's import finished")
    client.force_login(alice)

    data = json.loads(client.get(URL).content)

    [search] = data["saved_searches"]
    assert (search["name"], search["query"]["q"], search["query"]["remote"], search["emails"]) == (
        "Python remote", "python", ["remote"], "instant")
    assert [(n["kind"], n["title"], n["read_at"]) for n in data["notifications"]] == [("system", "Your import finished", None)]
    assert "Bob" not in json.dumps(data)


@pytest.mark.parametrize("size", [10, 200])
def test_it_costs_the_same_queries_for_few_or_many_applications(client, alice, size, django_assert_num_queries):
    make_applications(alice, size, events_each=3)
    client.force_login(alice)
    # 1 user, 2 profile, 3 its skills, 4 applications with posting and company, 5 their events
    # with actors, 6 interviews, 7 contacts, 8 attached documents, 9 the library, 10 the deletion log,
    # 11 saved searches, 12 the inbox
    with django_assert_num_queries(12):
        response = client.get(URL)
    assert len(json.loads(response.content)["applications"]) == size
