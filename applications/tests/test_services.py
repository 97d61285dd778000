from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from applications.cache import ScheduleBump
from applications.models import ALLOWED_TRANSITIONS, NOTE_MAX_CHARS, NOTES_MAX_CHARS, Application, ApplicationEvent, Status
from applications.services import (
    AlreadyTracked,
    IllegalTransition,
    InvalidInput,
    application_add_note,
    application_change_status,
    application_create,
    application_set_follow_up,
    application_update,
)

pytestmark = pytest.mark.django_db
Kind = ApplicationEvent.Kind


def status_chain(application) -> list[tuple[str, str]]:
    return list(
        application.events.filter(kind=Kind.STATUS_CHANGED).order_by("created_at", "id").values_list("from_status", "to_status")
    )


class TestCreate:
    def test_it_tracks_a_posting_as_saved_with_a_created_event(self, alice, job):
        application = application_create(user=alice, job=job)

        assert application.status == Status.SAVED
        assert (application.company_name, application.title) == ("Acme", "Backend Engineer")
        event = application.events.get()
        assert (event.kind, event.to_status, event.actor) == (Kind.CREATED, Status.SAVED, alice)

    def test_it_keeps_the_postings_company_and_title_when_the_posting_is_deleted(self, alice, job):
        application = application_create(user=alice, job=job)
        job.delete()

        application.refresh_from_db()
        assert application.job is None
        assert (application.display_company, application.display_title) == ("Acme", "Backend Engineer")

    def test_it_refuses_to_track_the_same_posting_twice_and_names_the_existing_one(self, alice, job):
        first = application_create(user=alice, job=job)

        with pytest.raises(AlreadyTracked) as refused:
            application_create(user=alice, job=job)

        assert refused.value.application == first
        assert "already track" in refused.value.message
        assert Application.objects.count() == 1

    def test_it_lets_two_seekers_track_the_same_posting(self, alice, bob, job):
        application_create(user=alice, job=job)
        application_create(user=bob, job=job)
        assert Application.objects.filter(job=job).count() == 2

    def test_it_adds_a_manual_application_in_the_status_given_with_its_date(self, alice):
        application = application_create(user=alice, company_name=" Initech ", title="SRE", status=Status.APPLIED,
                                          url="https://initech.example/sre")

        assert (application.company_name, application.status) == ("Initech", Status.APPLIED)
        assert application.applied_at is not None
        assert application.events.get().to_status == Status.APPLIED

    @pytest.mark.parametrize(("kwargs", "message"), [
        ({"company_name": "", "title": "SRE"}, "company name is required"),
        ({"company_name": "Initech", "title": "  "}, "title is required"),
        ({"company_name": "I" * 201, "title": "SRE"}, "at most 200 characters"),
        ({"company_name": "Initech", "title": "SRE", "url": "javascript:alert(1)"}, "not a web address"),
        ({"company_name": "Initech", "title": "SRE", "status": "hired"}, "“hired” is not a status"),
    ])
    def test_it_refuses_bad_manual_input_with_a_message(self, alice, kwargs, message):
        with pytest.raises(InvalidInput, match=message):
            application_create(user=alice, **kwargs)
        assert not Application.objects.exists()


class TestChangeStatus:
    def test_it_writes_the_status_its_date_and_an_event_from_to_with_the_actor(self, alice, alice_app):
        application_change_status(application=alice_app, to_status=Status.APPLIED, by=alice)

        stored = Application.objects.get(pk=alice_app.pk)
        assert stored.status == alice_app.status == Status.APPLIED
        assert stored.applied_at is not None
        event = stored.events.get(kind=Kind.STATUS_CHANGED)
        assert (event.from_status, event.to_status, event.actor) == (Status.SAVED, Status.APPLIED, alice)
        assert stored.updated_at == event.created_at

    def test_it_stamps_each_stage_date_and_closes(self, alice, alice_app):
        for status in (Status.APPLIED, Status.INTERVIEWING, Status.OFFER, Status.ACCEPTED):
            application_change_status(application=alice_app, to_status=status, by=alice)

        stored = Application.objects.get(pk=alice_app.pk)
        assert stored.applied_at <= stored.interview_at <= stored.offer_at <= stored.closed_at
        assert status_chain(stored) == [
            ("saved", "applied"), ("applied", "interviewing"), ("interviewing", "offer"), ("offer", "accepted"),
        ]

    def test_it_keeps_the_first_interview_date_and_clears_closed_when_a_ghost_writes_back(self, alice, alice_app):
        for status in (Status.APPLIED, Status.INTERVIEWING, Status.GHOSTED):
            application_change_status(application=alice_app, to_status=status, by=alice)
        first_interview = alice_app.interview_at
        assert alice_app.closed_at is not None

        application_change_status(application=alice_app, to_status=Status.INTERVIEWING, by=alice)

        stored = Application.objects.get(pk=alice_app.pk)
        assert stored.interview_at == first_interview
        assert stored.closed_at is None

    def test_it_refuses_an_illegal_transition_saying_why_and_changes_nothing(self, alice, alice_app):
        with pytest.raises(IllegalTransition) as refused:
            application_change_status(application=alice_app, to_status=Status.OFFER, by=alice)

        assert refused.value.message == "An application that is saved cannot move to offer; it can move to applied, interviewing, withdrawn."
        assert Application.objects.get(pk=alice_app.pk).status == Status.SAVED
        assert not alice_app.events.filter(kind=Kind.STATUS_CHANGED).exists()

    def test_it_says_a_final_status_is_final(self, alice, alice_app):
        for status in (Status.APPLIED, Status.REJECTED):
            application_change_status(application=alice_app, to_status=status, by=alice)
        with pytest.raises(IllegalTransition, match="rejected is final"):
            application_change_status(application=alice_app, to_status=Status.APPLIED, by=alice)

    def test_it_refuses_a_move_to_the_same_status(self, alice, alice_app):
        with pytest.raises(IllegalTransition, match="already saved"):
            application_change_status(application=alice_app, to_status=Status.SAVED, by=alice)

    def test_it_refuses_an_unknown_status(self, alice, alice_app):
        with pytest.raises(InvalidInput, match="“hired” is not a status"):
            application_change_status(application=alice_app, to_status="hired", by=alice)

    def test_it_checks_the_transition_against_the_stored_status_not_a_stale_copy(self, alice, alice_app):
        stale = Application.objects.get(pk=alice_app.pk)
        application_change_status(application=alice_app, to_status=Status.WITHDRAWN, by=alice)

        # The stale copy still says "saved", from which "applied" would be legal.
        with pytest.raises(IllegalTransition, match="withdrawn cannot move to applied"):
            application_change_status(application=stale, to_status=Status.APPLIED, by=alice)

    def test_every_status_has_its_transitions_defined(self):
        assert set(ALLOWED_TRANSITIONS) == set(Status.values)
        assert all(targets <= set(Status.values) for targets in ALLOWED_TRANSITIONS.values())


class TestNotesAndFollowUp:
    def test_it_adds_a_note_to_the_timeline_and_the_notes(self, alice, alice_app):
        application_add_note(application=alice_app, text="Recruiter called", by=alice)
        application_add_note(application=alice_app, text="Sent portfolio", by=alice)

        stored = Application.objects.get(pk=alice_app.pk)
        assert stored.notes == "Recruiter called\n\nSent portfolio"
        assert list(stored.events.filter(kind=Kind.NOTE_ADDED).values_list("note", flat=True)) == [
            "Recruiter called", "Sent portfolio",
        ]

    def test_it_refuses_a_megabyte_note_with_the_limit_and_keeps_the_notes_it_had(self, alice, alice_app):
        application_add_note(application=alice_app, text="Keep me", by=alice)

        with pytest.raises(InvalidInput) as refused:
            application_add_note(application=alice_app, text="x" * 1_048_576, by=alice)

        assert refused.value.message.startswith(f"A note can be at most {NOTE_MAX_CHARS:,} characters; this one has 1,048,576.")
        assert Application.objects.get(pk=alice_app.pk).notes == "Keep me"

    def test_it_refuses_a_note_that_would_overflow_the_notes(self, alice, alice_app):
        application_update(application=alice_app, notes="n" * (NOTES_MAX_CHARS - 10), by=alice)

        with pytest.raises(InvalidInput, match="Nothing was saved"):
            application_add_note(application=alice_app, text="one more thing", by=alice)
        assert len(Application.objects.get(pk=alice_app.pk).notes) == NOTES_MAX_CHARS - 10

    def test_it_refuses_an_empty_note(self, alice, alice_app):
        with pytest.raises(InvalidInput, match="cannot be empty"):
            application_add_note(application=alice_app, text="   ", by=alice)

    def test_it_sets_and_clears_the_follow_up_with_an_event_each(self, alice, alice_app):
        application_set_follow_up(application=alice_app, on=dt.date(2026, 12, 1), by=alice)
        application_set_follow_up(application=alice_app, on=dt.date(2026, 12, 1), by=alice)  # no change, no event
        application_set_follow_up(application=alice_app, on=None, by=alice)

        assert Application.objects.get(pk=alice_app.pk).next_follow_up is None
        assert list(alice_app.events.filter(kind=Kind.FOLLOW_UP_SET).values_list("follow_up", flat=True)) == [
            dt.date(2026, 12, 1), None,
        ]

    def test_it_refuses_a_follow_up_that_is_not_a_date(self, alice, alice_app):
        with pytest.raises(InvalidInput, match="must be a date like 2026-03-31"):
            application_set_follow_up(application=alice_app, on="next tuesday", by=alice)


class TestUpdate:
    def test_it_replaces_notes_and_dates_and_keeps_the_old_notes_on_the_timeline(self, alice, alice_app):
        application_add_note(application=alice_app, text="first version", by=alice)
        applied = timezone.now() - dt.timedelta(days=3)

        application_update(application=alice_app, by=alice, notes="rewritten", applied_at=applied,
                           next_follow_up=dt.date(2026, 12, 24))

        stored = Application.objects.get(pk=alice_app.pk)
        assert (stored.notes, stored.applied_at, stored.next_follow_up) == ("rewritten", applied, dt.date(2026, 12, 24))
        assert list(stored.events.filter(kind=Kind.NOTE_ADDED).values_list("note", flat=True)) == ["first version", "rewritten"]
        assert stored.events.filter(kind=Kind.FOLLOW_UP_SET).count() == 1

    def test_it_refuses_the_status_and_the_owner(self, alice, bob, alice_app):
        with pytest.raises(InvalidInput, match="cannot be edited here: status, user"):
            application_update(application=alice_app, by=alice, status="offer", user=bob)


def refreshes(callbacks) -> list:
    """The after-commit callbacks other than the kept pages' bump (applications.cache.ScheduleBump)."""
    return [callback for callback in callbacks if not isinstance(callback, ScheduleBump)]


class TestAnalyticsAfterCommit:
    """Each change enqueues the analytics refresh once, and only if it commits."""

    def test_a_committed_change_enqueues_exactly_one_refresh(self, alice, alice_app, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks:
            application_change_status(application=alice_app, to_status=Status.APPLIED, by=alice)
        assert len(refreshes(callbacks)) == 1

    @pytest.mark.parametrize("change", ["create", "status", "note", "follow_up", "update"])
    def test_every_kind_of_change_enqueues_one_refresh(self, alice, alice_app, change, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks:
            {
                "create": lambda: application_create(user=alice, company_name="Hooli", title="SRE"),
                "status": lambda: application_change_status(application=alice_app, to_status=Status.APPLIED, by=alice),
                "note": lambda: application_add_note(application=alice_app, text="hello", by=alice),
                "follow_up": lambda: application_set_follow_up(application=alice_app, on=dt.date(2026, 1, 2), by=alice),
                "update": lambda: application_update(application=alice_app, by=alice, notes="rewritten"),
            }[change]()
        assert len(refreshes(callbacks)) == 1

    def test_a_rolled_back_change_enqueues_nothing(self, alice, alice_app, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                application_change_status(application=alice_app, to_status=Status.APPLIED, by=alice)
                raise RuntimeError("the surrounding work failed")
        assert callbacks == []
        assert Application.objects.get(pk=alice_app.pk).status == Status.SAVED

    def test_a_refused_change_enqueues_nothing(self, alice, alice_app, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(IllegalTransition):
            application_change_status(application=alice_app, to_status=Status.OFFER, by=alice)
        assert callbacks == []
