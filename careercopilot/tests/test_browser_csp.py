"""In a real browser, no page breaks the Content-Security-Policy (Deliver 10): every script and
style loads from a file, htmx works without eval or inline styles, the board's drag and drop
script loads, and Swagger UI starts."""

from __future__ import annotations

import pytest

from applications.services import application_create
from jobs.tests.factories import JobFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_page_violates_the_policy(page, alice, admin_user):
    violations: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    job = JobFactory(title="Backend Engineer", company__name="Acme", company__slug="acme")
    application_create(user=alice, job=job)

    for url in ("/", "/jobs/?q=backend", job.get_absolute_url(), "/companies/acme/", "/login/", "/password/reset/",
                "/api/v1/docs/"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
    page.locator("#swagger-ui .information-container").wait_for()  # Swagger UI started

    page.goto("/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password:", exact=True).fill("alice-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/applications/")  # log-in lands on the pipeline
    for url in ("/applications/", "/applications/board/", "/dashboard/", "/recommendations/", "/profile/",
                "/jobs/?q=backend", "/applications/import/", "/account/delete/"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
    page.goto("/applications/board/")  # htmx is loaded only where a page swaps parts of itself
    assert page.evaluate("htmx.config.allowEval === false && htmx.config.includeIndicatorStyles === false")

    assert violations == []
