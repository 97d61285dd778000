"""Reading CSV files of applications kept elsewhere (Huntr, Teal, a spreadsheet) into checked rows.

Nothing here writes: `plan_import` turns a file into an `ImportPlan` (rows to create, duplicates
skipped, bad rows with their line and reason, statuses it did not know, dates it had to guess);
`applications.services.applications_import` writes the rows, all at once.

The column and status names are what these tools show in their interfaces; a file whose
headers differ can be mapped by hand on the preview page, and so can a status we do not know
(it never blocks the file). Rows with problems can be skipped. Columns with no place of their
own are kept in the notes. Dates like 01/09/2026 are read in the order the file shows (a 25/03
somewhere means day first), else in the order chosen on the preview, and flagged while guessed.
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
    "location": "Location",
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
# Our own export's columns that have no place in an application of their own (applications/exports.py).
IGNORED_COLUMNS = frozenset({"id", "lastchange"})

DATE_ORDER_CHOICES = [
    ("auto", "As the file shows (a date like 25/03 decides); month first if nothing does"),
    ("mdy", "Month first: 01/09/2026 is 9 January 2026"),
    ("dmy", "Day first: 01/09/2026 is 1 September 2026"),
]
NUMERIC_DATE = re.compile(r"(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})")


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
    "location": ("location", "city", "place", "job location", "where"),
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
class UnknownStatus:
    raw: str  # as the file first writes it
    rows: int
    mapped_to: str  # the status chosen on the preview, or our guess


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
    unknown_statuses: list[UnknownStatus] = field(default_factory=list)
    date_order: str = "mdy"  # the order the numeric dates were read in: "mdy" or "dmy"
    date_order_reason: str = ""  # why: the seeker's choice, or the date in the file that shows it
    ambiguous_dates: list[Problem] = field(default_factory=list)  # read in a guessed order
    kept_in_notes: list[str] = field(default_factory=list)  # headers of the columns put in the notes

    @property
    def ok(self) -> bool:
        """Importable as it stands: nothing refused and no row with a problem."""
        return not self.errors and not self.refusal

    @property
    def importable(self) -> bool:
        """Importable once the rows with problems are skipped."""
        return not self.refusal and bool(self.rows)

    @property
    def statuses_to_map(self) -> list[str]:
        return [unknown.raw for unknown in self.unknown_statuses]

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


def _status_key(raw: str) -> str:
    return " ".join(raw.casefold().split())


# Words that tell a status apart in the names trackers invent ("Phone call scheduled", "Offer extended").
STATUS_HINTS = (
    ("interview", Status.INTERVIEWING), ("screen", Status.INTERVIEWING), ("call", Status.INTERVIEWING),
    ("offer", Status.OFFER), ("hired", Status.ACCEPTED), ("accept", Status.ACCEPTED), ("reject", Status.REJECTED),
    ("declin", Status.REJECTED), ("withdr", Status.WITHDRAWN), ("ghost", Status.GHOSTED), ("response", Status.GHOSTED),
    ("appl", Status.APPLIED), ("sent", Status.APPLIED), ("submit", Status.APPLIED),
)


def guess_status(raw: str) -> str:
    """Our first guess for a status we do not know; the seeker confirms or changes it on the preview."""
    key = _status_key(raw)
    for hint, status in STATUS_HINTS:
        if hint in key:
            return status
    return Status.SAVED


def is_ambiguous_date(value: str) -> bool:
    """01/09/2026: either part could be the month. 25/03/2026, 2026-01-09, 09/09/2026 are not."""
    numeric = NUMERIC_DATE.fullmatch(value.strip())
    if not numeric or len(numeric.group(1)) == 4:
        return False
    a, b = int(numeric.group(1)), int(numeric.group(2))
    return a != b and 1 <= a <= 12 and 1 <= b <= 12


def date_order_shown(cells: list[tuple[int, str, str]]) -> tuple[str, tuple[int, str, str]] | None:
    """("dmy" or "mdy", the (line, column, value) that shows it) from a date only one order can read."""
    for line, column, value in cells:
        numeric = NUMERIC_DATE.fullmatch(value.strip())
        if not numeric or len(numeric.group(1)) == 4:
            continue
        a, b = int(numeric.group(1)), int(numeric.group(2))
        if a > 12 >= b:
            return "dmy", (line, column, value)
        if b > 12 >= a:
            return "mdy", (line, column, value)
    return None


def parse_day(value: str, *, day_first: bool) -> date:
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    numeric = NUMERIC_DATE.fullmatch(value)
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


def _check_row(cells: list[str], plan: ImportPlan, *, day_first: bool, status_map: dict[str, str]) -> ImportedApplication:
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
    location = cell("location")
    if len(location) > TEXT_MAX_CHARS:
        reasons.append(f"the location is longer than {TEXT_MAX_CHARS} characters")
    values["location"] = location[:TEXT_MAX_CHARS]
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
        key = _status_key(raw_status)
        values["status"] = plan.format.statuses.get(key) or status_map[key]
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
    # The row's history starts at its earliest date: a tracker's "date added" is often the day
    # of its own export, after the application was sent.
    known = [values[name] for name in DATE_FIELDS if values.get(name)]
    if known:
        values["created_at"] = min(known)
    notes = cell("notes")
    extra = [f"{plan.headers[index]}: {cells[index].strip()}" for index in _unplaced_columns(plan)
             if index < len(cells) and cells[index].strip()]
    if extra:
        notes = "\n".join(extra) if not notes else f"{notes}\n\n" + "\n".join(extra)
    if len(notes) > NOTES_MAX_CHARS:
        reasons.append(f"the notes are longer than {NOTES_MAX_CHARS:,} characters")
    values["notes"] = notes
    if reasons:
        raise ValueError("; ".join(reasons))
    return ImportedApplication(**values)


def _unplaced_columns(plan: ImportPlan) -> list[int]:
    """Columns mapped to no field (and not our export's own ID or Last change): kept in the notes."""
    placed = {index for index in plan.mapping.values() if index is not None}
    return [index for index, header in enumerate(plan.headers)
            if index not in placed and header.strip() and _norm(header) not in IGNORED_COLUMNS]


def _date_cells(rows: list[tuple[int, list[str]]], plan: ImportPlan) -> list[tuple[int, str, str]]:
    columns = [(name, plan.mapping.get(name)) for name in (*DATE_FIELDS, "next_follow_up")]
    return [
        (line, plan.headers[index], cells[index])
        for line, cells in rows for name, index in columns if index is not None and index < len(cells) and cells[index].strip()
    ]


def _spelled(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _settle_date_order(plan: ImportPlan, rows: list[tuple[int, list[str]]], requested: str) -> None:
    """Which order to read 01/09/2026 in, why, and which dates are read in a guessed order."""
    cells = _date_cells(rows, plan)
    if requested in ("mdy", "dmy"):
        plan.date_order = requested
        plan.date_order_reason = "as you chose"
        return
    shown = date_order_shown(cells)
    if shown:
        plan.date_order, (line, column, value) = shown
        plan.date_order_reason = f"as line {line} shows (“{value}” in {column})"
        return
    plan.date_order = "mdy"
    plan.date_order_reason = "a guess: no date in the file tells"
    for line, column, value in cells:
        if is_ambiguous_date(value):
            month_first = parse_day(value, day_first=False)
            day_first = parse_day(value, day_first=True)
            plan.ambiguous_dates.append(Problem(line, f"“{value}” in {column} was read as {_spelled(month_first)}, "
                                                      f"not {_spelled(day_first)}"))


def _settle_statuses(plan: ImportPlan, rows: list[tuple[int, list[str]]], chosen: dict[str, str]) -> dict[str, str]:
    """Statuses the format does not know, each with the status chosen for it (or our guess)."""
    index = plan.mapping.get("status")
    if index is None:
        return {}
    found: dict[str, UnknownStatus] = {}
    for _, cells in rows:
        raw = cells[index].strip() if index < len(cells) else ""
        key = _status_key(raw)
        if raw and key not in plan.format.statuses:
            if key not in found:
                pick = chosen.get(key)
                found[key] = UnknownStatus(raw=raw[:60], rows=0, mapped_to=pick if pick in Status.values else guess_status(raw))
            found[key].rows += 1
    plan.unknown_statuses = list(found.values())
    return {key: unknown.mapped_to for key, unknown in found.items()}


def plan_import(
    *, text: str, existing: set[tuple[str, str]], requested_format: str = "auto", date_order: str = "auto",
    mapping: dict[str, int | None] | None = None, status_map: dict[str, str] | None = None,
) -> ImportPlan:
    """Check every row of the file; `existing` holds the (company, title) keys the seeker already tracks.

    `status_map` maps statuses the format does not know (as the file writes them) to ours;
    `date_order` is "auto", "mdy" or "dmy".
    """
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
    _settle_date_order(plan, rows, date_order)
    statuses = _settle_statuses(plan, rows, {_status_key(raw): status for raw, status in (status_map or {}).items()})
    plan.kept_in_notes = [headers[index] for index in _unplaced_columns(plan)]
    seen: dict[tuple[str, str], int] = {}
    for line, cells in rows:
        try:
            row = _check_row(cells, plan, day_first=plan.date_order == "dmy", status_map=statuses)
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
