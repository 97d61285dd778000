"""Writes for applications. Keyword-only, atomic, and each announces the change after commit
(`applications.signals.application_changed`; analytics refreshes the seeker's figures on it).

Every refusal is an `ApplicationError` whose message is written for the seeker: views show it
as a form error, the API returns it with a 400 or 409.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import (
    ALLOWED_TRANSITIONS,
    CLOSED_STATUSES,
    NOTE_MAX_CHARS,
    NOTES_MAX_CHARS,
    STATUS_DATE_FIELD,
    Application,
    ApplicationEvent,
    Status,
)
from applications.signals import announce_change
from jobs import dates

Kind = ApplicationEvent.Kind
TEXT_MAX_CHARS = 200
URL_MAX_CHARS = 500


class ApplicationError(Exception):
    """A change refused for a reason the seeker can act on; str() is the message to show."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ApplicationError):
    pass


class IllegalTransition(ApplicationError):
    pass


class LimitReached(ApplicationError):
    """The account holds the most applications it may (settings.APPLICATIONS_PER_USER_MAX)."""


def _check_room(user, adding: int) -> None:
    limit = settings.APPLICATIONS_PER_USER_MAX
    held = Application.objects.of(user).count()
    if held + adding > limit:
        room = max(limit - held, 0)
        raise LimitReached(
            f"An account can hold at most {limit:,} applications; you have {held:,}"
            + (f", so {room:,} more fit." if adding > 1 else ".")
            + " Nothing was added."
        )


class AlreadyTracked(ApplicationError):
    """The seeker already tracks this posting; `application` is the one they have."""

    def __init__(self, application: Application):
        super().__init__(
            f"You already track this posting; it is {application.get_status_display().lower()}.", field="job"
        )
        self.application = application


def _label(status: str) -> str:
    return Status(status).label.lower()


def _check_status(status: str) -> str:
    if status not in Status.values:
        known = ", ".join(Status.values)
        raise InvalidInput(f"“{status}” is not a status. Use one of: {known}.", field="status")
    return status


def _check_text(value: str, *, name: str, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"The {name} is required.", field=name.replace(" ", "_"))
    if len(value) > TEXT_MAX_CHARS:
        raise InvalidInput(
            f"The {name} can be at most {TEXT_MAX_CHARS} characters (this one has {len(value):,}).",
            field=name.replace(" ", "_"),
        )
    return value


def _check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > URL_MAX_CHARS:
        raise InvalidInput(f"The link can be at most {URL_MAX_CHARS} characters.", field="url")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise InvalidInput(f"“{url[:80]}” is not a web address (it should start with https://).", field="url") from None
    return url


def _check_note(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("A note cannot be empty.", field="note")
    if len(text) > NOTE_MAX_CHARS:
        raise InvalidInput(
            f"A note can be at most {NOTE_MAX_CHARS:,} characters; this one has {len(text):,}. "
            "Keep long documents elsewhere and add a link to them here.",
            field="note",
        )
    return text


def _check_notes_total(notes: str) -> str:
    if len(notes) > NOTES_MAX_CHARS:
        raise InvalidInput(
            f"Notes can hold at most {NOTES_MAX_CHARS:,} characters in all; these would have {len(notes):,}. "
            "Nothing was saved.",
            field="notes",
        )
    return notes


def _check_date(value, *, name: str) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if value is None:
        return value
    if not isinstance(value, date):
        raise InvalidInput(f"The {name} must be a date like 2026-03-31.", field=name.replace(" ", "_"))
    if not dates.in_range(value):
        raise InvalidInput(f"The {name}: {dates.OUT_OF_RANGE}", field=name.replace(" ", "_"))
    return value


def _check_moment(value, *, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise InvalidInput(f"The {name} must be a date and time like 2026-03-31T09:00:00Z.", field=name)
    if not dates.in_range(value):
        raise InvalidInput(f"The {name}: {dates.OUT_OF_RANGE}", field=name)
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _locked(application: Application) -> Application:
    """The row, locked until the transaction ends, so concurrent changes queue up behind each other."""
    return Application.objects.select_for_update().get(pk=application.pk)


def _copy_back(target: Application, source: Application, fields: Iterable[str]) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


def _stamp_status_date(application: Application, status: str, now: datetime) -> list[str]:
    """Set the date the new status stands for; returns the fields written."""
    written = []
    date_field = STATUS_DATE_FIELD.get(status)
    if date_field == "closed_at":
        application.closed_at = now
        written.append("closed_at")
    elif date_field and getattr(application, date_field) is None:
        setattr(application, date_field, now)
        written.append(date_field)
    if status not in CLOSED_STATUSES and application.closed_at is not None:
        # Reopened (withdrawn → saved, ghosted → interviewing): no longer closed.
        application.closed_at = None
        written.append("closed_at")
    return written


def application_create(
    *,
    user,
    job=None,
    company_name: str = "",
    title: str = "",
    url: str = "",
    status: str = Status.SAVED,
) -> Application:
    """Track a posting from the catalogue (`job`) or record one entered by hand.

    A tracked posting's company and title are copied onto the application, so the seeker keeps
    them if the posting is later removed, and filters and sorts read one table.
    Raises AlreadyTracked for a posting the seeker already tracks.
    """
    _check_status(status)
    if job is not None:
        company_name, title = job.company.name, job.title
        url = _check_url(url or job.apply_url)
        existing = Application.objects.filter(user=user, job=job).first()
        if existing is not None:
            raise AlreadyTracked(existing)
    else:
        company_name = _check_text(company_name, name="company name", required=True)
        title = _check_text(title, name="title", required=True)
        url = _check_url(url)
    _check_room(user, 1)
    now = timezone.now()
    application = Application(
        user=user, job=job, company_name=company_name[:TEXT_MAX_CHARS], title=title[:TEXT_MAX_CHARS],
        url=url, status=status, created_at=now, updated_at=now,
    )
    _stamp_status_date(application, status, now)
    try:
        with transaction.atomic():
            application.save(force_insert=True)
            ApplicationEvent.objects.create(
                application=application, kind=Kind.CREATED, to_status=status, actor=user, created_at=now
            )
            announce_change(user_id=user.pk)
    except IntegrityError:
        # Two clicks on "Track" at once: the other one won the unique (user, job) constraint.
        if job is None:
            raise
        raise AlreadyTracked(Application.objects.get(user=user, job=job)) from None
    return application


def application_change_status(*, application: Application, to_status: str, by) -> Application:
    """Move the application along the pipeline: status, its date and the event, in one transaction.

    The row is locked first, so the transition is checked against the status as it is now,
    not as the caller last saw it, and every event's "from" is the previous event's "to".
    """
    _check_status(to_status)
    with transaction.atomic():
        current = _locked(application)
        from_status = current.status
        if to_status == from_status:
            raise IllegalTransition(f"It is already {_label(to_status)}.", field="status")
        if not current.can_move_to(to_status):
            allowed = [_label(s) for s in Status.values if s in ALLOWED_TRANSITIONS[from_status]]
            reason = f"An application that is {_label(from_status)} cannot move to {_label(to_status)}"
            reason += f"; it can move to {', '.join(allowed)}." if allowed else f": {_label(from_status)} is final."
            raise IllegalTransition(reason, field="status")
        now = timezone.now()
        current.status = to_status
        current.updated_at = now
        written = ["status", "updated_at", *_stamp_status_date(current, to_status, now)]
        current.save(update_fields=written)
        ApplicationEvent.objects.create(
            application=current, kind=Kind.STATUS_CHANGED, from_status=from_status, to_status=to_status,
            actor=by, created_at=now,
        )
        announce_change(user_id=current.user_id)
    _copy_back(application, current, written)
    return application


def application_mark_applied(*, user, job) -> tuple[Application, bool]:
    """The seeker applied on the employer's site: one step from the job page.

    A posting they do not track yet is tracked as applied; a saved one moves to applied.
    Returns the application and whether anything changed (it may be further along already).
    """
    application = Application.objects.filter(user=user, job=job).first()
    if application is None:
        try:
            return application_create(user=user, job=job, status=Status.APPLIED), True
        except AlreadyTracked as exc:  # a second click won the race to create it
            application = exc.application
    if application.status == Status.SAVED:
        application_change_status(application=application, to_status=Status.APPLIED, by=user)
        return application, True
    return application, False


def application_add_note(*, application: Application, text: str, by) -> ApplicationEvent:
    """Add a dated note to the timeline; the application's notes keep every note, newest last."""
    text = _check_note(text)
    with transaction.atomic():
        current = _locked(application)
        now = timezone.now()
        current.notes = _check_notes_total(f"{current.notes}\n\n{text}" if current.notes else text)
        current.updated_at = now
        current.save(update_fields=["notes", "updated_at"])
        event = ApplicationEvent.objects.create(
            application=current, kind=Kind.NOTE_ADDED, note=text, actor=by, created_at=now
        )
        announce_change(user_id=current.user_id)
    _copy_back(application, current, ["notes", "updated_at"])
    return event


def application_set_follow_up(*, application: Application, on: date | None, by) -> Application:
    """Plan (or clear, with None) the next follow-up; the timeline records it."""
    on = _check_date(on, name="follow-up date")
    with transaction.atomic():
        current = _locked(application)
        if current.next_follow_up == on:
            return application
        now = timezone.now()
        current.next_follow_up = on
        current.updated_at = now
        current.save(update_fields=["next_follow_up", "updated_at"])
        ApplicationEvent.objects.create(
            application=current, kind=Kind.FOLLOW_UP_SET, follow_up=on, actor=by, created_at=now
        )
        announce_change(user_id=current.user_id)
    _copy_back(application, current, ["next_follow_up", "updated_at"])
    return application


UNSET = object()
EDITABLE_DATES = ("applied_at", "interview_at", "offer_at", "closed_at")


def application_update(
    *, application: Application, by, notes=UNSET, next_follow_up=UNSET, **dates
) -> Application:
    """Edit notes and dates (the API's PATCH). The status only moves through application_change_status.

    Replacing the notes records the new text on the timeline, so an earlier version is never lost.
    """
    unknown = set(dates) - set(EDITABLE_DATES)
    if unknown:
        raise InvalidInput(f"These cannot be edited here: {', '.join(sorted(unknown))}.")
    if notes is not UNSET:
        notes = _check_notes_total((notes or "").strip())
    if next_follow_up is not UNSET:
        next_follow_up = _check_date(next_follow_up, name="next follow-up")
    dates = {name: _check_moment(value, name=name) for name, value in dates.items()}
    with transaction.atomic():
        current = _locked(application)
        now = timezone.now()
        written: list[str] = []
        events: list[ApplicationEvent] = []
        if notes is not UNSET and notes != current.notes:
            current.notes = notes
            written.append("notes")
            events.append(ApplicationEvent(kind=Kind.NOTE_ADDED, note=notes))
        if next_follow_up is not UNSET and next_follow_up != current.next_follow_up:
            current.next_follow_up = next_follow_up
            written.append("next_follow_up")
            events.append(ApplicationEvent(kind=Kind.FOLLOW_UP_SET, follow_up=next_follow_up))
        for name, value in dates.items():
            if getattr(current, name) != value:
                setattr(current, name, value)
                written.append(name)
        if not written:
            return application
        current.updated_at = now
        written.append("updated_at")
        current.save(update_fields=written)
        for event in events:
            event.application, event.actor, event.created_at = current, by, now
        ApplicationEvent.objects.bulk_create(events)
        announce_change(user_id=current.user_id)
    _copy_back(application, current, written)
    return application


@dataclass
class ImportedApplication:
    """One row of an import, already checked; see applications/imports.py."""

    company_name: str
    title: str
    url: str = ""
    status: str = Status.SAVED
    created_at: datetime | None = None
    applied_at: datetime | None = None
    interview_at: datetime | None = None
    offer_at: datetime | None = None
    closed_at: datetime | None = None
    next_follow_up: date | None = None
    notes: str = ""
    line: int = 0
    extra: dict = field(default_factory=dict)


def applications_import(*, user, rows: list[ImportedApplication], source: str) -> list[Application]:
    """Create every row or none: one transaction, a created event (and the notes) per row, one refresh.

    The rows come checked (applications.imports), but a date the database could not read back
    would break every page of this seeker's, so the range is checked again here, whoever calls.
    """
    for row in rows:
        for name in ("created_at", "applied_at", "interview_at", "offer_at", "closed_at"):
            _check_moment(getattr(row, name), name=name)
        _check_date(row.next_follow_up, name="next follow-up")
    _check_room(user, len(rows))
    now = timezone.now()
    with transaction.atomic():
        applications = [
            Application(
                user=user, company_name=row.company_name, title=row.title, url=row.url, status=row.status,
                created_at=row.created_at or now, updated_at=now, applied_at=row.applied_at,
                interview_at=row.interview_at, offer_at=row.offer_at, closed_at=row.closed_at,
                next_follow_up=row.next_follow_up, notes=row.notes,
            )
            for row in rows
        ]
        Application.objects.bulk_create(applications, batch_size=500)
        events = []
        for application in applications:
            events.append(ApplicationEvent(
                application=application, kind=Kind.CREATED, to_status=application.status,
                note=f"Imported from {source}", actor=user, created_at=application.created_at,
            ))
            if application.notes:
                events.append(ApplicationEvent(
                    application=application, kind=Kind.NOTE_ADDED, note=application.notes, actor=user,
                    created_at=application.created_at,
                ))
        ApplicationEvent.objects.bulk_create(events, batch_size=1000)
        if applications:
            announce_change(user_id=user.pk)
    return applications
