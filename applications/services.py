"""Writes for applications. Keyword-only, atomic, and each announces the change after commit
(`applications.signals.application_changed`; analytics refreshes the seeker's figures on it).

Interviews, contacts, documents and the calendar feed change no figure, so their writes do
not announce: the pages that show them read them live.

Every refusal is an `ApplicationError` whose message is written for the seeker: views show it
as a form error, the API returns it with a 400 or 409.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from applications.documents import DOCUMENT_MAX_BYTES, DocumentRefused, identify_document
from applications.models import (
    ALLOWED_TRANSITIONS,
    CLOSED_STATUSES,
    NOTE_MAX_CHARS,
    NOTES_MAX_CHARS,
    REOPEN_TRANSITIONS,
    STATUS_DATE_FIELD,
    STATUS_EVENT_KINDS,
    Application,
    ApplicationDeletion,
    ApplicationDocument,
    ApplicationEvent,
    CalendarFeed,
    Contact,
    Document,
    Interview,
    Status,
    last_undoable_change,
    new_feed_token,
)
from applications.cache import schedule_changed
from applications.signals import announce_change, application_changed, applications_imported
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


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


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
    """The row, locked until the transaction ends, so concurrent changes queue up behind each other.

    Gone since the caller read it (deleted in another tab or through the API): a 404, the
    answer the caller would get had it looked a moment later.
    """
    current = Application.objects.select_for_update().filter(pk=application.pk).first()
    if current is None:
        raise Http404("This application no longer exists.")
    return current


def _copy_back(target: Application, source: Application, fields: Iterable[str]) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


def _json_value(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _stamp_with_prior(application: Application, status: str, now: datetime) -> tuple[list[str], dict]:
    """Stamp the status's date; returns the fields written and what they held before (for undo)."""
    before = {name: getattr(application, name) for name in EDITABLE_DATES}
    written = _stamp_status_date(application, status, now)
    return written, {name: _json_value(before[name]) for name in written}


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
        written = _move(current, to_status=to_status, by=by)
    _copy_back(application, current, written)
    return application


def _move(current: Application, *, to_status: str, by, note: str = "", reopened: bool = False) -> list[str]:
    """Write the new status, its date and the event (with what the dates held, for an undo)."""
    now = timezone.now()
    from_status = current.status
    current.status = to_status
    current.updated_at = now
    stamped, prior = _stamp_with_prior(current, to_status, now)
    written = ["status", "updated_at", *stamped]
    current.save(update_fields=written)
    detail = {"prior": prior}
    if reopened:
        detail["reopened"] = True
    ApplicationEvent.objects.create(
        application=current, kind=Kind.STATUS_CHANGED, from_status=from_status, to_status=to_status,
        note=note, detail=detail, actor=by, created_at=now,
    )
    announce_change(user_id=current.user_id)
    return written


REASON_MAX_CHARS = 500


def application_reopen(*, application: Application, to_status: str, reason: str, by) -> Application:
    """Reopen a rejected or accepted application, with the reason on the timeline."""
    _check_status(to_status)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why it reopens (the company came back, the offer fell through…).", field="reason")
    if len(reason) > REASON_MAX_CHARS:
        raise InvalidInput(f"Keep the reason under {REASON_MAX_CHARS} characters; add a note for more.", field="reason")
    with transaction.atomic():
        current = _locked(application)
        allowed = REOPEN_TRANSITIONS.get(current.status)
        if not allowed:
            raise IllegalTransition(
                f"Only a rejected or accepted application is reopened; this one is {_label(current.status)}.",
                field="status",
            )
        if to_status not in allowed:
            options = ", ".join(_label(s) for s in Status.values if s in allowed)
            raise IllegalTransition(f"{_a(_label(current.status)).capitalize()} application reopens as {options}.",
                                    field="status")
        written = _move(current, to_status=to_status, by=by, note=reason, reopened=True)
    _copy_back(application, current, written)
    return application


def _parse_moment(value) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _values_before(current: Application, change: ApplicationEvent) -> dict:
    """The dates to put back when `change` is undone.

    A change made by the services lists what it replaced. One written before they did (or by
    the ghosting job) is read from the row: a date holding the change's own moment was stamped
    by it, and a closing date it cleared is the moment of the change that closed it.
    """
    prior = (change.detail or {}).get("prior")
    if prior is not None:
        return {name: _parse_moment(value) for name, value in prior.items() if name in EDITABLE_DATES}
    restore = {name: None for name in EDITABLE_DATES if getattr(current, name) == change.created_at}
    if change.from_status in CLOSED_STATUSES and current.closed_at is None:
        closed = (
            ApplicationEvent.objects.filter(application=current, kind__in=STATUS_EVENT_KINDS, to_status=change.from_status)
            .filter(created_at__lte=change.created_at).exclude(pk=change.pk)
            .order_by("-created_at", "-id").values_list("created_at", flat=True).first()
        )
        restore["closed_at"] = closed or change.created_at
    return restore


def application_undo_status_change(*, application: Application, by, change_id: int | None = None) -> ApplicationEvent:
    """Put back the status (and its dates) from before the last status change; the timeline keeps both.

    `change_id` is the change the seeker saw offered for undo ("Moved to Offer. Undo"): if
    another change came since, nothing is undone rather than the wrong one.
    """
    with transaction.atomic():
        current = _locked(application)
        latest = list(
            ApplicationEvent.objects.filter(application=current, kind__in=STATUS_EVENT_KINDS).order_by("-created_at", "-id")[:1]
        )
        change = last_undoable_change(latest)
        if change is None or change.to_status != current.status:
            raise IllegalTransition("There is no status change to undo.", field="status")
        if change_id is not None and change.pk != change_id:
            raise IllegalTransition("The status changed again since; nothing was undone.", field="status")
        now = timezone.now()
        restore = _values_before(current, change)
        prior = {"status": current.status, **{name: _json_value(getattr(current, name)) for name in restore}}
        current.status = change.from_status
        for name, value in restore.items():
            setattr(current, name, value)
        current.updated_at = now
        written = ["status", "updated_at", *restore]
        current.save(update_fields=written)
        event = ApplicationEvent.objects.create(
            application=current, kind=Kind.STATUS_UNDONE, from_status=change.to_status, to_status=change.from_status,
            detail={"undoes": change.pk, "prior": prior}, actor=by, created_at=now,
        )
        announce_change(user_id=current.user_id)
    _copy_back(application, current, written)
    return event


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


def _check_follow_up_allowed(application: Application, on: date | None) -> None:
    if on is not None and not application.takes_follow_up:
        raise IllegalTransition(
            f"{_a(_label(application.status)).capitalize()} application takes no follow-up; reopen it first.",
            field="next_follow_up",
        )


def application_set_follow_up(*, application: Application, on: date | None, by) -> Application:
    """Plan (or clear, with None) the next follow-up; the timeline records it. Closed ones take none."""
    on = _check_date(on, name="follow-up date")
    with transaction.atomic():
        current = _locked(application)
        if current.next_follow_up == on:
            return application
        _check_follow_up_allowed(current, on)
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
DETAIL_FIELDS = ("title", "company_name", "url", "location", "salary_min", "salary_max", "salary_currency")
SALARY_MAX = 1_000_000_000  # a yearly amount; anything above is a typo (or an extra zero row of KRW)


def _check_amount(value, *, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"The {name} is a whole number, like 85000.", field=name.replace(" ", "_"))
    if not 0 <= value <= SALARY_MAX:
        raise InvalidInput(f"The {name} must be between 0 and {SALARY_MAX:,}.", field=name.replace(" ", "_"))
    return value


def _check_details(current: Application, given: dict) -> dict:
    """The detail fields as they would be after the edit, checked together (the salary range)."""
    new = {}
    for name, value in given.items():
        if name in ("title", "company_name"):
            label = "title" if name == "title" else "company name"
            new[name] = _check_text(value, name=label, required=True)
        elif name == "location":
            new[name] = _check_text(value, name="location", required=False)
        elif name == "url":
            new[name] = _check_url(value)
        elif name in ("salary_min", "salary_max"):
            new[name] = _check_amount(value, name=name.replace("_", " "))
        elif name == "salary_currency":
            currency = (value or "").strip().upper()
            if currency and (len(currency) != 3 or not currency.isalpha() or not currency.isascii()):
                raise InvalidInput("A currency is a three-letter code like EUR or USD.", field="salary_currency")
            new[name] = currency
    low = new.get("salary_min", current.salary_min)
    high = new.get("salary_max", current.salary_max)
    currency = new.get("salary_currency", current.salary_currency)
    if low is not None and high is not None and low > high:
        raise InvalidInput("The salary range runs backwards: the lower figure is above the higher one.", field="salary_min")
    if (low is not None or high is not None) and not currency:
        raise InvalidInput("Say which currency the salary is in (a three-letter code like EUR).", field="salary_currency")
    return new


def application_update(
    *, application: Application, by, notes=UNSET, next_follow_up=UNSET, **fields
) -> Application:
    """Edit the details (title, company, link, location, salary), notes and dates: the edit page and
    the API's PATCH. The status only moves through application_change_status.

    The timeline keeps what was there before: an edit lists each field's old and new value, and
    replacing the notes records the new text, so an earlier version is never lost.
    """
    unknown = set(fields) - set(EDITABLE_DATES) - set(DETAIL_FIELDS)
    if unknown:
        raise InvalidInput(f"These cannot be edited here: {', '.join(sorted(unknown))}.")
    dates = {name: _check_moment(value, name=name) for name, value in fields.items() if name in EDITABLE_DATES}
    details = {name: value for name, value in fields.items() if name in DETAIL_FIELDS}
    if notes is not UNSET:
        notes = _check_notes_total((notes or "").strip())
    if next_follow_up is not UNSET:
        next_follow_up = _check_date(next_follow_up, name="next follow-up")
    with transaction.atomic():
        current = _locked(application)
        details = _check_details(current, details)
        now = timezone.now()
        written: list[str] = []
        events: list[ApplicationEvent] = []
        changes = {
            name: [_json_value(getattr(current, name)), _json_value(value)]
            for name, value in details.items() if getattr(current, name) != value
        }
        for name in changes:
            setattr(current, name, details[name])
            written.append(name)
        if changes:
            events.append(ApplicationEvent(kind=Kind.EDITED, detail={"changes": changes}))
        if notes is not UNSET and notes != current.notes:
            current.notes = notes
            written.append("notes")
            events.append(ApplicationEvent(kind=Kind.NOTE_ADDED, note=notes))
        if next_follow_up is not UNSET and next_follow_up != current.next_follow_up:
            _check_follow_up_allowed(current, next_follow_up)
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


def _set_archived(application: Application, *, archived: bool, by) -> Application:
    with transaction.atomic():
        current = _locked(application)
        if current.is_archived == archived:
            _copy_back(application, current, ["archived_at", "updated_at"])
            return application
        now = timezone.now()
        current.archived_at = now if archived else None
        current.updated_at = now
        current.save(update_fields=["archived_at", "updated_at"])
        ApplicationEvent.objects.create(
            application=current, kind=Kind.ARCHIVED if archived else Kind.UNARCHIVED, actor=by, created_at=now
        )
        announce_change(user_id=current.user_id)
    _copy_back(application, current, ["archived_at", "updated_at"])
    return application


def application_archive(*, application: Application, by) -> Application:
    """Take it off the board and the pipeline counts; it stays in the table's search and in exports."""
    return _set_archived(application, archived=True, by=by)


def application_unarchive(*, application: Application, by) -> Application:
    return _set_archived(application, archived=False, by=by)


def application_delete(*, application: Application, by) -> ApplicationDeletion:
    """Delete the application with its timeline, interviews, contacts and attachments (not the
    documents: they belong to the seeker's library). The owner's deletion log keeps its name."""
    with transaction.atomic():
        current = _locked(application)
        log = ApplicationDeletion.objects.create(
            user_id=current.user_id, application_id=current.pk,
            title=(current.display_title or "Untitled")[:TEXT_MAX_CHARS], company_name=current.display_company[:TEXT_MAX_CHARS],
            status=current.status, events=current.events.count(), interviews=current.interviews.count(),
            contacts=current.contacts.count(), created_at=current.created_at, deleted_by=by,
        )
        current.delete()
        announce_change(user_id=log.user_id)
    return log


# --- Interviews ---------------------------------------------------------------------------

INTERVIEWS_PER_APPLICATION = 50
CONTACTS_PER_APPLICATION = 50
LOCATION_MAX_CHARS = 500


def _check_choice(value: str, choices, *, name: str, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(f"“{value}” is not a {name}.", field=field)
    return value


def _check_long_text(value: str, *, name: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > NOTE_MAX_CHARS:
        raise InvalidInput(f"The {name} can be at most {NOTE_MAX_CHARS:,} characters.", field=field)
    return value


def _check_interview(fields: dict) -> dict:
    checked = {}
    for name, value in fields.items():
        if name == "starts_at":
            moment = _check_moment(value, name="starts_at")  # 1970–2099, as every date (jobs/dates.py)
            if moment is None:
                raise InvalidInput("Give the date and time of the interview.", field="starts_at")
            checked[name] = moment
        elif name == "duration_minutes":
            if isinstance(value, bool) or not isinstance(value, int) or not 5 <= value <= 24 * 60:
                raise InvalidInput("The length is in minutes, from 5 to 1440.", field=name)
            checked[name] = value
        elif name == "kind":
            checked[name] = _check_choice(value, Interview.Kind, name="kind of interview", field=name)
        elif name == "outcome":
            checked[name] = _check_choice(value or "", Interview.Outcome, name="outcome", field=name)
        elif name == "with_whom":
            checked[name] = _check_text(value, name="with whom", required=False)
        elif name == "location":
            location = (value or "").strip()
            if len(location) > LOCATION_MAX_CHARS:
                raise InvalidInput(f"Where or link can be at most {LOCATION_MAX_CHARS} characters.", field=name)
            if "://" in location:
                _check_url(location)  # a link is shown as one, so only web addresses
            checked[name] = location
        elif name == "notes":
            checked[name] = _check_long_text(value, name="notes", field=name)
        else:
            raise InvalidInput(f"An interview has no {name}.")
    return checked


def interview_schedule(
    *, application: Application, by, starts_at, kind: str = Interview.Kind.VIDEO, duration_minutes: int = 60,
    with_whom: str = "", location: str = "", notes: str = "", outcome: str = "",
) -> Interview:
    """Add a round to the application. `starts_at` is an aware moment (forms read it in the seeker's zone)."""
    fields = _check_interview({
        "starts_at": starts_at, "kind": kind, "duration_minutes": duration_minutes, "with_whom": with_whom,
        "location": location, "notes": notes, "outcome": outcome,
    })
    with transaction.atomic():
        current = _locked(application)  # not deleted meanwhile, and the count below stays true
        if current.interviews.count() >= INTERVIEWS_PER_APPLICATION:
            raise InvalidInput(f"An application holds at most {INTERVIEWS_PER_APPLICATION} interviews.")
        now = timezone.now()
        return Interview.objects.create(user_id=current.user_id, application=current, created_at=now, updated_at=now, **fields)


def interview_update(*, interview: Interview, by, **fields) -> Interview:
    fields = _check_interview(fields)
    with transaction.atomic():
        current = Interview.objects.select_for_update().filter(pk=interview.pk).first()
        if current is None:
            raise Http404("This interview no longer exists.")
        for name, value in fields.items():
            setattr(current, name, value)
        current.updated_at = timezone.now()
        current.save(update_fields=[*fields, "updated_at"])
    _copy_back(interview, current, [*fields, "updated_at"])
    return interview


def interview_delete(*, interview: Interview, by) -> None:
    with transaction.atomic():
        Interview.objects.filter(pk=interview.pk).delete()


# --- Contacts -----------------------------------------------------------------------------

PHONE_CHARACTERS = set("0123456789 +-().,/#*xXtTeE")


def _check_contact(fields: dict, *, creating: bool) -> dict:
    checked = {}
    for name, value in fields.items():
        if name == "name":
            checked[name] = _check_text(value, name="name", required=True)
        elif name == "role":
            checked[name] = _check_text(value, name="role", required=False)
        elif name == "email":
            email = (value or "").strip()
            if email:
                try:
                    EmailValidator()(email)
                except ValidationError:
                    raise InvalidInput(f"“{email[:80]}” is not an email address.", field="email") from None
            checked[name] = email
        elif name == "phone":
            phone = (value or "").strip()
            if len(phone) > 40 or not set(phone) <= PHONE_CHARACTERS:
                raise InvalidInput("A phone number has digits, spaces and + - ( ) only, up to 40 characters.", field="phone")
            checked[name] = phone
        elif name == "profile_url":
            try:
                checked[name] = _check_url(value)
            except InvalidInput as exc:
                raise InvalidInput(exc.message, field="profile_url") from None
        elif name == "notes":
            checked[name] = _check_long_text(value, name="notes", field=name)
        else:
            raise InvalidInput(f"A contact has no {name}.")
    if creating and "name" not in checked:
        raise InvalidInput("The name is required.", field="name")
    return checked


def contact_add(
    *, application: Application, by, name: str, role: str = "", email: str = "", phone: str = "",
    profile_url: str = "", notes: str = "",
) -> Contact:
    fields = _check_contact(
        {"name": name, "role": role, "email": email, "phone": phone, "profile_url": profile_url, "notes": notes},
        creating=True,
    )
    with transaction.atomic():
        current = _locked(application)
        if current.contacts.count() >= CONTACTS_PER_APPLICATION:
            raise InvalidInput(f"An application holds at most {CONTACTS_PER_APPLICATION} contacts.")
        return Contact.objects.create(user_id=current.user_id, application=current, **fields)


def contact_update(*, contact: Contact, by, **fields) -> Contact:
    fields = _check_contact(fields, creating=False)
    with transaction.atomic():
        current = Contact.objects.select_for_update().filter(pk=contact.pk).first()
        if current is None:
            raise Http404("This contact no longer exists.")
        for name, value in fields.items():
            setattr(current, name, value)
        if fields:
            current.save(update_fields=list(fields))
    _copy_back(contact, current, list(fields))
    return contact


def contact_delete(*, contact: Contact, by) -> None:
    Contact.objects.filter(pk=contact.pk).delete()


# --- Documents ----------------------------------------------------------------------------

DOCUMENTS_PER_USER = 100


def document_upload(*, user, upload, name: str = "", kind: str = Document.Kind.RESUME) -> Document:
    """Keep a PDF, DOCX or plain-text file (checked by what it contains, not its name) in the seeker's library.

    The file is written to the documents storage first and the row second; if the row cannot be
    written the file is removed again, so storage never keeps a file nobody can reach.
    """
    _check_choice(kind, Document.Kind, name="kind of document", field="kind")
    size = getattr(upload, "size", None)
    if size is not None and size > DOCUMENT_MAX_BYTES:
        raise InvalidInput(_too_big(size), field="file")
    content = upload.read(DOCUMENT_MAX_BYTES + 1)
    if len(content) > DOCUMENT_MAX_BYTES:
        raise InvalidInput(_too_big(len(content)), field="file")
    try:
        file_type = identify_document(content)
    except DocumentRefused as exc:
        raise InvalidInput(str(exc), field="file") from None
    original = (upload.name or "document").replace("\\", "/").rsplit("/", 1)[-1]
    # Only the name's printable part is kept: it is shown, and sent back in Content-Disposition.
    original = "".join(ch for ch in original if ch.isprintable())[:255] or "document"
    name = _check_text(name or original.rsplit(".", 1)[0], name="name", required=True)
    if Document.objects.filter(user=user).count() >= DOCUMENTS_PER_USER:
        raise InvalidInput(f"Your library holds at most {DOCUMENTS_PER_USER} documents; delete old versions first.", field="file")
    document = Document(user=user, kind=kind, name=name, file_type=file_type, original_filename=original, size=len(content))
    document.file.save("upload", ContentFile(content), save=False)
    try:
        document.save(force_insert=True)
    except BaseException:
        document.file.storage.delete(document.file.name)
        raise
    return document


def _too_big(size: int) -> str:
    return (f"The file is {size / 1024 / 1024:.1f} MB; documents can be at most "
            f"{DOCUMENT_MAX_BYTES // 1024 // 1024} MB.")


def document_update(*, document: Document, name=UNSET, kind=UNSET) -> Document:
    written = []
    if name is not UNSET:
        document.name = _check_text(name, name="name", required=True)
        written.append("name")
    if kind is not UNSET:
        document.kind = _check_choice(kind, Document.Kind, name="kind of document", field="kind")
        written.append("kind")
    if written:
        document.save(update_fields=written)
    return document


def document_delete(*, document: Document) -> None:
    """Remove it from the library and from every application; the file goes once that has committed
    (applications/receivers.py, which also covers the cascade of an account deletion)."""
    Document.objects.filter(pk=document.pk).delete()


def document_attach(*, application: Application, document: Document, by) -> None:
    """Attach a library document to an application; attaching it twice changes nothing."""
    if document.user_id != application.user_id:
        raise Http404("No such document.")
    with transaction.atomic():
        current = _locked(application)
        ApplicationDocument.objects.get_or_create(application=current, document=document)


def document_detach(*, application: Application, document: Document, by) -> None:
    ApplicationDocument.objects.filter(application=application, document=document).delete()


# --- Calendar feed ------------------------------------------------------------------------

def calendar_feed_ensure(*, user) -> CalendarFeed:
    """The seeker's feed, made with a fresh secret the first time they ask for it."""
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


def calendar_feed_reset(*, user) -> CalendarFeed:
    """A new secret: every calendar subscribed to the old URL stops receiving at once."""
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
        if not created:
            feed.token = new_feed_token()
            feed.created_at = timezone.now()
            feed.save(update_fields=["token", "created_at"])
    return feed


@dataclass
class ImportedApplication:
    """One row of an import, already checked; see applications/imports.py."""

    company_name: str
    title: str
    url: str = ""
    location: str = ""
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
                user=user, company_name=row.company_name, title=row.title, url=row.url, location=row.location,
                status=row.status, created_at=row.created_at or now, updated_at=now, applied_at=row.applied_at,
                interview_at=row.interview_at, offer_at=row.offer_at, closed_at=row.closed_at,
                next_follow_up=row.next_follow_up, notes=row.notes,
            )
            for row in rows
        ]
        Application.objects.bulk_create(applications, batch_size=500)
        schedule_changed(user.pk)  # a bulk insert sends no post_save
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
            # One callback: listeners hear of the import, then of the change (the one refresh it causes).
            count, user_id = len(applications), user.pk

            def announce_import() -> None:
                applications_imported.send(sender=applications_import, user_id=user_id, count=count, source=source)
                application_changed.send(sender=announce_change, user_id=user_id)

            transaction.on_commit(announce_import)
    return applications
