"""The tracker's pages: edit, delete, archive, undo, reopen, interviews and contacts, as a seeker clicks them."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.time_zones import SESSION_KEY
from applications.models import Application, ApplicationDeletion, ApplicationEvent, Contact, Interview, Status
from applications.services import (
    application_archive,
    application_change_status,
    application_create,
    interview_schedule,
)
from applications.tests.pages import board_cards, table_titles

pytestmark = pytest.mark.django_db
Kind = ApplicationEvent.Kind


def in_zone(client, name: str) -> None:
    session = client.session
    session[SESSION_KEY] = name
    session.save()


def move(client, application, status: str, **headers):
    return client.post(reverse("application_change_status", args=[application.pk]), {"to_status": status, "next": "board"},
                       **headers)


class TestEditPage:
    def test_it_shows_the_current_values_and_saves_an_edit(self, alice_client, alice_app):
        page = alice_client.get(reverse("application_edit", args=[alice_app.pk]))
        assert page.status_code == 200 and 'value="Platform Engineer"' in page.content.decode()

        response = alice_client.post(reverse("application_edit", args=[alice_app.pk]), {
            "title": "Platform Engineer", "company_name": "Initech", "url": "https://initech.example/jobs/1",
            "location": "Austin", "salary_min": "120000", "salary_max": "", "salary_currency": "USD", "notes": "",
        })

        assert response.status_code == 302 and response.url == alice_app.get_absolute_url()
        stored = Application.objects.get(pk=alice_app.pk)
        assert (stored.location, stored.salary_min, stored.salary_currency) == ("Austin", 120000, "USD")
        detail = alice_client.get(alice_app.get_absolute_url()).content.decode()
        assert "USD 120,000" in detail and "Austin" in detail
        assert "Edited: Location “” → “Austin”" in detail

    def test_it_shows_the_services_refusal_on_the_field(self, alice_client, alice_app):
        response = alice_client.post(reverse("application_edit", args=[alice_app.pk]), {
            "title": "Platform Engineer", "company_name": "Initech", "salary_min": "9", "salary_max": "1",
            "salary_currency": "EUR",
        })

        assert response.status_code == 400
        assert "runs backwards" in response.content.decode()
        assert Application.objects.get(pk=alice_app.pk).salary_min is None


class TestDeletePage:
    def test_it_asks_first_then_deletes_and_a_second_delete_is_a_404(self, alice_client, alice, alice_app):
        url = reverse("application_delete", args=[alice_app.pk])
        ask = alice_client.get(url).content.decode()
        assert "Delete for good" in ask and "timeline (1 entry)" in ask
        assert Application.objects.filter(pk=alice_app.pk).exists()  # asking deleted nothing

        first = alice_client.post(url)
        second = alice_client.post(url)

        assert first.status_code == 302 and first.url == reverse("application_list")
        assert second.status_code == 404
        assert not Application.objects.filter(pk=alice_app.pk).exists()
        log = alice_client.get(reverse("application_deletions")).content.decode()
        assert "Platform Engineer" in log and "Initech" in log

    def test_the_deletion_log_shows_only_my_deletions(self, client, alice, bob, alice_app, bob_app):
        from applications.services import application_delete

        application_delete(application=alice_app, by=alice)
        application_delete(application=bob_app, by=bob)
        client.force_login(bob)

        body = client.get(reverse("application_deletions")).content.decode()

        assert "Globex" in body and "Initech" not in body


class TestArchive:
    @pytest.fixture
    def archived(self, alice, alice_app):
        kept = application_create(user=alice, company_name="Hooli", title="SRE")
        application_archive(application=alice_app, by=alice)
        return alice_app, kept

    def test_archived_applications_leave_the_board_and_its_counts(self, alice_client, archived):
        gone, kept = archived
        response = alice_client.get(reverse("application_board"))

        saved = {c["status"]: c for c in response.context["columns"]}["saved"]
        assert board_cards(response)["saved"] == [kept.pk] and saved["count"] == 1
        assert f'id="card-{gone.pk}"' not in response.content.decode()

    @pytest.mark.parametrize(("query", "expected"), [
        ({}, ["SRE"]),
        ({"archived": "include"}, ["Platform Engineer", "SRE"]),  # archiving is the latest change
        ({"archived": "only"}, ["Platform Engineer"]),
        ({"archived": "include", "q": "platform"}, ["Platform Engineer"]),
    ])
    def test_the_table_hides_them_unless_asked_and_they_stay_searchable(self, alice_client, archived, query, expected):
        response = alice_client.get(reverse("application_list"), query)

        assert table_titles(response) == expected

    def test_they_stay_in_the_export(self, alice_client, archived):
        response = alice_client.get(reverse("application_export"))
        body = b"".join(response.streaming_content).decode()

        assert "Platform Engineer" in body and "SRE" in body

    def test_the_detail_page_archives_and_unarchives(self, alice_client, alice_app):
        url = reverse("application_archive", args=[alice_app.pk])
        alice_client.post(url)
        assert 'id="archived-badge"' in alice_client.get(alice_app.get_absolute_url()).content.decode()

        alice_client.post(url, {"archived": "0"})

        assert not Application.objects.get(pk=alice_app.pk).is_archived
        assert f'id="card-{alice_app.pk}"' in alice_client.get(reverse("application_board")).content.decode()


class TestBoardMoveAndUndo:
    def test_the_move_menu_never_preselects_a_status(self, alice_client, alice, alice_app):
        application_change_status(application=alice_app, to_status="applied", by=alice)
        application_change_status(application=alice_app, to_status="offer", by=alice)

        body = alice_client.get(reverse("application_board")).content.decode()
        menu = re.search(rf'<select name="to_status" id="move-{alice_app.pk}"[^>]*>(.*?)</select>', body, re.S).group(1)

        options = re.findall(r"<option[^>]*>", menu)
        assert options[0] == '<option value="" selected disabled>'
        assert all("selected" not in option for option in options[1:])
        assert "Accepted" in menu

    def test_htmx_move_offers_an_undo_that_restores_the_status_with_both_events(self, alice_client, alice, alice_app):
        application_change_status(application=alice_app, to_status="applied", by=alice)
        moved = move(alice_client, alice_app, "offer", HTTP_HX_REQUEST="true").content.decode()
        assert "Moved Platform Engineer to offer." in moved
        change = alice_app.events.get(to_status="offer")
        assert f'name="change" value="{change.pk}"' in moved

        undone = alice_client.post(reverse("application_undo", args=[alice_app.pk]),
                                   {"next": "board", "change": change.pk}, HTTP_HX_REQUEST="true")

        assert undone.status_code == 200
        assert "Platform Engineer is applied again." in undone.content.decode()
        assert Application.objects.get(pk=alice_app.pk).status == Status.APPLIED
        kinds = list(alice_app.events.order_by("created_at", "id").values_list("kind", "to_status"))
        assert kinds[-2:] == [(Kind.STATUS_CHANGED, "offer"), (Kind.STATUS_UNDONE, "applied")]

    def test_without_javascript_the_board_offers_the_undo_after_the_redirect(self, alice_client, alice_app):
        response = move(alice_client, alice_app, "applied", follow=True)

        body = response.content.decode()
        assert "Undo moving Platform Engineer to Applied" in body
        change = alice_app.events.get(to_status="applied")
        alice_client.post(reverse("application_undo", args=[alice_app.pk]), {"next": "board", "change": change.pk})
        assert Application.objects.get(pk=alice_app.pk).status == Status.SAVED

    def test_a_stale_undo_changes_nothing_and_says_why(self, alice_client, alice, alice_app):
        application_change_status(application=alice_app, to_status="applied", by=alice)
        change = alice_app.events.get(to_status="applied")
        application_change_status(application=alice_app, to_status="interviewing", by=alice)

        response = alice_client.post(reverse("application_undo", args=[alice_app.pk]),
                                     {"next": "board", "change": change.pk}, HTTP_HX_REQUEST="true")

        assert response.status_code == 422
        assert "changed again" in response.content.decode()
        assert Application.objects.get(pk=alice_app.pk).status == Status.INTERVIEWING

    def test_the_board_ignores_a_moved_id_that_is_not_mine(self, alice_client, bob, bob_app):
        application_change_status(application=bob_app, to_status="applied", by=bob)

        body = alice_client.get(reverse("application_board"), {"moved": bob_app.pk}).content.decode()

        assert "Undo" not in body and "Data Engineer" not in body


class TestDetailUndoAndReopen:
    def test_the_detail_page_undoes_the_last_change(self, alice_client, alice, alice_app, django_capture_on_commit_callbacks):
        application_change_status(application=alice_app, to_status="applied", by=alice)
        page = alice_client.get(alice_app.get_absolute_url()).content.decode()
        assert "Undo Saved → Applied" in page

        with django_capture_on_commit_callbacks(execute=True):  # the kept page goes stale once the undo commits
            redirect = alice_client.post(reverse("application_undo", args=[alice_app.pk]))
        response = alice_client.get(redirect.url)

        body = response.content.decode()
        assert "is saved again" in body
        assert "Undone: back from" in body
        assert "Undo Saved" not in body  # no undo of an undo

    def test_a_rejected_application_is_reopened_with_a_reason(self, alice_client, alice, alice_app, django_capture_on_commit_callbacks):
        for status in ("applied", "rejected"):
            application_change_status(application=alice_app, to_status=status, by=alice)
        page = alice_client.get(alice_app.get_absolute_url()).content.decode()
        assert "Reopen as" in page and 'id="no-follow-up"' in page

        refused = alice_client.post(reverse("application_reopen", args=[alice_app.pk]), {"to_status": "interviewing"})
        assert refused.status_code == 400 and "Say why it reopens." in refused.content.decode()

        with django_capture_on_commit_callbacks(execute=True):
            alice_client.post(reverse("application_reopen", args=[alice_app.pk]),
                              {"to_status": "interviewing", "reason": "They called back"})
        assert Application.objects.get(pk=alice_app.pk).status == Status.INTERVIEWING
        assert "Reopened: They called back" in alice_client.get(alice_app.get_absolute_url()).content.decode()

    def test_the_follow_up_form_refuses_a_closed_application(self, alice_client, alice, alice_app):
        application_change_status(application=alice_app, to_status="withdrawn", by=alice)

        response = alice_client.post(reverse("application_set_follow_up", args=[alice_app.pk]), {"next_follow_up": "2026-12-01"})

        assert response.status_code == 400
        assert "takes no follow-up; reopen it first" in response.content.decode()
        assert Application.objects.get(pk=alice_app.pk).next_follow_up is None


class TestInterviews:
    def test_it_reads_and_shows_the_time_in_the_seekers_zone(self, alice_client, alice_app):
        in_zone(alice_client, "Asia/Tokyo")

        response = alice_client.post(reverse("interview_add", args=[alice_app.pk]), {
            "interview-starts_at": "2026-03-02T09:30", "interview-duration_minutes": "45", "interview-kind": "onsite",
            "interview-with_whom": "Bill Lumbergh", "interview-location": "https://meet.example/abc",
        })

        assert response.status_code == 302
        interview = Interview.objects.get()
        assert interview.starts_at == dt.datetime(2026, 3, 2, 0, 30, tzinfo=dt.UTC)  # 09:30 in Tokyo
        assert interview.user_id == alice_app.user_id
        page = alice_client.get(alice_app.get_absolute_url()).content.decode()
        assert "Mon 2 Mar 2026, 09:30" in page and "Asia/Tokyo" in page
        assert 'href="https://meet.example/abc"' in page

    def test_the_board_card_shows_the_next_interview_as_the_next_step(self, alice_client, alice, alice_app):
        in_zone(alice_client, "Europe/Berlin")
        soon = dt.datetime(2031, 6, 3, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
        interview_schedule(application=alice_app, by=alice, starts_at=soon + dt.timedelta(days=7), kind="final")
        interview_schedule(application=alice_app, by=alice, starts_at=soon, kind="technical")
        interview_schedule(application=alice_app, by=alice, starts_at=timezone.now() - dt.timedelta(days=1), kind="phone_screen")

        body = alice_client.get(reverse("application_board")).content.decode()

        assert re.search(r'<span class="next-step">Next: Technical, <time datetime="2031-06-03T12:00:00\+02:00"[^>]*>3 Jun 2031, 12:00</time></span>', body)

    def test_it_refuses_a_bad_interview_on_the_form(self, alice_client, alice_app):
        response = alice_client.post(reverse("interview_add", args=[alice_app.pk]), {
            "interview-starts_at": "next tuesday", "interview-duration_minutes": "60", "interview-kind": "video",
        })

        assert response.status_code == 400
        assert "Enter a date and time" in response.content.decode()
        assert not Interview.objects.exists()

    def test_it_edits_and_removes_an_interview(self, alice_client, alice, alice_app):
        interview = interview_schedule(application=alice_app, by=alice, starts_at=timezone.now() + dt.timedelta(days=3))
        form = alice_client.get(reverse("interview_edit", args=[interview.pk]))
        assert form.status_code == 200

        alice_client.post(reverse("interview_edit", args=[interview.pk]), {
            "starts_at": "2031-01-05T10:00", "duration_minutes": "90", "kind": "panel", "outcome": "passed",
        })
        interview.refresh_from_db()
        assert (interview.kind, interview.duration_minutes, interview.outcome) == ("panel", 90, "passed")

        alice_client.post(reverse("interview_delete", args=[interview.pk]))
        assert not Interview.objects.exists()

    def test_the_dashboard_lists_upcoming_interviews_of_active_applications(self, alice_client, alice, alice_app):
        other = application_create(user=alice, company_name="Hooli", title="SRE")
        interview_schedule(application=alice_app, by=alice, starts_at=timezone.now() + dt.timedelta(days=2), kind="onsite")
        interview_schedule(application=other, by=alice, starts_at=timezone.now() + dt.timedelta(days=1), kind="final")
        application_archive(application=other, by=alice)

        body = alice_client.get(reverse("dashboard")).content.decode()
        upcoming = body[body.index('id="upcoming"'):body.index("</section>", body.index('id="upcoming"'))]

        assert "On-site" in upcoming and "Platform Engineer" in upcoming
        assert "SRE" not in upcoming


class TestContacts:
    def test_it_adds_edits_and_removes_a_contact(self, alice_client, alice_app):
        added = alice_client.post(reverse("contact_add", args=[alice_app.pk]), {
            "contact-name": "Peter Gibbons", "contact-role": "Recruiter", "contact-email": "peter@initech.example",
            "contact-phone": "+1 (512) 555-0100", "contact-profile_url": "https://linkedin.example/in/peter",
        })
        assert added.status_code == 302
        page = alice_client.get(alice_app.get_absolute_url()).content.decode()
        assert "Peter Gibbons" in page and 'href="mailto:peter@initech.example"' in page

        contact = Contact.objects.get()
        alice_client.post(reverse("contact_edit", args=[contact.pk]), {"name": "Peter Gibbons", "role": "Hiring manager"})
        contact.refresh_from_db()
        assert contact.role == "Hiring manager" and contact.email == ""

        alice_client.post(reverse("contact_delete", args=[contact.pk]))
        assert not Contact.objects.exists()

    @pytest.mark.parametrize(("field", "value", "message"), [
        ("contact-email", "not-an-email", "Enter a valid email address."),
        ("contact-phone", "call me maybe", "digits, spaces"),
        ("contact-name", "", "This field is required."),
    ])
    def test_it_refuses_a_bad_contact_with_a_message(self, alice_client, alice_app, field, value, message):
        data = {"contact-name": "Peter", field: value}

        response = alice_client.post(reverse("contact_add", args=[alice_app.pk]), data)

        assert response.status_code == 400 and message in response.content.decode()
        assert not Contact.objects.exists()


def test_deleting_an_application_keeps_a_log_row_per_deletion(alice, alice_client):
    apps = [application_create(user=alice, company_name=f"Co {i}", title="Dev") for i in range(3)]
    for application in apps:
        alice_client.post(reverse("application_delete", args=[application.pk]))

    assert ApplicationDeletion.objects.filter(user=alice).count() == 3
    assert not Application.objects.filter(user=alice).exists()
