"""A seeker saves a search in a real browser, a matching posting arrives, the matcher runs, the
bell shows it, the notification opens the saved search, and the email's unsubscribe link (real
SMTP) turns the alerts off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Profile
from notifications.digests import deliveries_send
from notifications.matcher import alerts_match
from notifications.models import SavedSearch
from notifications.tests.conftest import arrive, later

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password:", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=f"Log out ({username})")).to_be_visible()


def test_save_a_search_see_the_new_match_on_the_bell_open_it_and_unsubscribe_from_the_email(
        page, alice, live_server, smtp_server, settings):
    settings.SITE_URL = live_server.url
    log_in(page, "alice", "alice-password-1")

    page.goto("/jobs/?q=payments&remote=hybrid")
    page.get_by_role("link", name="Save this search").click()
    page.get_by_label("Name").fill("Payments, hybrid")
    page.get_by_label("Email me").select_option(label="Instantly")
    page.get_by_role("button", name="Save search").click()
    expect(page.locator(".saved-search")).to_contain_text("Payments, hybrid")
    expect(page.locator("#bell-count")).to_have_count(0)

    job = arrive(title="Payments engineer", remote_policy="hybrid", location="Lisbon")
    arrive(title="Payments engineer", remote_policy="onsite", external_id="onsite-one")  # the filter leaves it out
    run = alerts_match(now=later())
    assert run.matches == 1
    deliveries_send(run.instant_deliveries)

    page.reload()
    expect(page.locator("#bell-count")).to_contain_text("1")
    expect(page.locator(".saved-search")).to_contain_text("1 new")
    page.locator("a.bell").click()
    expect(page).to_have_url(f"{live_server.url}/notifications/")
    page.get_by_role("button", name="1 new job for “Payments, hybrid”").click()
    search = SavedSearch.objects.get(user=alice)
    expect(page).to_have_url(f"{live_server.url}/searches/{search.pk}/")
    expect(page.locator(".job-card")).to_contain_text(job.title)
    expect(page.locator("#bell-count")).to_have_count(0)

    [received] = smtp_server.wait(1)
    text = received.message.get_payload()[0].get_payload(decode=True).decode()
    assert job.title in text
    unsubscribe = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Stop these emails: "))
    assert unsubscribe.startswith(live_server.url + "/unsubscribe/")
    page.goto(unsubscribe)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator("#unsubscribed")).to_be_visible()
    assert Profile.objects.get(user=alice).email_alerts is False
