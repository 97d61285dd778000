from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import NOTE_MAX_CHARS, Application, ApplicationEvent, Status
from applications.services import application_add_note, application_change_status, application_create
from applications.tests.pages import board_cards, table_titles

pytestmark = pytest.mark.django_db
Kind = ApplicationEvent.Kind


def titles(response) -> list[str]:
    return table_titles(response)


class TestTable:
    @pytest.fixture
    def pipeline(self, alice):
        hooli = application_create(user=alice, company_name="Hooli", title="Search Engineer")
        initech = application_create(user=alice, company_name="Initech", title="TPS Analyst")
        globex = application_create(user=alice, company_name="Globex", title="Data Engineer")
        application_change_status(application=initech, to_status=Status.APPLIED, by=alice)
        application_add_note(application=globex, text="Met Hank at the meetup", by=alice)
        Application.objects.filter(pk=hooli.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
        return hooli, initech, globex

    def test_it_lists_by_last_change_newest_first(self, alice_client, pipeline):
        response = alice_client.get(reverse("application_list"))
        assert titles(response) == ["Data Engineer", "TPS Analyst", "Search Engineer"]

    @pytest.mark.parametrize(("query", "expected"), [
        ({"status": "applied"}, ["TPS Analyst"]),
        ({"company": "hoo"}, ["Search Engineer"]),
        ({"q": "hank"}, ["Data Engineer"]),
        ({"q": "engineer", "sort": "company"}, ["Data Engineer", "Search Engineer"]),
        ({"sort": "title"}, ["Data Engineer", "Search Engineer", "TPS Analyst"]),
        ({"date_field": "created", "until": (timezone.localdate() - dt.timedelta(days=30)).isoformat()}, ["Search Engineer"]),
        ({"date_field": "created", "since": (timezone.localdate() - dt.timedelta(days=1)).isoformat(), "sort": "title"},
         ["Data Engineer", "TPS Analyst"]),
        ({"date_field": "applied", "since": "2000-01-01"}, ["TPS Analyst"]),
    ])
    def test_it_filters_and_sorts(self, alice_client, pipeline, query, expected):
        assert titles(alice_client.get(reverse("application_list"), query)) == expected

    def test_it_shows_a_bad_filter_as_an_error_and_applies_the_others(self, alice_client, pipeline):
        response = alice_client.get(reverse("application_list"), {"since": "31/31/2026", "status": "bogus", "company": "Init"})

        assert response.status_code == 200
        assert titles(response) == ["TPS Analyst"]
        assert "Enter a valid date." in response.content.decode()
        assert "Select a valid choice" in response.content.decode()

    def test_it_pages_long_lists_keeping_the_filters(self, alice_client, alice):
        from applications.tests.factories import make_applications
        from applications.views import TABLE_PAGE_SIZE

        make_applications(alice, TABLE_PAGE_SIZE + 7, events_each=1)
        response = alice_client.get(reverse("application_list"), {"company": "Company", "page": "2"})

        assert len(response.context["page"].object_list) == 7
        assert "company=Company&amp;page=1" in response.content.decode()


class TestRowsThatLeaveNamesToThePosting:
    """Bulk-written rows (demo data) may leave company and title blank and rely on the posting."""

    @pytest.fixture
    def bare(self, alice, job):
        return Application.objects.create(user=alice, job=job, status=Status.APPLIED)

    def test_filters_and_sorts_use_the_postings_names(self, alice_client, alice, bare):
        application_create(user=alice, company_name="Zeta", title="Analyst")

        assert titles(alice_client.get(reverse("application_list"), {"company": "acm"})) == ["Backend Engineer"]
        assert titles(alice_client.get(reverse("application_list"), {"q": "backend"})) == ["Backend Engineer"]
        assert titles(alice_client.get(reverse("application_list"), {"sort": "company"})) == ["Backend Engineer", "Analyst"]

    def test_a_hand_entered_twin_is_recognised(self, alice_client, alice, bare):
        warned = alice_client.post(reverse("application_new"), {"company_name": "acme", "title": "Backend engineer", "status": "saved"})
        assert "You already track 1 application" in warned.content.decode()

    def test_the_export_names_them(self, alice_client, bare):
        body = b"".join(alice_client.get(reverse("application_export")).streaming_content).decode()
        assert ",Acme,Backend Engineer," in body


class TestBoard:
    def test_it_shows_a_column_per_status_with_counts(self, alice_client, alice, alice_app):
        application_create(user=alice, company_name="Hooli", title="SRE", status=Status.APPLIED)
        response = alice_client.get(reverse("application_board"))

        columns = {c["status"]: c for c in response.context["columns"]}
        assert list(columns) == Status.values
        assert board_cards(response)["saved"] == [alice_app.pk]
        assert columns["applied"]["count"] == 1

    def test_it_caps_each_column_and_says_how_many_more(self, alice_client, alice):
        from applications.selectors import BOARD_COLUMN_LIMIT
        from applications.tests.factories import make_applications

        make_applications(alice, BOARD_COLUMN_LIMIT + 5, events_each=1)
        response = alice_client.get(reverse("application_board"))
        applied = {c["status"]: c for c in response.context["columns"]}["applied"]

        assert (len(board_cards(response)["applied"]), applied["count"], applied["hidden"]) == (BOARD_COLUMN_LIMIT, BOARD_COLUMN_LIMIT + 5, 5)

    def test_a_plain_form_moves_a_card_and_returns_to_the_board(self, alice_client, alice_app):
        response = alice_client.post(reverse("application_change_status", args=[alice_app.pk]),
                                     {"to_status": "applied", "next": "board"})

        assert response.status_code == 302
        # Back to the board, which then offers to undo this move.
        assert response.url == f"{reverse('application_board')}?moved={alice_app.pk}"
        assert Application.objects.get(pk=alice_app.pk).status == Status.APPLIED

    def test_htmx_moves_a_card_and_gets_the_board_fragment_back(self, alice_client, alice_app):
        response = alice_client.post(reverse("application_change_status", args=[alice_app.pk]),
                                     {"to_status": "applied", "next": "board"}, HTTP_HX_REQUEST="true")

        assert response.status_code == 200
        names = [t.name for t in response.templates]
        assert "applications/_board.html" in names and "base.html" not in names
        body = response.content.decode()
        assert body.lstrip().startswith('<div id="board"')
        assert "Moved Platform Engineer to applied." in body
        assert Application.objects.get(pk=alice_app.pk).status == Status.APPLIED

    def test_htmx_shows_why_a_move_is_refused_and_changes_nothing(self, alice_client, alice_app):
        response = alice_client.post(reverse("application_change_status", args=[alice_app.pk]),
                                     {"to_status": "offer", "next": "board"}, HTTP_HX_REQUEST="true")

        assert response.status_code == 422
        assert "cannot move to offer" in response.content.decode()
        assert Application.objects.get(pk=alice_app.pk).status == Status.SAVED

    def test_a_plain_refused_move_answers_400_on_the_board(self, alice_client, alice_app):
        response = alice_client.post(reverse("application_change_status", args=[alice_app.pk]),
                                     {"to_status": "hired", "next": "board"})

        assert response.status_code == 400
        assert "“hired” is not a status." in response.content.decode()


class TestDetail:
    def test_it_shows_the_timeline_in_order(self, alice_client, alice, alice_app):
        application_change_status(application=alice_app, to_status=Status.APPLIED, by=alice)
        application_add_note(application=alice_app, text="Phone screen on Monday", by=alice)

        response = alice_client.get(reverse("application_detail", args=[alice_app.pk]))

        assert [e.kind for e in response.context["events"]] == [Kind.CREATED, Kind.STATUS_CHANGED, Kind.NOTE_ADDED]
        body = response.content.decode()
        assert body.index("Added as") < body.index("Phone screen on Monday")

    def test_it_changes_status_and_redirects_back(self, alice_client, alice_app):
        response = alice_client.post(reverse("application_change_status", args=[alice_app.pk]), {"to_status": "applied"})

        assert response.status_code == 302 and response.url == alice_app.get_absolute_url()
        assert Application.objects.get(pk=alice_app.pk).status == Status.APPLIED

    @pytest.mark.parametrize(("status", "message"), [
        ("offer", "An application that is saved cannot move to offer; it can move to applied, interviewing, withdrawn."),
        ("hired", "“hired” is not a status."),
        ("", "Choose a status to move to."),
    ])
    def test_it_refuses_a_bad_status_with_a_message(self, alice_client, alice_app, status, message):
        response = alice_client.post(reverse("application_change_status", args=[alice_app.pk]), {"to_status": status})

        assert response.status_code == 400
        assert message in response.content.decode()
        assert Application.objects.get(pk=alice_app.pk).status == Status.SAVED

    def test_it_adds_a_note(self, alice_client, alice_app):
        response = alice_client.post(reverse("application_add_note", args=[alice_app.pk]), {"text": "Sent thank-you email"})

        assert response.status_code == 302
        assert alice_app.events.filter(kind=Kind.NOTE_ADDED, note="Sent thank-you email").exists()

    def test_it_refuses_a_megabyte_of_notes_with_the_limit_and_keeps_what_was_there(self, alice_client, alice, alice_app):
        application_add_note(application=alice_app, text="Keep me", by=alice)

        response = alice_client.post(reverse("application_add_note", args=[alice_app.pk]), {"text": "x" * 1_048_576})

        assert response.status_code == 400
        assert f"A note can be at most {NOTE_MAX_CHARS:,} characters; this one has 1,048,576." in response.content.decode()
        assert Application.objects.get(pk=alice_app.pk).notes == "Keep me"

    def test_it_sets_the_follow_up_date(self, alice_client, alice_app):
        response = alice_client.post(reverse("application_set_follow_up", args=[alice_app.pk]), {"next_follow_up": "2026-12-01"})

        assert response.status_code == 302
        assert Application.objects.get(pk=alice_app.pk).next_follow_up == dt.date(2026, 12, 1)

    def test_it_refuses_a_malformed_follow_up_date(self, alice_client, alice, alice_app):
        from applications.services import application_set_follow_up

        application_set_follow_up(application=alice_app, on=dt.date(2026, 5, 5), by=alice)
        response = alice_client.post(reverse("application_set_follow_up", args=[alice_app.pk]), {"next_follow_up": "2026-02-30"})

        assert response.status_code == 400
        assert "Enter a date like 2026-03-31." in response.content.decode()
        assert Application.objects.get(pk=alice_app.pk).next_follow_up == dt.date(2026, 5, 5)

    def test_it_warns_when_the_same_company_and_title_is_tracked_twice(self, alice_client, alice, alice_app):
        twin = application_create(user=alice, company_name="initech", title="platform engineer")
        response = alice_client.get(reverse("application_detail", args=[twin.pk]))

        assert list(response.context["similar"]) == [alice_app]
        assert "You track the same company and title more than once" in response.content.decode()


class TestTrack:
    def test_it_tracks_a_posting_as_saved_and_opens_it(self, alice_client, alice, job):
        response = alice_client.post(reverse("application_track", args=[job.pk]), follow=True)

        application = Application.objects.get(user=alice, job=job)
        assert application.status == Status.SAVED
        assert response.redirect_chain[-1][0] == application.get_absolute_url()
        assert "Tracking Backend Engineer at Acme." in response.content.decode()

    def test_it_warns_and_opens_the_existing_one_when_tracked_twice(self, alice_client, alice, job):
        first = application_create(user=alice, job=job)
        application_change_status(application=first, to_status=Status.APPLIED, by=alice)

        response = alice_client.post(reverse("application_track", args=[job.pk]), follow=True)

        assert response.redirect_chain[-1][0] == first.get_absolute_url()
        assert "You already track this posting; it is applied." in response.content.decode()
        assert Application.objects.filter(user=alice).count() == 1

    def test_it_warns_when_a_hand_entered_twin_exists(self, alice_client, alice, job):
        application_create(user=alice, company_name="ACME", title="backend engineer")

        response = alice_client.post(reverse("application_track", args=[job.pk]), follow=True)

        assert "same company and title" in response.content.decode()
        assert Application.objects.filter(user=alice).count() == 2

    def test_get_asks_before_tracking(self, alice_client, job):
        response = alice_client.get(reverse("application_track", args=[job.pk]))

        assert response.status_code == 200
        assert "Track this job" in response.content.decode()
        assert not Application.objects.exists()

    def test_it_answers_404_for_an_unknown_posting(self, alice_client):
        assert alice_client.post(reverse("application_track", args=[999999])).status_code == 404


class TestManualEntry:
    def test_it_adds_an_application_by_hand(self, alice_client, alice):
        response = alice_client.post(reverse("application_new"), {
            "company_name": "Hooli", "title": "SRE", "url": "https://hooli.example/jobs/9", "status": "applied",
        })

        application = Application.objects.get(user=alice)
        assert response.url == application.get_absolute_url()
        assert (application.company_name, application.status, application.job) == ("Hooli", Status.APPLIED, None)

    def test_it_warns_about_a_duplicate_and_adds_it_only_when_confirmed(self, alice_client, alice, alice_app):
        data = {"company_name": "INITECH", "title": "platform engineer", "status": "saved"}

        warned = alice_client.post(reverse("application_new"), data)
        assert warned.status_code == 200
        assert "You already track 1 application with this company and title" in warned.content.decode()
        assert 'name="confirm_duplicate" value="1"' in warned.content.decode()
        assert Application.objects.filter(user=alice).count() == 1

        alice_client.post(reverse("application_new"), {**data, "confirm_duplicate": "1"})
        assert Application.objects.filter(user=alice).count() == 2

    @pytest.mark.parametrize(("data", "message"), [
        ({"company_name": "", "title": "SRE", "status": "saved"}, "This field is required."),
        ({"company_name": "Hooli", "title": "SRE", "status": "hired"}, "Select a valid choice"),
        ({"company_name": "Hooli", "title": "SRE", "status": "saved", "url": "not a url at all"}, "Enter a valid URL."),
    ])
    def test_it_refuses_bad_input_with_form_errors(self, alice_client, data, message):
        response = alice_client.post(reverse("application_new"), data)

        assert response.status_code == 400
        assert message in response.content.decode()
        assert not Application.objects.exists()
