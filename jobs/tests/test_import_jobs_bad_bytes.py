"""import_jobs keeps the good rows whatever the bad one holds (Deliver 11): a NUL byte, bytes
that are not UTF-8, a 128 KB field, a JSON line nested 935 levels deep. Each is that row's
error; the good rows of its batch and around it are imported (the finding: one such row
refused the 2,000 good rows of its batch, or stopped the file with a traceback)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from jobs.models import Job

pytestmark = pytest.mark.django_db

GOOD = 600
BATCH = 500  # the bad rows sit inside a batch of good ones
HUGE = "x" * (128 * 1024)


def run(path) -> tuple[str, list[str]]:
    out, err = StringIO(), StringIO()
    call_command("import_jobs", str(path), no_progress=True, batch_size=BATCH, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue().strip().splitlines()


def good_csv_rows(start: int, count: int) -> bytes:
    return "".join(f"feed,{n},Developer {n},Acme,Good row {n}.,Python|SQL\n" for n in range(start, start + count)).encode()


def test_csv_bad_rows_are_reported_and_the_good_rows_kept(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_bytes(
        b"source,external_id,title,company,description,skills\n"
        + good_csv_rows(0, 300)
        + b"feed,nul,Developer,Acme,Has a \x00 NUL byte.,Python\n"  # line 302
        + b"feed,nul-skill,Developer,Acme,Fine.,Py\x00thon\n"
        + b"feed,latin1,D\xe9veloppeur,Acme,Not UTF-8.,\n"
        + b"feed,huge,Developer,Acme," + HUGE.encode() + b",\n"
        + good_csv_rows(300, 300)
    )

    out, errors = run(path)

    assert Job.objects.count() == GOOD
    assert f"{GOOD:,} created" in out and "4 bad" in out
    assert errors == [
        "line 302: description: contains a NUL byte, which no text column can store",
        "line 303: skills: contains a NUL byte, which no text column can store",
        "line 304: title: byte 0xE9 is not UTF-8 text; save the file as UTF-8",
        "line 305: description: Ensure this value has at most 100000 characters (it has 131072).",
    ]


def test_json_lines_bad_rows_are_reported_and_the_good_rows_kept(tmp_path):
    def line(n, **changes) -> bytes:
        row = {"source": "feed", "external_id": str(n), "title": f"Developer {n}", "company": "Acme", "description": "Good.", **changes}
        return json.dumps(row).encode() + b"\n"

    path = tmp_path / "feed.jsonl"
    path.write_bytes(
        b"".join(line(n) for n in range(300))
        + line("nul", description="NUL \u0000 inside")  # line 301
        + line("bytes", title="XXX").replace(b"XXX", b"D\xe9veloppeur")
        + line("huge", location=HUGE)
        + b"[" * 935 + b"]" * 935 + b"\n"
        + b'{"source": "feed", "external_id": "deep", "title": "x", "company": "Acme", "description": '
        + b"[" * 935 + b"]" * 935 + b"}\n"
        + b"".join(line(n) for n in range(300, 600))
    )

    out, errors = run(path)

    assert Job.objects.count() == GOOD
    assert f"{GOOD:,} created" in out and "5 bad" in out
    assert errors == [
        "line 301: description: contains a NUL byte, which no text column can store",
        "line 302: title: byte 0xE9 is not UTF-8 text; save the file as UTF-8",
        "line 303: location: Ensure this value has at most 120 characters (it has 131072).",
        "line 304: is not a posting: it is nested too deeply (more than 32 levels)",
        "line 305: is not a posting: it is nested too deeply (more than 32 levels)",
    ]
