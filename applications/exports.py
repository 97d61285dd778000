"""Exports of a seeker's applications, made to be read by people and spreadsheets.

- `application_lines`: applications.csv, one row per application (where it stands, its dates,
  salary, location, notes). What the table shows, and what a spreadsheet sorts and filters.
- `timeline_lines`: timeline.csv, one row per event of those applications.
- `export_zip`: both files in one zip, for the whole story.
- `applications_data`: every application with its events as JSON-ready data (the account's
  JSON export, careercopilot/views.py, puts it beside the profile).

Times are in the seeker's zone (the one active for the request), to the second, written the
way spreadsheets read them: "2026-03-02 08:30:15". The JSON keeps full ISO 8601 with the offset.

Contacts and the next interview: the pipeline branch of issue 12 adds Contact and Interview
to applications. Once they are in, they join as two more columns here: "Contacts" (names and
roles, from a prefetch: one more query) and "Next interview" (`with_next_interview(now)`, an
annotation: no query), and as lists in `applications_data`. Until then there is nothing to export.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from django.utils import timezone

from applications.models import Application, ApplicationEvent

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


def _salary(application: Application) -> str:
    # The pipeline branch gives an application its own salary (display_salary); else the posting's.
    own = getattr(application, "display_salary", None)
    if own is not None:
        return own
    job = application.job
    if job is None or (job.salary_min is None and job.salary_max is None):
        return ""
    amounts = "–".join(f"{value:,}" for value in (job.salary_min, job.salary_max) if value is not None)
    period = "" if job.salary_period == "year" else f" {job.get_salary_period_display()}"
    return f"{job.salary_currency} {amounts}{period}"


def _location(application: Application) -> str:
    own = getattr(application, "display_location", None)
    if own is not None:
        return own
    return application.job.location if application.job_id else ""


# Headers are the words of the import (applications/imports.py), so an export reads back in.
APPLICATION_COLUMNS: tuple[Column, ...] = (
    Column("ID", lambda a, z: a.pk),
    Column("Company", lambda a, z: a.display_company),
    Column("Job title", lambda a, z: a.display_title),
    Column("Status", lambda a, z: a.get_status_display()),
    Column("Location", lambda a, z: _location(a)),
    Column("Salary", lambda a, z: _salary(a)),
    Column("Link", lambda a, z: a.url or (a.job.apply_url if a.job_id else "")),
    Column("Date added", lambda a, z: local_moment(a.created_at, z)),
    Column("Date applied", lambda a, z: local_moment(a.applied_at, z)),
    Column("Interview date", lambda a, z: local_moment(a.interview_at, z)),
    Column("Offer date", lambda a, z: local_moment(a.offer_at, z)),
    Column("Date closed", lambda a, z: local_moment(a.closed_at, z)),
    Column("Next follow-up", lambda a, z: a.next_follow_up),
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
    """The applications with their posting and company, oldest first, streamed: one query."""
    return (
        applications.select_related("job__company")
        .defer("job__description", "job__search_vector", "job__company__description")
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

applications.csv  one row per application: where it stands, its dates, salary, location, notes
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


def applications_data(user) -> list[dict]:
    """Every application of the seeker with its events, as JSON-ready data: two queries."""
    applications = list(
        Application.objects.of(user).select_related("job__company")
        .defer("job__description", "job__search_vector", "job__company__description")
        .order_by("created_at", "id")
    )
    events: dict[int, list[dict]] = {}
    for event in ApplicationEvent.objects.filter(application__user=user).select_related("actor").order_by("created_at", "id"):
        events.setdefault(event.application_id, []).append({
            "kind": event.kind, "from_status": event.from_status, "to_status": event.to_status, "note": event.note,
            "follow_up": _iso(event.follow_up), "by": event.actor.username if event.actor else None,
            "at": _iso(timezone.localtime(event.created_at)),
        })
    return [
        {
            "id": application.pk,
            "company": application.display_company,
            "title": application.display_title,
            "status": application.status,
            "link": application.url,
            "posting": {"id": application.job_id, "title": application.job.title, "company": application.job.company.name,
                        "location": application.job.location, "apply_url": application.job.apply_url}
            if application.job_id else None,
            "location": _location(application),
            "salary": _salary(application),
            "created_at": _iso(timezone.localtime(application.created_at)),
            "updated_at": _iso(timezone.localtime(application.updated_at)),
            **{name: _iso(timezone.localtime(value)) if value else None for name, value in (
                ("applied_at", application.applied_at), ("interview_at", application.interview_at),
                ("offer_at", application.offer_at), ("closed_at", application.closed_at))},
            "next_follow_up": _iso(application.next_follow_up),
            "notes": application.notes,
            "events": events.get(application.pk, []),
        }
        for application in applications
    ]
