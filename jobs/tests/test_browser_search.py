import re

import pytest
from playwright.sync_api import expect

from jobs.tests.factories import CompanyFactory, JobFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_searches_filters_and_opens_a_posting(page):
    acme = CompanyFactory(name="Acme")
    JobFactory(title="Remote Python developer", company=acme, remote_policy="remote", description="Build APIs in Python.")
    JobFactory(title="Office Python developer", company=acme, remote_policy="onsite")
    JobFactory(title="Remote chef", remote_policy="remote")

    page.goto("/")
    page.get_by_role("search").get_by_label("Search jobs").fill("python")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/jobs/\?q=python"))
    results = page.get_by_role("region", name="Results")
    expect(results.locator(".result-count")).to_have_text("2 jobs for “python”")
    expect(results.get_by_role("link", name="Office Python developer")).to_be_visible()

    page.get_by_role("checkbox", name=re.compile(r"^Remote \(1\)")).check()
    page.wait_for_url(re.compile(r"remote=remote"))
    results = page.get_by_role("region", name="Results")
    expect(results.locator(".result-count")).to_have_text("1 job for “python”")
    expect(results.get_by_role("link", name="Office Python developer")).to_have_count(0)

    results.get_by_role("link", name="Remote Python developer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remote Python developer")
    expect(page.get_by_role("link", name="Acme").first).to_be_visible()
