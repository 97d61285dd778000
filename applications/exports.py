"""Exports of a seeker's applications, made to be read by people and spreadsheets.

- `application_lines`: applications.csv, one row per application (where it stands, its dates,
  salary, location, notes). What the table shows, and what a spreadsheet sorts and filters.
- `timeline_lines`: timeline.csv, one row per event of those applications.
- `export_zip`: both files in one zip, for the whole story.
- `applications_data`: every application with its events as JSON-ready data (the account's
  JSON export, careercopilot/views.py, puts it beside the profile).

Times are in the seeker's zone (the one active for the request), to the second, written the
way spreadsheets read them: "2026-03-02 08:30:15". The JSON keeps full ISO 8601 with the offset.

Contacts come from one prefetch per 1,000 applications streamed, the next interview from an
annotation of the applications' own query.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from django.db.models import Prefetch
from django.utils import timezone

from applications.models import (
    Application,
    ApplicationDeletion,
    ApplicationDocument,
    ApplicationEvent,
    Contact,
    Document,
    Interview,
)

logger = logging.getLogger(__name__)

# Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 1000


def csv_safe(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def local_moment(value: datetime | None, zone: tzinfo) -> str:
    """A stored moment in the seeker's zone, to the second: what a spreadsheet parses as a date and time."""
    if value is None:
        return ""
    return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M:%S")


class _Echo:
    """A file-like object whose write() hands back the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Application, tzinfo], object]


def _next_interview(application: Application, zone: tzinfo) -> str:
    if application.next_interview_at is None:
        return ""
    kind = Interview.Kind(application.next_interview_kind).label if application.next_interview_kind in Interview.Kind.values else ""
    return f"{local_moment(application.next_interview_at, zone)} ({kind})" if kind else local_moment(application.next_interview_at, zone)


def _contacts(application: Application) -> str:
    """"Jane Roe (Recruiter, jane@acme.example); Sam Poe": one cell a person can read."""
    people = []
    for contact in application.contacts.all():
        details = ", ".join(part for part in (contact.role, contact.email, contact.phone) if part)
        people.append(f"{contact.name} ({details})" if details else contact.name)
    return "; ".join(people)


# Headers are the words of the import (applications/imports.py), so an export reads back in.
APPLICATION_COLUMNS: tuple[Column, ...] = (
    Column("ID", lambda a, z: a.pk),
    Column("Company", lambda a, z: a.display_company),
    Column("Job title", lambda a, z: a.display_title),
    Column("Status", lambda a, z: a.get_status_display()),
    Column("Location", lambda a, z: a.display_location),
    Column("Salary", lambda a, z: a.display_salary),
    Column("Link", lambda a, z: a.url or (a.job.apply_url if a.job_id else "")),
    Column("Date added", lambda a, z: local_moment(a.created_at, z)),
    Column("Date applied", lambda a, z: local_moment(a.applied_at, z)),
    Column("Interview date", lambda a, z: local_moment(a.interview_at, z)),
    Column("Offer date", lambda a, z: local_moment(a.offer_at, z)),
    Column("Date closed", lambda a, z: local_moment(a.closed_at, z)),
    Column("Next follow-up", lambda a, z: a.next_follow_up),
    Column("Next interview", _next_interview),
    Column("Contacts", lambda a, z: _contacts(a)),
    Column("Archived", lambda a, z: local_moment(a.archived_at, z)),
    Column("Last change", lambda a, z: local_moment(a.updated_at, z)),
    Column("Notes", lambda a, z: a.notes),
)
APPLICATION_HEADER = [column.header for column in APPLICATION_COLUMNS]

TIMELINE_HEADER = ["Application ID", "Company", "Job title", "When", "Event", "From", "To", "Follow-up", "By", "Note"]
TIMELINE_COLUMNS = (
    "application_id", "application__company_name", "application__job__company__name", "application__title",
    "application__job__title", "created_at", "kind", "from_status", "to_status", "follow_up", "actor__username", "note",
)


def _rows_for_export(applications) -> Iterable[Application]:
    """The applications with their posting, company and next interview, oldest first, streamed
    (one query), and their contacts (one query per CHUNK applications)."""
    return (
        applications.select_related("job__company")
        .defer("job__description", "job__search_vector", "job__company__description")
        .with_next_interview(timezone.now())
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("created_at", "id")))
        .order_by("created_at", "id")
        .iterator(chunk_size=CHUNK)
    )


EXPORT_FAILED = "EXPORT FAILED"
EXPORT_FAILED_NOTE = "The export stopped before the end: this file is incomplete. Download it again."


def _csv(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The file, line by line. A streamed response's status (200) and header are sent before
    the rows are read, so a failure halfway cannot become an error page. Instead the last line
    says so (for whoever opens the saved file) and the error is raised on, so the server breaks
    off the chunked transfer without its end marker: the browser or client reports a failed download.
    """
    writer = csv.writer(_Echo())
    # The byte-order mark makes Excel read the file as UTF-8 instead of the local code page.
    yield "\ufeff" + writer.writerow(header)
    try:
        for row in rows:
            yield writer.writerow([csv_safe(value) for value in row])
    except Exception:
        logger.exception("The CSV export failed after its first rows were sent")
        yield writer.writerow([EXPORT_FAILED, EXPORT_FAILED_NOTE])
        raise


def application_lines(applications, *, zone: tzinfo | None = None) -> Iterator[str]:
    """applications.csv, line by line: one row per application."""
    zone = zone or timezone.get_current_timezone()
    rows = ([column.value(application, zone) for column in APPLICATION_COLUMNS] for application in _rows_for_export(applications))
    return _csv(APPLICATION_HEADER, rows)


def _event_kind_label(kind: str) -> str:
    return ApplicationEvent.Kind(kind).label if kind in ApplicationEvent.Kind.values else kind


def timeline_lines(applications, *, zone: tzinfo | None = None) -> Iterator[str]:
    """timeline.csv, line by line: every event of these applications, in order: one query."""
    zone = zone or timezone.get_current_timezone()
    events = (
        ApplicationEvent.objects.filter(application__in=applications.order_by().values("pk"))
        .order_by("application__created_at", "application_id", "created_at", "id")
        .values_list(*TIMELINE_COLUMNS)
        .iterator(chunk_size=CHUNK)
    )
    rows = (
        [application_id, own_company or job_company or "", own_title or job_title or "", local_moment(at, zone),
         _event_kind_label(kind), from_status, to_status, follow_up, actor, note]
        for (application_id, own_company, job_company, own_title, job_title, at, kind, from_status, to_status,
             follow_up, actor, note) in events
    )
    return _csv(TIMELINE_HEADER, rows)


README_TEXT = """Your applications from Career Copilot.

applications.csv  one row per application: where it stands, its dates, salary, location, next
                  interview, contacts, notes
timeline.csv      every event of those applications, oldest first

Times are in {zone}. Both files are UTF-8; a spreadsheet opens them as they are.
"""


def export_zip(applications, *, zone: tzinfo | None = None) -> io.BytesIO:
    """applications.csv and timeline.csv (and a note on the time zone) in one zip, in memory.

    A seeker's pipeline is thousands of rows at most (about 1 MB of CSV), so memory is fine;
    each file is still written line by line from a streamed query.
    """
    zone = zone or timezone.get_current_timezone()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, lines in (("applications.csv", application_lines(applications, zone=zone)),
                            ("timeline.csv", timeline_lines(applications, zone=zone))):
            with archive.open(name, "w") as member:
                for line in lines:
                    member.write(line.encode("utf-8"))
        archive.writestr("README.txt", README_TEXT.format(zone=str(zone)))
    buffer.seek(0)
    return buffer


# --- JSON ------------------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _local_iso(value) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def _grouped(rows, key: str) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped


def applications_data(user) -> dict:
    """Every application of the seeker with its timeline, interviews, contacts and attached
    documents; the document library (names and sizes: the files download from the library);
    the log of deleted applications. JSON-ready, in a fixed number of queries (seven)."""
    applications = list(
        Application.objects.of(user).select_related("job__company")
        .defer("job__description", "job__search_vector", "job__company__description")
        .order_by("created_at", "id")
    )
    events = _grouped(ApplicationEvent.objects.filter(application__user=user).select_related("actor").order_by("created_at", "id"),
                      "application_id")
    interviews = _grouped(Interview.objects.filter(user=user).order_by("starts_at", "id"), "application_id")
    contacts = _grouped(Contact.objects.filter(user=user).order_by("created_at", "id"), "application_id")
    attached = _grouped(ApplicationDocument.objects.filter(application__user=user).order_by("attached_at", "id"), "application_id")
    documents = list(Document.objects.filter(user=user).order_by("created_at", "id"))
    deletions = list(ApplicationDeletion.objects.filter(user=user).order_by("deleted_at", "id"))
    return {
        "applications": [_application_data(a, events, interviews, contacts, attached) for a in applications],
        "documents": [
            {"id": d.pk, "kind": d.kind, "name": d.name, "file_type": d.file_type, "original_filename": d.original_filename,
             "size": d.size, "created_at": _local_iso(d.created_at)}
            for d in documents
        ],
        "deleted_applications": [
            {"title": d.title, "company": d.company_name, "status": d.status, "created_at": _local_iso(d.created_at),
             "deleted_at": _local_iso(d.deleted_at), "events": d.events, "interviews": d.interviews, "contacts": d.contacts}
            for d in deletions
        ],
    }


def _application_data(application: Application, events, interviews, contacts, attached) -> dict:
    job = application.job
    return {
        "id": application.pk,
        "company": application.display_company,
        "title": application.display_title,
        "status": application.status,
        "link": application.url,
        "posting": {"id": job.pk, "title": job.title, "company": job.company.name, "location": job.location,
                    "apply_url": job.apply_url} if job else None,
        "location": application.display_location,
        "salary": application.display_salary,
        **{name: _local_iso(getattr(application, name)) for name in (
            "created_at", "updated_at", "applied_at", "interview_at", "offer_at", "closed_at", "archived_at")},
        "next_follow_up": _iso(application.next_follow_up),
        "notes": application.notes,
        "events": [
            {"kind": e.kind, "from_status": e.from_status, "to_status": e.to_status, "note": e.note,
             "follow_up": _iso(e.follow_up), "by": e.actor.username if e.actor else None, "at": _local_iso(e.created_at)}
            for e in events.get(application.pk, [])
        ],
        "interviews": [
            {"starts_at": _local_iso(i.starts_at), "duration_minutes": i.duration_minutes, "kind": i.kind,
             "with_whom": i.with_whom, "where": i.location, "notes": i.notes, "outcome": i.outcome}
            for i in interviews.get(application.pk, [])
        ],
        "contacts": [
            {"name": c.name, "role": c.role, "email": c.email, "phone": c.phone, "profile_url": c.profile_url, "notes": c.notes}
            for c in contacts.get(application.pk, [])
        ],
        "documents": [a.document_id for a in attached.get(application.pk, [])],
    }
