"""A seeker prepares for an interview in a real browser: interview, contact, résumé, a move undone,
the application archived, the calendar feed fetched the way a calendar app would, and at the end
a forgotten password reset through the link in the email (a real SMTP server receives it)."""

from __future__ import annotations

import datetime as dt
import re
import urllib.request

import icalendar
import pytest
from playwright.sync_api import expect

from applications.models import Application, Document, Interview, Status
from applications.services import application_create
from applications.tests.factories import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password:", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=f"Log out ({username})")).to_be_visible()


def test_interview_contact_resume_undo_archive_the_calendar_feed_and_a_password_reset(page, alice, tmp_path, smtp_server):
    alice.profile.time_zone = "Europe/Berlin"
    alice.profile.save(update_fields=["time_zone"])
    application = application_create(user=alice, company_name="Initech", title="Platform Engineer", status=Status.INTERVIEWING)
    resume = tmp_path / "alice-cv.pdf"
    resume.write_bytes(PDF_BYTES)
    log_in(page, "alice", "alice-password-1")
    page.goto(application.get_absolute_url())

    # An interview, typed in the seeker's own zone (Berlin, UTC+2 in June).
    page.get_by_text("Add an interview").click()
    page.get_by_label("Date and time").fill("2031-06-03T14:30")
    page.get_by_label("Kind of interview").select_option(label="On-site")
    page.get_by_label("With whom").fill("Bill Lumbergh")
    page.get_by_label("Where or link").fill("Initech HQ, Austin")
    page.get_by_role("button", name="Add interview").click()
    expect(page.locator("#interviews")).to_contain_text("Tue 3 Jun 2031, 14:30")
    assert Interview.objects.get().starts_at == dt.datetime(2031, 6, 3, 12, 30, tzinfo=dt.UTC)

    # A contact.
    page.get_by_text("Add a contact").click()
    page.get_by_label("Name", exact=True).fill("Peter Gibbons")
    page.get_by_label("Email", exact=True).fill("peter@initech.example")
    page.get_by_role("button", name="Add contact").click()
    expect(page.locator("#contacts")).to_contain_text("Peter Gibbons")

    # A résumé, uploaded and attached in one step.
    page.get_by_text("Upload a new version and attach it").click()
    page.get_by_label("File (PDF, DOCX or text, up to 5 MB)").set_input_files(str(resume))
    page.get_by_label("Version name").fill("CV backend")
    page.get_by_role("button", name="Upload and attach").click()
    expect(page.locator("#documents")).to_contain_text("CV backend")
    with page.expect_download() as download:
        page.locator("#documents").get_by_role("link", name="CV backend").click()
    assert open(download.value.path(), "rb").read() == PDF_BYTES
    assert list(Document.objects.get().applications.all()) == [application]

    # Move the card to Offer on the board, then undo it from the notice.
    page.get_by_role("link", name="Board", exact=True).click()
    card = page.locator(f"#card-{application.pk}")
    expect(card).to_contain_text("Next: On-site, 3 Jun 2031, 14:30")
    card.locator("select[name=to_status]").select_option("offer")
    card.get_by_role("button", name="Move").click()
    expect(page.locator(f'.board-column[data-status="offer"] #card-{application.pk}')).to_be_visible()
    expect(page.locator("#board-notice")).to_contain_text("Moved Platform Engineer to offer.")
    page.locator("#board-notice").get_by_role("button", name="Undo").click()
    expect(page.locator(f'.board-column[data-status="interviewing"] #card-{application.pk}')).to_be_visible()
    expect(page.locator("#board-notice")).to_contain_text("Platform Engineer is interviewing again.")
    assert Application.objects.get(pk=application.pk).status == Status.INTERVIEWING

    # Both events stay on the timeline; then archive it, and it leaves the board.
    page.locator(f"#card-{application.pk}").get_by_role("link", name="Platform Engineer").click()
    expect(page.locator("#timeline")).to_contain_text("Interviewing → Offer")
    expect(page.locator("#timeline")).to_contain_text("Undone: back from Offer to Interviewing")
    page.get_by_role("button", name="Archive").click()
    expect(page.locator("#archived-badge")).to_be_visible()
    page.get_by_role("link", name="Board", exact=True).click()
    expect(page.locator(f"#card-{application.pk}")).to_have_count(0)

    # Subscribe: the address on the calendar page, fetched without any session, as a calendar app does.
    page.goto("/applications/calendar/")
    feed_url = page.get_by_label("Your private calendar address").input_value()
    with urllib.request.urlopen(feed_url, timeout=10) as response:
        calendar = icalendar.Calendar.from_ical(response.read())
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "On-site: Platform Engineer at Initech"
    assert event.decoded("dtstart") == dt.datetime(2031, 6, 3, 12, 30, tzinfo=dt.UTC)

    # Later, on another device, the password is forgotten: the link in the email sets a new one.
    page.get_by_role("button", name="Log out (alice)").click()
    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url("**/password/reset/sent/")
    [mail] = smtp_server.wait(1)
    assert mail.rcpt_tos == ["alice@example.com"]
    page.goto(re.search(r"http://\S+/password/reset/\S+/", mail.body).group(0))
    page.get_by_label("New password:", exact=True).fill("a-brand-new-pass-5")
    page.get_by_label("New password confirmation").fill("a-brand-new-pass-5")
    page.get_by_role("button", name="Set the new password").click()
    page.wait_for_url("**/password/reset/done/")
    log_in(page, "alice", "a-brand-new-pass-5")
