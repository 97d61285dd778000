"""Import job postings from a CSV or JSON Lines file.

    manage.py import_jobs postings.csv
    manage.py import_jobs feed.jsonl --source acme-feed --batch-size 2000

Columns / keys: source, external_id, title, company, description, location, remote_policy,
job_type, experience_level, salary_min, salary_max, salary_currency, posted_at, expires_at,
is_active, skills (CSV: "python|django"; JSON: a list), apply_url. Required: external_id, title, company,
description (source comes from --source when a row has none).

Postings are upserted on (source, external_id); a row equal to what is stored is not written,
so importing the same file twice changes nothing. A bad row is reported with its line number
and reason and the import carries on: a field with a NUL byte or bytes that are not UTF-8, a
field longer than its column allows (a description up to 100,000 characters), a JSON line
nested too deeply, a CSV record it cannot read. Should the database still refuse a batch,
its rows are retried one by one, so only the row at fault is lost.
"""

from __future__ import annotations

import csv
import json
import queue
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from jobs import bounded_json
from jobs.forms import JobImportRowForm, validate_import_row
from jobs.signals import postings_imported
from jobs.services import ImportResult, ImportRow, import_job_rows

FIELDS = list(JobImportRowForm.base_fields)
# A record is read whole before its fields are checked: the csv module's own cap (128 KB a
# field) would stop the file at the first long description. Past this, the record is refused.
MAX_RECORD_FIELD_CHARS = 4 * 1024 * 1024
# Bytes that are not UTF-8 are read as lone surrogates (errors="surrogateescape") so the file
# goes on; a field holding one is refused, naming the byte.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def _csv_records(path: Path) -> Iterator[tuple[int, dict | None, str]]:
    csv.field_size_limit(MAX_RECORD_FIELD_CHARS)
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            return
        unknown = set(reader.fieldnames) - set(FIELDS)
        if unknown:
            raise CommandError(f"Unknown CSV column(s): {', '.join(sorted(unknown))}. Known: {', '.join(FIELDS)}")
        start = reader.line_num + 1
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, None, f"cannot be read as CSV ({exc})"
                start = reader.line_num + 1
                continue
            if None in record:  # more cells than header columns
                yield start, None, f"has {len(reader.fieldnames) + len(record[None])} cells, the header has {len(reader.fieldnames)}"
            else:
                yield start, record, ""
            start = reader.line_num + 1


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict | None, str]]:
    with path.open(encoding="utf-8-sig", errors="surrogateescape") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = bounded_json.loads(line)
            except bounded_json.TooDeep as exc:
                yield number, None, f"is not a posting: {exc}"
                continue
            except json.JSONDecodeError as exc:
                yield number, None, f"is not valid JSON ({exc.msg} at column {exc.colno})"
                continue
            if not isinstance(record, dict):
                yield number, None, "is not a JSON object"
                continue
            yield number, record, ""


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def _in_background(chunks: Iterator[list]) -> Iterator[list]:
    """Run the parsing and validation in a thread, a couple of batches ahead of the writes.

    The thread touches no database: the writes stay on the command's own connection (and in
    a test's transaction). While PostgreSQL works on one batch the thread checks the next,
    since psycopg releases the GIL while it waits.
    """
    ahead: queue.Queue = queue.Queue(maxsize=3)
    done = object()

    def produce() -> None:
        try:
            for chunk in chunks:
                ahead.put(chunk)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            ahead.put(exc)
        ahead.put(done)

    worker = threading.Thread(target=produce, name="import-jobs-reader", daemon=True)
    worker.start()
    while (item := ahead.get()) is not done:
        if isinstance(item, BaseException):
            raise item
        yield item
    worker.join()


class Command(BaseCommand):
    help = "Import job postings from a CSV or JSON Lines file (upsert on source + external_id)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["auto", "csv", "jsonl"], default="auto",
                            help="File format; 'auto' goes by the extension (.csv, .jsonl/.ndjson/.json).")
        parser.add_argument("--source", default="import", help="Source for rows that name none (default: import).")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar.")

    def handle(self, *args, file: Path, format: str, source: str, batch_size: int, no_progress: bool, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        kind = format if format != "auto" else ("csv" if file.suffix.lower() == ".csv" else "jsonl")
        records = _csv_records(file) if kind == "csv" else _jsonl_records(file)

        started = time.monotonic()
        total, bad, read = ImportResult(), 0, 0
        seen: dict[tuple[str, str], int] = {}
        progress = tqdm(total=_count_lines(file), unit=" lines", disable=no_progress, file=sys.stderr, mininterval=0.5)

        def report(line: int, reason: str) -> None:
            nonlocal bad
            bad += 1
            progress.clear()
            self.stderr.write(f"line {line}: {reason}")

        for checked in _in_background(self._checked_chunks(records, source, batch_size)):
            batch = []
            for line, row in checked:
                read += 1
                if isinstance(row, str):
                    report(line, row)
                elif row.key in seen:
                    report(line, f"duplicate of line {seen[row.key]} (same source and external_id)")
                else:
                    seen[row.key] = line
                    batch.append(row)
            if batch:
                try:
                    total.add(import_job_rows(rows=batch))
                except DatabaseError:
                    # One row the checks missed must not cost the batch's good rows: one by one.
                    for row in batch:
                        try:
                            total.add(import_job_rows(rows=[row]))
                        except DatabaseError as exc:
                            report(row.line, f"not saved, the database refused it: {exc}".strip())
            progress.n = checked[-1][0]
            progress.update(0)
        progress.n = progress.total
        progress.close()

        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Read {read:,} rows in {elapsed:.1f}s ({read / elapsed if elapsed else 0:,.0f} rows/s): "
            f"{total.created:,} created, {total.updated:,} updated, {total.unchanged:,} unchanged, {bad:,} bad."
        )
        # Higher apps (notifications: a message to the staff) hear that an import finished.
        postings_imported.send(sender=self.__class__, source=source, created=total.created, updated=total.updated,
                               unchanged=total.unchanged, bad=bad)

    def _checked_chunks(self, records, source: str, size: int) -> Iterator[list[tuple[int, ImportRow | str]]]:
        chunk = []
        for line, record, problem in records:
            chunk.append((line, problem if record is None else self._validate(line, record, source)))
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    @staticmethod
    def _validate(line: int, record: dict, default_source: str) -> ImportRow | str:
        data = {name: record.get(name) for name in FIELDS}
        if not data["source"]:
            data["source"] = default_source
        for name, value in data.items():
            # JSON numbers and booleans are fine; nested objects are not something we can store.
            if isinstance(value, dict) or (isinstance(value, list) and name != "skills"):
                return f"{name}: expected a single value, got {type(value).__name__}"
            for text in (value if isinstance(value, list) else [value]):
                if not isinstance(text, str):
                    continue
                if "\x00" in text:
                    return f"{name}: contains a NUL byte, which no text column can store"
                not_utf8 = _NOT_UTF8.search(text)
                if not_utf8:
                    return f"{name}: byte 0x{ord(not_utf8.group()) - 0xDC00:02X} is not UTF-8 text; save the file as UTF-8"
        cleaned, errors = validate_import_row(data)
        if errors:
            return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
        return ImportRow(line=line, **cleaned)
