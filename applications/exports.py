"""CSV export of a seeker's applications with their whole timeline: one row per event.

The application's columns repeat on each of its events, so the file sorts and filters well in
a spreadsheet, and an application without events still gets one row.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime

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


def csv_lines(applications) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # The byte-order mark makes Excel read the file as UTF-8 instead of the local code page.
    yield "\ufeff" + writer.writerow(HEADER)
    for row in export_rows(applications):
        yield writer.writerow([csv_safe(value) for value in row])
