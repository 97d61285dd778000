"""In the browser: move an application along on its page, then see the dashboard follow."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The suite's vendored axe-core (careercopilot/tests/assets/), read as a file: analytics imports nothing above it.
AXE = settings.BASE_DIR / "careercopilot" / "tests" / "assets" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + ";0")  # evaluated by the browser's devtools, so the page keeps its CSP
    result = page.evaluate("() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})")
    return [f"{v['id']}: {v['help']}" for v in result["violations"]]


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


@pytest.mark.broker
def test_the_dashboard_says_it_is_updating_and_refreshes_itself_without_a_reload(worker, page, alice):
    """With a real worker the refresh lands seconds after the change: the page polls for it, swaps
    the figures in place, announces them in the live region and leaves focus where it was."""
    from applications.services import application_create

    _log_in(page, "alice", "alice-password-1")
    page.goto("/dashboard/")
    assert "Nothing tracked yet" in page.locator("#figures").inner_text()

    application_create(user=alice, company_name="Acme", title="Backend Engineer", status="applied")
    page.goto("/dashboard/")
    assert "Adding your latest change" in page.locator("#figures-updating").inner_text()
    assert "Nothing tracked yet" not in page.locator("#figures").inner_text()
    assert axe_violations(page) == []
    page.evaluate("window.notReloaded = true")
    page.get_by_role("link", name="Dashboard").focus()

    # The worker runs the refresh ~6 s after the change (the debounce), then the next poll swaps it in;
    # the page polls for 60 s, and so does this wait (a loaded CI machine has taken over 30 s).
    page.locator("#figure-total").wait_for(timeout=60_000)

    assert page.locator("#figure-total").inner_text() == "1"
    assert page.locator("#figures-updating").count() == 0  # and the polling stopped with it
    assert page.evaluate("window.notReloaded") is True
    assert page.evaluate("document.activeElement.textContent.trim()") == "Dashboard"
    # The news is set a moment after the swap (js/htmx-config.js). A locator waits for it; a
    # wait_for_function string would poll through eval, which the page's CSP refuses (it then
    # failed whenever the news was not there at the first look: under load).
    page.locator("#live", has_text="Your figures are up to date").wait_for(state="attached", timeout=10_000)
    assert "just now" in page.locator("#computed-at").inner_text()
    assert axe_violations(page) == []
