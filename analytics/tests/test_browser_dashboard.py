"""In the browser: move an application along on its page, then see the dashboard follow."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, username: str, password: str):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password:", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_seeker_changes_a_status_and_the_dashboard_reflects_it(page, alice):
    from applications.services import application_create

    # Tasks run eagerly in tests: the refresh after each commit is immediate here, where
    # a real worker would run it a few seconds later.
    application = application_create(user=alice, company_name="Acme", title="Backend Engineer", status="applied")
    _log_in(page, "alice", "alice-password-1")

    page.goto("/dashboard/")
    assert page.locator("#figure-interview-rate").inner_text() == "0%"
    assert page.locator('.funnel-step[data-stage="interviewing"]').get_attribute("data-count") == "0"

    page.goto(f"/applications/{application.pk}/")
    page.get_by_label("Move to").select_option("interviewing")
    page.get_by_role("button", name="Change status").click()
    assert page.locator("#current-status").inner_text() == "Interviewing"

    page.get_by_role("link", name="Dashboard").click()
    assert page.locator("#figure-interview-rate").inner_text() == "100%"
    assert page.locator("#figure-response-rate").inner_text() == "100%"
    assert page.locator('.funnel-step[data-stage="interviewing"]').get_attribute("data-count") == "1"
    assert "Figures computed" in page.locator("#computed-at").inner_text()
