"""A seeker tracks a posting and walks it through the pipeline in a real browser."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from applications.models import Application, Status
from applications.tests.factories import JobFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password:", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/applications/")  # log-in lands on the pipeline


def open_posting(page, job) -> None:
    """The job's own page when the catalogue has one, else the track page it posts to."""
    try:
        page.goto(job.get_absolute_url())
    except NoReverseMatch:
        page.goto(reverse("application_track", args=[job.pk]))


def move_on_board(page, application: Application, to_status: str) -> None:
    card = page.locator(f"#card-{application.pk}")
    card.locator("select[name=to_status]").select_option(to_status)
    card.get_by_role("button", name="Move").click()
    expect(page.locator(f'.board-column[data-status="{to_status}"] #card-{application.pk}')).to_be_visible()


def test_a_seeker_tracks_a_posting_moves_it_to_offer_and_exports_the_timeline(page, alice):
    job = JobFactory(title="Backend Engineer", company__name="Acme")
    log_in(page, "alice", "alice-password-1")

    open_posting(page, job)
    page.get_by_role("button", name="Track this job").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Backend Engineer")
    application = Application.objects.get(user=alice, job=job)
    assert application.status == Status.SAVED

    page.get_by_role("link", name="Board", exact=True).click()
    expect(page.locator(f'.board-column[data-status="saved"] #card-{application.pk}')).to_be_visible()
    for status in ("applied", "interviewing", "offer"):
        move_on_board(page, application, status)
        # The notice inside the board fragment only comes with htmx's in-place swap, not a page load.
        expect(page.locator("#board [role=status]")).to_contain_text(f"to {status}.")
    application.refresh_from_db()
    assert application.status == Status.OFFER

    page.locator(f"#card-{application.pk}").get_by_role("link", name="Backend Engineer").click()
    timeline = page.locator("#timeline li")
    expect(timeline).to_have_count(4)
    expect(timeline.nth(0)).to_contain_text("Added as Saved")
    expect(timeline.nth(1)).to_contain_text("Saved → Applied")
    expect(timeline.nth(2)).to_contain_text("Applied → Interviewing")
    expect(timeline.nth(3)).to_contain_text("Interviewing → Offer")

    page.get_by_role("link", name="My applications").click()
    page.wait_for_url("**/applications/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.DictReader(io.StringIO(exported.read())))
    assert [(r["Company"], r["Job title"], r["Status"]) for r in rows] == [("Acme", "Backend Engineer", "Offer")]
    with page.expect_download() as download:
        page.get_by_role("link", name="Export with timeline (zip)").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        timeline = list(csv.DictReader(io.StringIO(archive.read("timeline.csv").decode("utf-8-sig"))))
    assert [(r["Event"], r["From"], r["To"]) for r in timeline] == [
        ("Created", "", "saved"), ("Status changed", "saved", "applied"),
        ("Status changed", "applied", "interviewing"), ("Status changed", "interviewing", "offer"),
    ]
    assert {r["Company"] for r in timeline} == {"Acme"}


def test_the_board_works_without_javascript(chromium, live_server, alice):
    from applications.services import application_create

    application = application_create(user=alice, company_name="Initech", title="SRE")
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, "alice", "alice-password-1")
        page.goto("/applications/board/")
        move_on_board(page, application, "applied")
        expect(page.locator(".messages")).to_contain_text("Moved SRE to applied.")  # shown after the redirect
        application.refresh_from_db()
        assert application.status == Status.APPLIED
    finally:
        context.close()


def test_a_seeker_previews_and_imports_a_huntr_export(page, alice, tmp_path):
    export = tmp_path / "huntr.csv"
    export.write_text(
        "Company,Job Title,List,Date Applied,Notes\n"
        "Hooli,Search Engineer,Applied,2026-01-07,\"Referred by Gavin,\nfollow up Friday\"\n"
        "Initech,TPS Analyst,Wishlist,,\n",
        encoding="utf-8",
    )
    log_in(page, "alice", "alice-password-1")
    page.goto("/applications/import/")
    page.get_by_label("CSV file").set_input_files(str(export))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import preview")
    assert not Application.objects.exists()  # the preview saved nothing

    page.get_by_role("button", name="Import 2 applications").click()

    expect(page.locator(".messages")).to_contain_text("Imported 2 applications.")
    hooli = Application.objects.get(user=alice, company_name="Hooli")
    assert (hooli.status, hooli.notes) == (Status.APPLIED, "Referred by Gavin,\nfollow up Friday")


def test_a_card_can_be_dragged_to_a_column_it_may_move_to(page, alice):
    from applications.services import application_create

    application = application_create(user=alice, company_name="Initech", title="SRE")
    log_in(page, "alice", "alice-password-1")
    page.goto("/applications/board/")

    page.drag_and_drop(f"#card-{application.pk}", '.board-column[data-status="offer"]')  # not allowed from saved
    page.drag_and_drop(f"#card-{application.pk}", '.board-column[data-status="applied"]')

    expect(page.locator(f'.board-column[data-status="applied"] #card-{application.pk}')).to_be_visible()
    application.refresh_from_db()
    assert application.status == Status.APPLIED
    assert application.events.filter(kind="status_changed").count() == 1
