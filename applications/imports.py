"""Reading CSV files of applications kept elsewhere (Huntr, Teal, a spreadsheet) into checked rows.

Nothing here writes: `plan_import` turns a file into an `ImportPlan` (rows to create, duplicates
skipped, bad rows with their line and reason); `applications.services.applications_import`
writes a plan that has no bad rows, all at once.

The column and status names are what these tools show in their interfaces; a file whose
headers differ can be mapped by hand on the preview page.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from applications.models import NOTES_MAX_CHARS, Status
from applications.services import TEXT_MAX_CHARS, URL_MAX_CHARS, ImportedApplication
from jobs import dates

IMPORT_MAX_BYTES = 1024 * 1024
IMPORT_MAX_ROWS = 5_000

FIELDS: dict[str, str] = {
    "company_name": "Company",
    "title": "Job title",
    "url": "Link",
    "status": "Status",
    "created_at": "Date added",
    "applied_at": "Date applied",
    "interview_at": "Interview date",
    "offer_at": "Offer date",
    "closed_at": "Date closed",
    "next_follow_up": "Next follow-up",
    "notes": "Notes",
}
REQUIRED = ("company_name", "title")
DATE_FIELDS = ("created_at", "applied_at", "interview_at", "offer_at", "closed_at")


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.casefold())


@dataclass(frozen=True)
class Format:
    key: str
    label: str
    columns: dict[str, tuple[str, ...]]
    statuses: dict[str, str]
    # Headers only this tool writes; they tell its files apart when the format is "auto".
    signature: tuple[str, ...] = ()


GENERIC_COLUMNS = {
    "company_name": ("company", "company name", "employer", "organization", "organisation", "business"),
    "title": ("title", "job title", "position", "job position", "role", "job", "job name"),
    "url": ("url", "link", "job url", "job link", "posting url", "job posting", "posting", "website"),
    "status": ("status", "stage", "state", "pipeline stage", "application status"),
    "created_at": ("date added", "added", "date saved", "saved", "created", "created at", "date created", "date"),
    "applied_at": ("date applied", "applied", "applied on", "applied at", "application date"),
    "interview_at": ("interview date", "date interviewed", "interviewed", "first interview", "interview"),
    "offer_at": ("offer date", "date offered", "offer received", "offer"),
    "closed_at": ("date closed", "closed", "closed at", "date rejected", "rejection date"),
    "next_follow_up": ("next follow up", "follow up", "follow up date", "followup", "next action date", "reminder"),
    "notes": ("notes", "note", "comments", "comment"),
}
GENERIC_STATUSES = {
    **{value: value for value in Status.values},
    "wishlist": Status.SAVED, "bookmarked": Status.SAVED, "interested": Status.SAVED, "to apply": Status.SAVED,
    "not applied": Status.SAVED, "applying": Status.SAVED, "draft": Status.SAVED,
    "submitted": Status.APPLIED, "in review": Status.APPLIED,
    "interview": Status.INTERVIEWING, "interviews": Status.INTERVIEWING, "screening": Status.INTERVIEWING,
    "phone screen": Status.INTERVIEWING, "in progress": Status.INTERVIEWING,
    "offered": Status.OFFER, "offers": Status.OFFER, "negotiating": Status.OFFER,
    "hired": Status.ACCEPTED, "accepted offer": Status.ACCEPTED,
    "declined": Status.REJECTED, "not selected": Status.REJECTED, "rejection": Status.REJECTED,
    "withdrew": Status.WITHDRAWN, "i withdrew": Status.WITHDRAWN, "archived": Status.WITHDRAWN,
    "no response": Status.GHOSTED, "no reply": Status.GHOSTED,
}
FORMATS: dict[str, Format] = {
    "huntr": Format("huntr", "Huntr", {
        **GENERIC_COLUMNS,
        "company_name": ("company", "company name", "employer"),
        "title": ("job title", "title", "position"),
        "status": ("list", "list name", "stage", "status"),
        "created_at": ("created", "created at", "date created", "date added"),
    }, GENERIC_STATUSES, signature=("list", "list name")),
    "teal": Format("teal", "Teal", {
        **GENERIC_COLUMNS,
        "title": ("job position", "position", "job title", "title"),
        "url": ("url", "job url", "job posting url", "link"),
        "created_at": ("date saved", "saved", "date added", "created"),
        "next_follow_up": ("follow up", "follow up date", "next follow up"),
    }, GENERIC_STATUSES, signature=("job position", "date saved", "excitement")),
    "generic": Format("generic", "A spreadsheet", GENERIC_COLUMNS, GENERIC_STATUSES),
}
FORMAT_CHOICES = [("auto", "Detect from the columns")] + [(f.key, f.label) for f in FORMATS.values()]
ENCODING_CHOICES = [("utf-8", "UTF-8 (most tools, “CSV UTF-8” in Excel)"), ("cp1252", "Windows-1252 (older Excel on Windows)")]


class ImportRefused(Exception):
    """The file as a whole cannot be read; str() says why and what to do."""


@dataclass
class Problem:
    line: int
    reason: str


@dataclass
class ImportPlan:
    format: Format
    headers: list[str]
    mapping: dict[str, int | None]
    rows: list[ImportedApplication] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    text: str = ""
    # Set when the file as a whole cannot be imported as mapped (say, no title column).
    refusal: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.refusal

    def column_of(self, name: str) -> str:
        index = self.mapping.get(name)
        return self.headers[index] if index is not None else ""


def decode_upload(raw: bytes, *, encoding: str = "utf-8") -> str:
    """Bytes of an uploaded file to text, or ImportRefused with a message a person can act on."""
    if len(raw) > IMPORT_MAX_BYTES:
        raise ImportRefused(
            f"The file is {len(raw) / 1024 / 1024:.1f} MB; the limit is {IMPORT_MAX_BYTES // 1024 // 1024} MB. "
            "Split it into smaller files."
        )
    if not raw.strip():
        raise ImportRefused("The file is empty.")
    if raw.startswith(b"PK\x03\x04"):
        raise ImportRefused("This is a spreadsheet workbook (.xlsx), not a CSV file. Save it as “CSV UTF-8” and upload that.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")  # Excel's "Unicode text"; the byte-order mark makes it unambiguous
    else:
        nul = raw.find(b"\x00")
        if nul != -1:
            raise ImportRefused(
                f"The file contains NUL bytes (the first at byte {nul + 1:,}), so it is not a text CSV file. "
                "Save it from your spreadsheet as “CSV UTF-8” and upload that."
            )
        try:
            text = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            other = "Windows-1252" if encoding == "utf-8" else "UTF-8"
            raise ImportRefused(
                f"The file is not {'UTF-8' if encoding == 'utf-8' else encoding} text: byte 0x{raw[exc.start]:02X} "
                f"on line {line} cannot be read. Choose the {other} encoding, or save the file as “CSV UTF-8”."
            ) from None
        except LookupError:
            raise ImportRefused(f"Unknown encoding “{encoding}”.") from None
    if "\x00" in text:
        raise ImportRefused("The file contains NUL characters, so it is not a text CSV file. Save it as “CSV UTF-8”.")
    return text


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_table(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line, cells) rows; line is where the record starts, as a spreadsheet counts it."""
    # One kind of line break: a browser sends the previewed file back with CRLF everywhere.
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    rows: list[tuple[int, list[str]]] = []
    headers: list[str] | None = None
    start = 1
    try:
        for cells in reader:
            if headers is None:
                headers = [cell.strip() for cell in cells]
            elif any(cell.strip() for cell in cells):
                rows.append((start, cells))
                if len(rows) > IMPORT_MAX_ROWS:
                    raise ImportRefused(f"The file has more than {IMPORT_MAX_ROWS:,} rows; split it into smaller files.")
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportRefused(f"Line {start} cannot be read as CSV ({exc}). Check its quotes.") from None
    if not headers or not any(headers):
        raise ImportRefused("The file has no header row: its first line should name the columns (Company, Title, …).")
    return headers, rows


def detect_format(headers: list[str], requested: str = "auto") -> Format:
    if requested in FORMATS:
        return FORMATS[requested]
    normalized = {_norm(h) for h in headers}
    scores = {fmt.key: sum(_norm(s) in normalized for s in fmt.signature) for fmt in FORMATS.values()}
    best = max(scores, key=scores.get)
    return FORMATS[best] if scores[best] else FORMATS["generic"]


def map_columns(headers: list[str], fmt: Format) -> dict[str, int | None]:
    by_name = {}
    for index, header in enumerate(headers):
        by_name.setdefault(_norm(header), index)
    mapping: dict[str, int | None] = {}
    taken: set[int] = set()
    for name, aliases in fmt.columns.items():
        mapping[name] = None
        for alias in aliases:
            index = by_name.get(_norm(alias))
            if index is not None and index not in taken:
                mapping[name] = index
                taken.add(index)
                break
    return mapping


def parse_day(value: str, *, day_first: bool) -> date:
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    numeric = re.fullmatch(r"(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})", value)
    if numeric:
        a, b, c = (int(part) for part in numeric.groups())
        if len(numeric.group(1)) == 4:
            year, month, day = a, b, c
        else:
            year = c + 2000 if c < 100 else c
            day, month = (a, b) if day_first else (b, a)
        return date(year, month, day)
    for pattern in ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def parse_moment(value: str, *, day_first: bool) -> datetime:
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = datetime.combine(parse_day(value, day_first=day_first), time(12, 0))
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _key(company: str, title: str) -> tuple[str, str]:
    return company.strip().casefold(), title.strip().casefold()


def _check_row(cells: list[str], plan: ImportPlan, *, day_first: bool) -> ImportedApplication:
    """One row to an ImportedApplication, or ValueError with every reason it cannot be."""

    def cell(name: str) -> str:
        index = plan.mapping.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    reasons: list[str] = []
    if len(cells) > len(plan.headers):
        reasons.append(f"it has {len(cells)} cells but the header has {len(plan.headers)} (a comma outside quotes?)")
    values: dict = {"company_name": cell("company_name"), "title": cell("title")}
    for name in REQUIRED:
        if not values[name]:
            reasons.append(f"{FIELDS[name].lower()} is empty")
        elif len(values[name]) > TEXT_MAX_CHARS:
            reasons.append(f"{FIELDS[name].lower()} is longer than {TEXT_MAX_CHARS} characters")
    url = cell("url")
    if url:
        try:
            if len(url) > URL_MAX_CHARS:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(url)
            values["url"] = url
        except ValidationError:
            reasons.append(f"“{url[:60]}” in {plan.column_of('url')} is not a web address")
    raw_status = cell("status")
    if raw_status:
        status = plan.format.statuses.get(" ".join(raw_status.casefold().split()))
        if status is None:
            reasons.append(f"status “{raw_status[:40]}” is not one we know (use one of {', '.join(Status.values)})")
        else:
            values["status"] = status
    for name in (*DATE_FIELDS, "next_follow_up"):
        raw = cell(name)
        if not raw:
            continue
        try:
            value = parse_day(raw, day_first=day_first) if name == "next_follow_up" else parse_moment(raw, day_first=day_first)
        except (ValueError, OverflowError):
            reasons.append(f"“{raw[:40]}” in {plan.column_of(name)} is not a date (write it like 2026-03-31)")
            continue
        if not dates.in_range(value):
            reasons.append(f"“{raw[:40]}” in {plan.column_of(name)} is out of range. {dates.OUT_OF_RANGE}")
        else:
            values[name] = value
    notes = cell("notes")
    if len(notes) > NOTES_MAX_CHARS:
        reasons.append(f"the notes are longer than {NOTES_MAX_CHARS:,} characters")
    values["notes"] = notes
    if reasons:
        raise ValueError("; ".join(reasons))
    return ImportedApplication(**values)


def plan_import(
    *, text: str, existing: set[tuple[str, str]], requested_format: str = "auto", day_first: bool = False,
    mapping: dict[str, int | None] | None = None,
) -> ImportPlan:
    """Check every row of the file; `existing` holds the (company, title) keys the seeker already tracks."""
    headers, rows = read_table(text)
    fmt = detect_format(headers, requested_format)
    plan = ImportPlan(format=fmt, headers=headers, mapping=mapping or map_columns(headers, fmt), text=text)
    missing = [FIELDS[name] for name in REQUIRED if plan.mapping.get(name) is None]
    if missing:
        plan.refusal = (
            f"No column for {' and '.join(m.lower() for m in missing)} was found. The file's columns are: "
            f"{', '.join(h or '(blank)' for h in headers[:20])}. Pick the right columns below, "
            "or name them Company and Title in the file."
        )
        return plan
    if not rows:
        raise ImportRefused("The file has a header row but no applications under it.")
    seen: dict[tuple[str, str], int] = {}
    for line, cells in rows:
        try:
            row = _check_row(cells, plan, day_first=day_first)
        except ValueError as exc:
            plan.errors.append(Problem(line, str(exc)))
            continue
        row.line = line
        key = _key(row.company_name, row.title)
        if key in existing:
            plan.duplicates.append(Problem(line, f"{row.title} at {row.company_name} is already tracked"))
        elif key in seen:
            plan.duplicates.append(Problem(line, f"same company and title as line {seen[key]}"))
        else:
            seen[key] = line
            plan.rows.append(row)
    return plan
