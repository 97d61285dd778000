"""Postings carry the page to apply at: model, admin, API, import_jobs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from jobs.models import Job
from jobs.tests.factories import JobFactory

pytestmark = pytest.mark.django_db

HEADER = "source,external_id,title,company,description,apply_url\n"


def run_import(tmp_path, text: str) -> tuple[str, str]:
    path = tmp_path / "jobs.csv"
    path.write_text(HEADER + text)
    out, err = StringIO(), StringIO()
    call_command("import_jobs", str(path), no_progress=True, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_reads_the_apply_url_and_a_changed_one_updates_the_posting(tmp_path):
    run_import(tmp_path, "feed,1,SRE,Acme,Keep it up.,https://acme.example/jobs/1\nfeed,2,Chef,Acme,Cook.,\n")
    assert dict(Job.objects.values_list("external_id", "apply_url")) == {"1": "https://acme.example/jobs/1", "2": ""}

    out, _ = run_import(tmp_path, "feed,1,SRE,Acme,Keep it up.,acme.example/apply/1\nfeed,2,Chef,Acme,Cook.,\n")

    assert "0 created, 1 updated, 1 unchanged" in out
    assert Job.objects.get(external_id="1").apply_url == "https://acme.example/apply/1"  # scheme assumed


@pytest.mark.parametrize("url", ["ftp://acme.example/jobs", "javascript:alert(1)", "not a link"])
def test_import_reports_a_bad_apply_url_by_line_and_keeps_the_rest(tmp_path, url):
    out, err = run_import(tmp_path, f"feed,1,SRE,Acme,Keep it up.,{url}\nfeed,2,Chef,Acme,Cook.,https://acme.example/2\n")

    assert "1 created" in out and "1 bad" in out
    assert err.startswith("line 2: apply_url:")


def test_the_api_shows_the_apply_url_on_the_list_and_the_detail(client):
    job = JobFactory(apply_url="https://acme.example/jobs/9")

    assert client.get(f"/api/v1/jobs/{job.pk}/").json()["apply_url"] == "https://acme.example/jobs/9"
    assert client.get("/api/v1/jobs/").json()["items"][0]["apply_url"] == "https://acme.example/jobs/9"


def test_the_admin_edits_the_apply_url(admin_client):
    job = JobFactory()

    assert b'name="apply_url"' in admin_client.get(f"/admin/jobs/job/{job.pk}/change/").content


def test_the_anonymous_job_page_links_to_the_apply_page_in_a_new_tab_and_stays_shareable(client):
    job = JobFactory(apply_url="https://acme.example/jobs/9")

    first = client.get(job.get_absolute_url())
    second = client.get(job.get_absolute_url())

    assert second["X-Page-Cache"] == "hit"
    body = second.content.decode()
    assert '<a class="button" href="https://acme.example/jobs/9" target="_blank" rel="noopener noreferrer nofollow">' in body
    assert "csrfmiddlewaretoken" not in first.content.decode() and "Mark as applied" not in body


def test_a_closed_posting_offers_no_apply_link(client):
    job = JobFactory(apply_url="https://acme.example/jobs/9", is_active=False)

    assert "acme.example/jobs/9" not in client.get(job.get_absolute_url()).content.decode()
