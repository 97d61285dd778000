"""In the browser: Track from a search result card (htmx, no page load) and Apply then mark applied."""

from __future__ import annotations

import pytest

from applications.models import Application
from jobs.tests.factories import JobFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_seeker_tracks_from_the_results_and_marks_a_posting_applied_after_applying(page, alice):
    tracked = JobFactory(title="Search Engineer", company__name="Hooli")
    applied = JobFactory(title="Platform Engineer", company__name="Initech", apply_url="https://initech.example/apply/7")

    page.goto("/login/")
    page.get_by_label("Username or email").fill("alice@example.com")
    page.get_by_label("Password").fill("alice-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/applications/")

    page.goto("/jobs/")
    page.get_by_role("button", name="Track Search Engineer").click()
    page.get_by_text("Tracked ✓").wait_for()
    assert page.url.endswith("/jobs/")  # swapped in place, no page load
    assert Application.objects.get(user=alice, job=tracked).status == "saved"

    page.goto(applied.get_absolute_url())
    apply_link = page.get_by_role("link", name="Apply on their site")
    assert apply_link.get_attribute("href") == "https://initech.example/apply/7"
    assert apply_link.get_attribute("target") == "_blank"
    page.get_by_role("button", name="Mark as applied").click()
    page.get_by_text("Marked Platform Engineer at Initech as applied.").wait_for()
    assert page.get_by_text("You are tracking this job (Applied)").is_visible()
    assert Application.objects.get(user=alice, job=applied).status == "applied"
