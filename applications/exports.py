"""CSV export of a seeker's applications with their whole timeline: one row per event.

The application's columns repeat on each of its events, so the file sorts and filters well in
a spreadsheet, and an application without events still gets one row.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from datetime import date, datetime

logger = logging.getLogger(__name__)

HEADER = [
    "application_id", "company", "title", "url", "status", "created_at", "applied_at", "interview_at",
    "offer_at", "closed_at", "next_follow_up", "event_at", "event", "from_status", "to_status",
    "follow_up", "by", "note",
]
COLUMNS = (
    "id", "company_name", "title", "url", "job__company__name", "job__title", "status", "created_at",
    "applied_at", "interview_at", "offer_at", "closed_at", "next_follow_up", "events__created_at",
    "events__kind", "events__from_status", "events__to_status", "events__follow_up",
    "events__actor__username", "events__note",
)
# Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write() hands back the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def export_rows(applications) -> Iterator[list]:
    """Rows for the given Application queryset in one query, streamed from the database."""
    rows = (
        applications.order_by("created_at", "id", "events__created_at", "events__id")
        .values_list(*COLUMNS)
        .iterator(chunk_size=1000)
    )
    for (pk, company, title, url, job_company, job_title, status, created_at, applied_at, interview_at,
         offer_at, closed_at, follow_up_on, event_at, kind, from_status, to_status, event_follow_up,
         actor, note) in rows:
        yield [
            pk, company or job_company, title or job_title, url, status, created_at, applied_at,
            interview_at, offer_at, closed_at, follow_up_on, event_at, kind, from_status, to_status,
            event_follow_up, actor, note,
        ]


EXPORT_FAILED = "EXPORT FAILED"
EXPORT_FAILED_NOTE = "The export stopped before the end: this file is incomplete. Download it again."


def csv_lines(applications) -> Iterator[str]:
    """The file, line by line. The status (200) and header are sent before the rows are read, so
    a failure halfway cannot become an error page. Instead the last line says so (for whoever
    opens the saved file) and the error is raised on, so the server breaks off the chunked
    transfer without its end marker: the browser or client reports a failed download.
    """
    writer = csv.writer(_Echo())
    # The byte-order mark makes Excel read the file as UTF-8 instead of the local code page.
    yield "\ufeff" + writer.writerow(HEADER)
    try:
        for row in export_rows(applications):
            yield writer.writerow([csv_safe(value) for value in row])
    except Exception:
        logger.exception("The CSV export failed after its first rows were sent")
        yield writer.writerow([EXPORT_FAILED, EXPORT_FAILED_NOTE])
        raise
