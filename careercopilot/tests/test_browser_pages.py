"""Every page in Debian's chromium, logged out and logged in, on a desktop (1366×900) and a phone
(390×844): axe-core finds no WCAG 2.1 A/AA violation (also after an htmx swap), no page is
wider than the phone's screen, and a screenshot of each lands in the artifacts folder
(ARTIFACTS_DIR, default var/artifacts/screenshots) for people to look at.

axe-core is vendored in assets/axe-core (npm `axe-core`, MPL-2.0), so the suite needs no network.
One browser and one live server serve the whole module; each test walks its pages in one tab.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from analytics.snapshots import user_metrics_recompute
from applications.models import Application, Status
from applications.services import application_add_note, application_change_status, application_create, interview_schedule
from jobs.tests.factories import JobFactory
from notifications.inbox import notification_send
from notifications.matcher import alerts_match
from notifications.tests.conftest import arrive, later, save_search

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "assets" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21aa"]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", settings.BASE_DIR / "var" / "artifacts")) / "screenshots"

DESCRIPTION = """We build the **pipeline** that moves postings.

## What you will do

- Own the search service
- Review code

Apply with your CV."""


def seed(alice) -> dict:
    acme = JobFactory(title="Backend Engineer", company__name="Acme", company__slug="acme", description=DESCRIPTION,
                      apply_url="https://acme.example/jobs/1")
    for n in range(4):
        JobFactory(title=f"Backend Developer {n}", company=acme.company, remote_policy="remote", location="Remote")
    applications = []
    for n, status in enumerate([Status.SAVED, Status.APPLIED, Status.INTERVIEWING, Status.OFFER, Status.REJECTED]):
        application = application_create(user=alice, company_name=f"Company {n}", title=f"Platform Engineer {n}")
        path = {Status.SAVED: [], Status.APPLIED: ["applied"], Status.INTERVIEWING: ["applied", "interviewing"],
                Status.OFFER: ["applied", "interviewing", "offer"], Status.REJECTED: ["applied", "rejected"]}[status]
        for step in path:
            application = application_change_status(application=application, to_status=step, by=alice)
        applications.append(application)
    tracked = application_create(user=alice, job=acme)
    interview_schedule(application=applications[2], by=alice, starts_at=timezone.now() + timedelta(days=2), with_whom="Dana")
    application_add_note(application=applications[2], text="Asked about the team's on-call.", by=alice)
    user_metrics_recompute(user_ids=[alice.pk])
    # Recommendations with their Track and "Not interested" buttons, and one posting hidden (undo).
    from accounts.models import Profile
    from analytics.services import recommendation_hide

    Profile.objects.filter(user=alice).update(preferred_locations=["Remote"])
    recommendation_hide(user=alice, job=JobFactory(title="Hidden Developer", location="Remote"))
    # A saved search with a new match, and the inbox holding it and a system message.
    search = save_search(alice, name="Payments jobs", q="payments", remote=["hybrid"], frequency="instant")
    arrive(title="Payments analyst", company=acme.company, remote_policy="hybrid", location="Lisbon")
    alerts_match(now=later())
    notification_send(user_id=alice.pk, kind="system", title="Import finished: 3 applications added", url="/applications/")
    return {"job": acme, "application": applications[2], "tracked": tracked, "search": search}


def public_pages(data) -> list[str]:
    return ["/", "/jobs/?q=backend", data["job"].get_absolute_url(), "/companies/acme/", "/login/", "/signup/",
            "/password/reset/"]


def private_pages(data) -> list[str]:
    return ["/", "/jobs/?q=backend", data["job"].get_absolute_url(), "/applications/", "/applications/board/",
            f"/applications/{data['application'].pk}/", f"/applications/{data['application'].pk}/edit/",
            "/applications/new/", "/applications/import/", "/applications/documents/", "/applications/calendar/",
            "/applications/deleted/", "/dashboard/", "/recommendations/", "/profile/", "/password/change/",
            "/account/delete/", "/searches/", f"/searches/{data['search'].pk}/", "/searches/new/?q=payments&remote=hybrid",
            "/notifications/"]


def axe_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:4])
            for v in result["violations"]]


def width_overflow(page) -> int:
    """How many CSS pixels the document is wider than the window (0 when it fits)."""
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth")


def slug(url: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"


def check(page, urls: list[str], who: str, viewport: dict, problems: list[str]) -> None:
    size = f"{viewport['width']}x{viewport['height']}"
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, f"{url}: {response.status}"
        page.wait_for_load_state("load")
        for violation in axe_violations(page):
            problems.append(f"{who} {size} {url}: {violation}")
        overflow = width_overflow(page)
        if overflow > 0:
            problems.append(f"{who} {size} {url}: {overflow}px wider than the window")
        assert page.locator("h1").count() == 1, f"{url}: one <h1> per page"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{who}-{viewport['width']}-{slug(url)}.png"), full_page=True)


def log_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password:", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/applications/")


@pytest.fixture
def browser_context(chromium, live_server):
    """A context per viewport; axe is injected as a script tag, which the page's
    Content-Security-Policy would refuse (test_browser_csp checks the policy itself)."""
    contexts = []

    def open_page(viewport: dict, **options):
        context = chromium.new_context(base_url=live_server.url, viewport=viewport, bypass_csp=True, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def test_every_public_page_passes_axe_and_fits_a_phone(browser_context, alice):
    data = seed(alice)
    problems: list[str] = []
    for viewport in (DESKTOP, PHONE):
        check(browser_context(viewport), public_pages(data), "anonymous", viewport, problems)
    assert problems == []


def test_every_page_of_a_logged_in_seeker_passes_axe_and_fits_a_phone(browser_context, alice):
    data = seed(alice)
    problems: list[str] = []
    for viewport in (DESKTOP, PHONE):
        page = browser_context(viewport)
        log_in(page, "alice", "alice-password-1")
        check(page, private_pages(data), "alice", viewport, problems)
    assert problems == []


def test_dark_mode_passes_axe_too(browser_context, alice):
    """The dark theme's colours meet the contrast ratios as well (system preference dark)."""
    data = seed(alice)
    page = browser_context(DESKTOP, color_scheme="dark")
    problems: list[str] = []
    page.goto("/")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(16, 19, 26)"
    log_in(page, "alice", "alice-password-1")
    for url in ("/", "/jobs/?q=backend", data["job"].get_absolute_url(), "/applications/", "/applications/board/",
                f"/applications/{data['application'].pk}/", "/dashboard/"):
        page.goto(url)
        problems += [f"dark {url}: {v}" for v in axe_violations(page)]
    assert problems == []


def test_the_theme_toggle_overrides_the_system_and_is_remembered(browser_context):
    page = browser_context(DESKTOP, color_scheme="light")
    page.goto("/")
    toggle = page.get_by_role("button", name="Dark mode")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")


def test_pages_stay_accessible_after_htmx_swaps(browser_context, alice):
    data = seed(alice)
    problems: list[str] = []
    page = browser_context(PHONE)
    log_in(page, "alice", "alice-password-1")

    # Search on a phone: the filters sit in a drawer behind a Filters button; ticking a facet
    # swaps the results, keeps the drawer open and the focus on the checkbox, and says the count.
    page.goto("/jobs/?q=backend")
    first_result = page.locator(".job-card").first
    assert first_result.bounding_box()["y"] < PHONE["height"], "the first result is on the first screen"
    expect(page.locator("#filters")).to_be_hidden()
    page.get_by_role("button", name="Filters").click()
    remote = page.locator("#f-remote-remote")
    expect(remote).to_be_visible()
    remote.focus()
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"remote=remote"))
    expect(page.locator("#f-remote-remote")).to_be_focused()
    expect(page.locator("#filters")).to_be_visible()
    expect(page.locator("#live")).to_contain_text("4 jobs")
    problems += [f"search after swap: {v}" for v in axe_violations(page)]
    assert width_overflow(page) <= 0

    # The board: a move keeps the focus on the card's move control and announces the move.
    page.set_viewport_size(DESKTOP)
    page.goto("/applications/board/")
    assert width_overflow(page) <= 0
    card = page.locator(f"#card-{data['tracked'].pk}")
    card.locator("select").select_option("applied")
    card.get_by_role("button", name="Move").click()
    expect(page.locator(f'.board-column[data-status="applied"] #card-{data["tracked"].pk}')).to_be_visible()
    expect(page.locator(f"#move-{data['tracked'].pk}")).to_be_focused()
    expect(page.locator("#live")).to_contain_text("Moved Backend Engineer to applied")
    problems += [f"board after swap: {v}" for v in axe_violations(page)]
    assert problems == []


def test_the_board_shows_all_eight_columns_at_1366_and_scrolls_only_inside(browser_context, alice):
    seed(alice)
    page = browser_context(DESKTOP)
    log_in(page, "alice", "alice-password-1")
    page.goto("/applications/board/")
    columns = page.locator(".board-column")
    expect(columns).to_have_count(8)
    right_edge = page.evaluate("Math.max(...[...document.querySelectorAll('.board-column')].map(c => c.getBoundingClientRect().right))")
    assert right_edge <= DESKTOP["width"], "every column, folded or not, is on screen"
    assert width_overflow(page) <= 0
    card = page.locator(".board-column[data-status=interviewing] .card").first
    expect(card).to_contain_text("Company 2")
    expect(card).to_contain_text("applied")
    expect(card).to_contain_text("Next: Video call")
    expect(page.locator(".board-column[data-status=rejected] .count")).to_have_text("(1)")
    # Closed columns fold: their cards show once opened.
    expect(page.locator(".board-column[data-status=rejected] .card")).to_be_hidden()
    page.locator("#fold-rejected summary").click()
    expect(page.locator(".board-column[data-status=rejected] .card")).to_be_visible()


def test_a_keyboard_only_seeker_searches_tracks_moves_and_adds_a_note(browser_context, alice):
    seed(alice)
    page = browser_context(DESKTOP)
    log_in(page, "alice", "alice-password-1")

    def tab_to(predicate_js: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const el = document.activeElement; return !!el && ({predicate_js}); }})()"):
                return
        raise AssertionError(f"Tab never reached {predicate_js}")

    # The skip link is the first stop and lands in the content.
    page.goto("/jobs/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # Search.
    tab_to("el.id === 'id_q'")
    page.keyboard.type("developer")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=developer"))
    expect(page.locator("#id_q")).to_be_focused()

    # Track the first result: focus stays on the spot, now saying it is tracked.
    tab_to("el.classList.contains('track-button')")
    job_pk = page.evaluate("document.activeElement.id").removeprefix("track-button-")
    page.keyboard.press("Enter")
    expect(page.locator(f"#track-button-{job_pk}")).to_contain_text("Tracked")
    expect(page.locator(f"#track-button-{job_pk}")).to_be_focused()
    application = Application.objects.get(user=alice, job_id=int(job_pk))

    # Move it on the board with the keyboard: focus comes back to the card's move control.
    page.goto("/applications/board/")
    tab_to(f"el.id === 'move-{application.pk}'", limit=120)
    page.keyboard.press("ArrowDown")  # the first allowed status (Applied)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(f'.board-column[data-status="applied"] #card-{application.pk}')).to_be_visible()
    expect(page.locator(f"#move-{application.pk}")).to_be_focused()

    # Open it and add a note.
    page.keyboard.press("Shift+Tab")
    expect(page.locator(f"#card-{application.pk} .card-title")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/applications/{application.pk}/")
    tab_to("el.name === 'text' && el.tagName === 'TEXTAREA'", limit=120)
    page.keyboard.type("Sent the portfolio link.")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(re.compile("Add note"))
    page.keyboard.press("Enter")
    expect(page.locator(".timeline")).to_contain_text("Sent the portfolio link.")
    expect(page.locator(".message.success, .timeline").first).to_be_visible()
