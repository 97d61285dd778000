from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from applications.models import NOTES_MAX_CHARS, Application, Status
from applications.services import application_add_note, application_change_status, application_create

pytestmark = pytest.mark.django_db
LIST = "/api/v1/applications/"


def detail(application) -> str:
    return f"/api/v1/applications/{application.pk}/"


class TestList:
    def test_it_lists_only_my_applications_newest_change_first(self, alice_client, alice, alice_app, bob_app):
        later = application_create(user=alice, company_name="Hooli", title="SRE")

        body = alice_client.get(LIST).json()

        assert body["count"] == 2
        assert [r["id"] for r in body["results"]] == [later.pk, alice_app.pk]
        assert body["results"][1]["allowed_statuses"] == ["applied", "interviewing", "withdrawn"]

    def test_it_filters_by_status_and_refuses_an_unknown_one(self, alice_client, alice, alice_app):
        application_create(user=alice, company_name="Hooli", title="SRE", status=Status.APPLIED)

        assert [r["company_name"] for r in alice_client.get(LIST, {"status": "applied"}).json()["results"]] == ["Hooli"]
        refused = alice_client.get(LIST, {"status": "hired"})
        assert refused.status_code == 400
        assert refused.json() == {"status": ["“hired” is not a status."]}

    @pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5"])
    def test_it_answers_a_malformed_page_with_400(self, alice_client, alice_app, page):
        response = alice_client.get(LIST, {"page": page})

        assert response.status_code == 400
        assert response.json() == {"page": ["A page is a whole number from 1."]}

    def test_it_answers_a_page_past_the_end_with_404(self, alice_client, alice_app):
        assert alice_client.get(LIST, {"page": str(10**20)}).status_code == 404

    def test_it_caps_the_page_size(self, alice_client, alice):
        from applications.tests.factories import make_applications

        make_applications(alice, 210, events_each=1)
        assert len(alice_client.get(LIST, {"page_size": 1000}).json()["results"]) == 200


class TestCreate:
    def test_it_tracks_a_posting_by_id(self, alice_client, alice, job):
        response = alice_client.post(LIST, {"job": job.pk}, content_type="application/json")

        assert response.status_code == 201
        assert response.json()["company_name"] == "Acme"
        assert Application.objects.get(user=alice).job == job

    def test_it_answers_409_with_the_existing_one_when_tracked_twice(self, alice_client, alice, job):
        first = application_create(user=alice, job=job)

        response = alice_client.post(LIST, {"job": job.pk}, content_type="application/json")

        assert response.status_code == 409
        assert response.json() == {"detail": "You already track this posting; it is saved.", "application": first.pk}

    def test_it_adds_one_by_hand(self, alice_client, alice):
        response = alice_client.post(LIST, {"company_name": "Hooli", "title": "SRE", "status": "applied"},
                                     content_type="application/json")

        assert response.status_code == 201
        assert response.json()["status"] == "applied"

    def test_the_owner_cannot_be_set(self, alice_client, alice, bob):
        response = alice_client.post(LIST, {"company_name": "Hooli", "title": "SRE", "user": bob.pk},
                                     content_type="application/json")

        assert response.status_code == 400
        assert "cannot be set or changed" in response.json()["user"][0]
        assert not Application.objects.exists()

    @pytest.mark.parametrize(("payload", "key", "message"), [
        ({"title": "SRE"}, "non_field_errors", "Give either a job from the catalogue, or a company_name and a title."),
        ({"company_name": "Hooli", "title": "SRE", "status": "hired"}, "status", "“hired” is not a status."),
        ({"company_name": "Hooli", "title": "SRE", "url": "nope"}, "url", "Enter a valid URL."),
        ({"job": 999999}, "job", "There is no job 999999 in the catalogue."),
    ])
    def test_it_refuses_bad_input_with_400(self, alice_client, payload, key, message):
        response = alice_client.post(LIST, payload, content_type="application/json")

        assert response.status_code == 400
        assert response.json()[key] == [message]


class TestRetrieveAndUpdate:
    def test_it_returns_my_application(self, alice_client, alice_app):
        body = alice_client.get(detail(alice_app)).json()
        assert (body["id"], body["company_name"], body["status"]) == (alice_app.pk, "Initech", "saved")

    def test_it_updates_notes_and_dates(self, alice_client, alice_app):
        response = alice_client.patch(detail(alice_app), {
            "notes": "Referral from Peter", "next_follow_up": "2026-12-01", "applied_at": "2026-11-20T09:00:00Z",
        }, content_type="application/json")

        assert response.status_code == 200
        stored = Application.objects.get(pk=alice_app.pk)
        assert (stored.notes, stored.next_follow_up) == ("Referral from Peter", dt.date(2026, 12, 1))
        assert stored.applied_at.isoformat() == "2026-11-20T09:00:00+00:00"
        assert response.json()["notes"] == "Referral from Peter"

    @pytest.mark.parametrize(("payload", "key", "fragment"), [
        ({"next_follow_up": "next tuesday"}, "next_follow_up", "Date has wrong format"),
        ({"applied_at": "2026-02-30T10:00"}, "applied_at", "Datetime has wrong format"),
        ({"notes": "x" * 1_048_576}, "notes", f"at most {NOTES_MAX_CHARS:,} characters"),
        ({"status": "offer"}, "status", "POST /api/v1/applications/<id>/status/"),
        ({"user": 1}, "user", "cannot be set or changed"),
    ])
    def test_it_refuses_bad_updates_and_keeps_what_was_there(self, alice_client, alice, alice_app, payload, key, fragment):
        application_add_note(application=alice_app, text="Keep me", by=alice)

        response = alice_client.patch(detail(alice_app), payload, content_type="application/json")

        assert response.status_code == 400
        assert fragment in response.json()[key][0]
        stored = Application.objects.get(pk=alice_app.pk)
        assert (stored.notes, stored.status, stored.user, stored.next_follow_up) == ("Keep me", Status.SAVED, alice, None)

    def test_put_is_not_offered(self, alice_client, alice_app):
        assert alice_client.put(detail(alice_app), {}, content_type="application/json").status_code == 405
        assert Application.objects.filter(pk=alice_app.pk).exists()


class TestStatusAndEvents:
    def test_it_changes_the_status(self, alice_client, alice_app):
        response = alice_client.post(reverse("api_application_status", args=[alice_app.pk]), {"status": "applied"},
                                     content_type="application/json")

        assert response.status_code == 200
        assert response.json()["status"] == "applied"
        assert response.json()["applied_at"] is not None

    def test_an_illegal_transition_is_a_409_that_says_why(self, alice_client, alice_app):
        response = alice_client.post(reverse("api_application_status", args=[alice_app.pk]), {"status": "offer"},
                                     content_type="application/json")

        assert response.status_code == 409
        assert response.json()["detail"] == "An application that is saved cannot move to offer; it can move to applied, interviewing, withdrawn."
        assert Application.objects.get(pk=alice_app.pk).status == Status.SAVED

    def test_an_unknown_status_is_a_400(self, alice_client, alice_app):
        response = alice_client.post(reverse("api_application_status", args=[alice_app.pk]), {"status": "hired"},
                                     content_type="application/json")

        assert response.status_code == 400
        assert response.json() == {"status": ["“hired” is not a status."]}

    def test_it_lists_the_events_oldest_first(self, alice_client, alice, alice_app):
        application_change_status(application=alice_app, to_status=Status.APPLIED, by=alice)

        body = alice_client.get(reverse("api_application_events", args=[alice_app.pk])).json()

        assert [(e["kind"], e["from_status"], e["to_status"], e["actor"]) for e in body["results"]] == [
            ("created", "", "saved", "alice"), ("status_changed", "saved", "applied", "alice"),
        ]


def test_token_authentication_works_and_scopes_to_the_token_owner(client, alice, bob, alice_app, bob_app):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=bob)
    body = client.get(LIST, HTTP_AUTHORIZATION=f"Token {token.key}").json()

    assert [r["company_name"] for r in body["results"]] == ["Globex"]
    assert client.get(detail(alice_app), HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 404


def test_the_schema_describes_the_endpoints(alice_client):
    response = alice_client.get("/api/v1/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/api/v1/applications/{id}/status/" in body
