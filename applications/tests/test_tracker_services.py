"""Edit, archive, delete, undo and reopen: the rules, written once in applications/services.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from applications.models import Application, ApplicationDeletion, ApplicationEvent, Contact, Interview, Status
from applications.services import (
    IllegalTransition,
    InvalidInput,
    application_archive,
    application_change_status,
    application_create,
    application_delete,
    application_reopen,
    application_set_follow_up,
    application_unarchive,
    application_undo_status_change,
    application_update,
    contact_add,
    interview_schedule,
)

pytestmark = pytest.mark.django_db
Kind = ApplicationEvent.Kind


def timeline(application) -> list[tuple[str, str, str]]:
    return list(application.events.order_by("created_at", "id").values_list("kind", "from_status", "to_status"))


def walk(application, *statuses, by):
    for status in statuses:
        application_change_status(application=application, to_status=status, by=by)
    return application


class TestEdit:
    def test_it_edits_the_details_and_the_timeline_keeps_the_old_values(self, alice, alice_app):
        application_update(
            application=alice_app, by=alice, title="Staff Platform Engineer", location="Berlin (hybrid)",
            salary_min=85000, salary_max=95000, salary_currency="eur",
        )

        stored = Application.objects.get(pk=alice_app.pk)
        assert (stored.title, stored.location, stored.display_salary) == ("Staff Platform Engineer", "Berlin (hybrid)", "EUR 85,000–95,000")
        edit = stored.events.get(kind=Kind.EDITED)
        assert edit.detail["changes"]["title"] == ["Platform Engineer", "Staff Platform Engineer"]
        assert edit.detail["changes"]["salary_currency"] == ["", "EUR"]
        assert edit.actor == alice

    def test_an_edit_that_changes_nothing_writes_nothing(self, alice, alice_app):
        before = alice_app.updated_at

        application_update(application=alice_app, by=alice, title="Platform Engineer", company_name="Initech")

        assert Application.objects.get(pk=alice_app.pk).updated_at == before
        assert not alice_app.events.filter(kind=Kind.EDITED).exists()

    @pytest.mark.parametrize(("fields", "field", "fragment"), [
        ({"title": "  "}, "title", "title is required"),
        ({"company_name": ""}, "company_name", "company name is required"),
        ({"url": "javascript:alert(1)"}, "url", "not a web address"),
        ({"salary_min": 90000, "salary_max": 80000, "salary_currency": "EUR"}, "salary_min", "runs backwards"),
        ({"salary_min": 90000}, "salary_currency", "which currency"),
        ({"salary_min": 1, "salary_currency": "EURO"}, "salary_currency", "three-letter"),
        ({"salary_max": -5, "salary_currency": "EUR"}, "salary_max", "between 0"),
        ({"location": "x" * 201}, "location", "at most 200"),
        ({"status": "offer"}, None, "cannot be edited here"),
    ])
    def test_it_refuses_bad_details_and_changes_nothing(self, alice, alice_app, fields, field, fragment):
        with pytest.raises(InvalidInput) as refused:
            application_update(application=alice_app, by=alice, **fields)

        assert fragment in refused.value.message and refused.value.field == field
        stored = Application.objects.get(pk=alice_app.pk)
        assert (stored.title, stored.salary_min, stored.status, stored.events.count()) == ("Platform Engineer", None, "saved", 1)

    def test_a_posting_salary_shows_until_the_seeker_enters_one(self, alice, job):
        job.salary_min, job.salary_max, job.salary_currency = 70000, 80000, "USD"
        job.save()
        application = application_create(user=alice, job=job)

        assert Application.objects.select_related("job").get(pk=application.pk).display_salary == "USD 70,000–80,000"
        application_update(application=application, by=alice, salary_min=75000, salary_max=75000, salary_currency="USD")
        assert Application.objects.get(pk=application.pk).display_salary == "USD 75,000"


class TestArchive:
    def test_it_archives_and_unarchives_with_an_event_each(self, alice, alice_app):
        application_archive(application=alice_app, by=alice)
        assert Application.objects.get(pk=alice_app.pk).is_archived
        assert Application.objects.of(alice).active().count() == 0

        application_unarchive(application=alice_app, by=alice)

        assert not Application.objects.get(pk=alice_app.pk).is_archived
        assert [kind for kind, _, _ in timeline(alice_app)] == [Kind.CREATED, Kind.ARCHIVED, Kind.UNARCHIVED]

    def test_archiving_twice_is_one_change(self, alice, alice_app):
        application_archive(application=alice_app, by=alice)
        application_archive(application=alice_app, by=alice)

        assert alice_app.events.filter(kind=Kind.ARCHIVED).count() == 1

    def test_it_announces_the_change_after_commit(self, alice, alice_app, django_capture_on_commit_callbacks):
        from applications.signals import application_changed

        heard = []
        application_changed.connect(receiver := lambda sender, user_id, **kw: heard.append(user_id))
        try:
            with django_capture_on_commit_callbacks(execute=True):
                application_archive(application=alice_app, by=alice)
        finally:
            application_changed.disconnect(receiver)
        assert heard == [alice.pk]


class TestDelete:
    def test_it_removes_the_application_its_events_interviews_and_contacts_and_logs_it_for_the_owner(self, alice, alice_app):
        walk(alice_app, "applied", by=alice)
        interview_schedule(application=alice_app, by=alice, starts_at=timezone.now() + dt.timedelta(days=1))
        contact_add(application=alice_app, by=alice, name="Peter")
        pk = alice_app.pk

        log = application_delete(application=alice_app, by=alice)

        assert not Application.objects.filter(pk=pk).exists()
        assert not ApplicationEvent.objects.filter(application_id=pk).exists()
        assert not Interview.objects.exists() and not Contact.objects.exists()
        stored = ApplicationDeletion.objects.get()
        assert stored == log
        assert (stored.user, stored.application_id, stored.title, stored.company_name, stored.status) == (
            alice, pk, "Platform Engineer", "Initech", "applied")
        assert (stored.events, stored.interviews, stored.contacts) == (2, 1, 1)

    def test_a_second_delete_is_a_404(self, alice, alice_app):
        stale = Application.objects.get(pk=alice_app.pk)
        application_delete(application=alice_app, by=alice)

        with pytest.raises(Http404):
            application_delete(application=stale, by=alice)
        assert ApplicationDeletion.objects.count() == 1


class TestUndo:
    def test_it_restores_the_previous_status_and_dates_and_both_events_stay(self, alice, alice_app):
        walk(alice_app, "applied", "interviewing", by=alice)
        before = Application.objects.get(pk=alice_app.pk)
        walk(alice_app, "offer", by=alice)

        event = application_undo_status_change(application=alice_app, by=alice)

        stored = Application.objects.get(pk=alice_app.pk)
        assert stored.status == Status.INTERVIEWING
        assert (stored.applied_at, stored.interview_at, stored.offer_at) == (before.applied_at, before.interview_at, None)
        assert timeline(alice_app)[-2:] == [
            (Kind.STATUS_CHANGED, "interviewing", "offer"), (Kind.STATUS_UNDONE, "offer", "interviewing"),
        ]
        change = alice_app.events.get(kind=Kind.STATUS_CHANGED, to_status="offer")
        assert event.detail["undoes"] == change.pk and event.actor == alice

    def test_undoing_a_close_restores_what_the_close_replaced(self, alice, alice_app):
        walk(alice_app, "applied", "rejected", by=alice)
        assert Application.objects.get(pk=alice_app.pk).closed_at is not None

        application_undo_status_change(application=alice_app, by=alice)

        assert Application.objects.get(pk=alice_app.pk).closed_at is None
        assert Application.objects.get(pk=alice_app.pk).status == Status.APPLIED

    def test_undoing_a_reopen_puts_back_the_original_closing_date(self, alice, alice_app):
        walk(alice_app, "applied", "ghosted", by=alice)
        closed_at = Application.objects.get(pk=alice_app.pk).closed_at
        walk(alice_app, "interviewing", by=alice)

        application_undo_status_change(application=alice_app, by=alice)

        stored = Application.objects.get(pk=alice_app.pk)
        assert (stored.status, stored.closed_at) == (Status.GHOSTED, closed_at)

    def test_it_undoes_a_change_written_before_changes_kept_what_they_replaced(self, alice, alice_app):
        """The ghosting job (and every change before this release) stamps its moment and keeps no detail."""
        walk(alice_app, "applied", by=alice)
        moment = timezone.now()
        Application.objects.filter(pk=alice_app.pk).update(status="ghosted", closed_at=moment, updated_at=moment)
        ApplicationEvent.objects.create(application=alice_app, kind=Kind.STATUS_CHANGED, from_status="applied",
                                        to_status="ghosted", created_at=moment)

        application_undo_status_change(application=alice_app, by=alice)

        stored = Application.objects.get(pk=alice_app.pk)
        assert (stored.status, stored.closed_at) == (Status.APPLIED, None)

    def test_there_is_nothing_to_undo_on_a_new_application_or_right_after_an_undo(self, alice, alice_app):
        with pytest.raises(IllegalTransition, match="no status change to undo"):
            application_undo_status_change(application=alice_app, by=alice)
        walk(alice_app, "applied", by=alice)
        application_undo_status_change(application=alice_app, by=alice)

        with pytest.raises(IllegalTransition, match="no status change to undo"):
            application_undo_status_change(application=alice_app, by=alice)
        assert Application.objects.get(pk=alice_app.pk).status == Status.SAVED

    def test_it_refuses_to_undo_a_change_that_is_no_longer_the_last(self, alice, alice_app):
        walk(alice_app, "applied", by=alice)
        offered = alice_app.events.get(to_status="applied").pk
        walk(alice_app, "interviewing", by=alice)  # in another tab, after the board offered the undo

        with pytest.raises(IllegalTransition, match="changed again"):
            application_undo_status_change(application=alice_app, by=alice, change_id=offered)
        assert Application.objects.get(pk=alice_app.pk).status == Status.INTERVIEWING

    def test_an_undone_application_moves_on_normally(self, alice, alice_app):
        walk(alice_app, "applied", "offer", by=alice)
        application_undo_status_change(application=alice_app, by=alice)

        walk(alice_app, "interviewing", by=alice)

        assert Application.objects.get(pk=alice_app.pk).status == Status.INTERVIEWING


class TestReopen:
    @pytest.mark.parametrize(("path", "to"), [(("applied", "rejected"), "interviewing"),
                                              (("applied", "offer", "accepted"), "offer")])
    def test_it_reopens_rejected_and_accepted_with_the_reason_on_the_timeline(self, alice, alice_app, path, to):
        walk(alice_app, *path, by=alice)

        application_reopen(application=alice_app, to_status=to, reason="The hiring manager came back", by=alice)

        stored = Application.objects.get(pk=alice_app.pk)
        assert (stored.status, stored.closed_at, stored.is_closed) == (to, None, False)
        event = stored.events.order_by("-created_at", "-id").first()
        assert (event.kind, event.from_status, event.to_status, event.note) == (
            Kind.STATUS_CHANGED, path[-1], to, "The hiring manager came back")
        assert event.detail["reopened"] is True

    def test_a_reopen_needs_a_reason(self, alice, alice_app):
        walk(alice_app, "applied", "rejected", by=alice)

        with pytest.raises(InvalidInput, match="why it reopens"):
            application_reopen(application=alice_app, to_status="interviewing", reason="  ", by=alice)
        assert Application.objects.get(pk=alice_app.pk).status == Status.REJECTED

    def test_rejected_stays_final_for_an_ordinary_move(self, alice, alice_app):
        walk(alice_app, "applied", "rejected", by=alice)

        with pytest.raises(IllegalTransition, match="rejected is final"):
            application_change_status(application=alice_app, to_status="interviewing", by=alice)

    @pytest.mark.parametrize(("path", "to", "fragment"), [
        (("applied",), "interviewing", "Only a rejected or accepted"),
        (("applied", "rejected"), "saved", "reopens as applied, interviewing, offer"),
    ])
    def test_it_refuses_a_reopen_that_does_not_fit(self, alice, alice_app, path, to, fragment):
        walk(alice_app, *path, by=alice)

        with pytest.raises(IllegalTransition, match=fragment):
            application_reopen(application=alice_app, to_status=to, reason="because", by=alice)


class TestPipelineRules:
    def test_a_recruiter_call_moves_a_saved_application_straight_to_interviewing(self, alice, alice_app):
        walk(alice_app, "interviewing", by=alice)

        stored = Application.objects.get(pk=alice_app.pk)
        assert (stored.status, stored.applied_at is None, stored.interview_at is not None) == ("interviewing", True, True)

    @pytest.mark.parametrize("closing", ["rejected", "withdrawn", "ghosted", "accepted"])
    def test_a_closed_application_takes_no_follow_up_until_reopened(self, alice, alice_app, closing):
        path = {"rejected": ("applied", "rejected"), "withdrawn": ("withdrawn",), "ghosted": ("applied", "ghosted"),
                "accepted": ("applied", "offer", "accepted")}[closing]
        walk(alice_app, *path, by=alice)
        article = "An" if closing == "accepted" else "A"

        with pytest.raises(IllegalTransition, match=f"^{article} {closing} application takes no follow-up"):
            application_set_follow_up(application=alice_app, on=dt.date(2026, 12, 1), by=alice)
        with pytest.raises(IllegalTransition, match="takes no follow-up"):
            application_update(application=alice_app, by=alice, next_follow_up=dt.date(2026, 12, 1))
        assert Application.objects.get(pk=alice_app.pk).next_follow_up is None

    def test_a_reopened_application_takes_a_follow_up_again_and_any_can_be_cleared(self, alice, alice_app):
        application_set_follow_up(application=alice_app, on=dt.date(2026, 12, 1), by=alice)
        walk(alice_app, "applied", "rejected", by=alice)
        application_set_follow_up(application=alice_app, on=None, by=alice)  # clearing is always allowed

        application_reopen(application=alice_app, to_status="interviewing", reason="Second chance", by=alice)
        application_set_follow_up(application=alice_app, on=dt.date(2026, 12, 2), by=alice)

        assert Application.objects.get(pk=alice_app.pk).next_follow_up == dt.date(2026, 12, 2)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_an_undo_waits_for_a_concurrent_move_and_then_refuses_the_stale_change(alice):
    """The application row is locked: the undo sees the move that committed while it waited."""
    import threading

    from django.db import connections, transaction

    application = application_create(user=alice, company_name="Initech", title="SRE")
    walk(application, "applied", by=alice)
    offered = application.events.get(to_status="applied").pk
    moved, outcome = threading.Event(), {}

    def move_in_another_transaction():
        with transaction.atomic():
            Application.objects.select_for_update().get(pk=application.pk)
            moved.set()
            threading.Event().wait(0.3)
            application_change_status(application=application, to_status="interviewing", by=alice)
        connections.close_all()

    mover = threading.Thread(target=move_in_another_transaction)
    mover.start()
    moved.wait(5)
    try:
        application_undo_status_change(application=application, by=alice, change_id=offered)
    except IllegalTransition as exc:
        outcome["refused"] = exc.message
    mover.join(5)

    assert "changed again" in outcome["refused"]
    assert Application.objects.get(pk=application.pk).status == Status.INTERVIEWING


def test_similar_applications_match_own_names_and_the_postings_for_rows_that_left_them_blank(alice, bob, job):
    from applications.selectors import similar_applications

    typed = application_create(user=alice, company_name="ACME", title="backend engineer")
    bulk = Application.objects.create(user=alice, job=job)  # written in bulk: names only on the posting
    half = Application.objects.create(user=alice, job=job.__class__.objects.create(
        company=job.company, title="Other", external_id="x-2"), title="Backend Engineer")
    application_create(user=bob, company_name="Acme", title="Backend Engineer")
    application_create(user=alice, company_name="Acme", title="Frontend Engineer")

    found = similar_applications(alice, company_name=" Acme ", title="Backend Engineer", exclude_pk=None)

    assert set(found) == {typed, bulk, half}
