import pytest
from django.test import Client

from jobs.models import Job
from jobs.tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def run_action(admin_client, action, jobs):
    return admin_client.post(
        "/admin/jobs/job/",
        {"action": action, "_selected_action": [job.pk for job in jobs]},
        follow=True,
    )


def test_deactivating_jobs_hides_them_from_cached_pages_at_once(admin_client, capture_commits):
    plumber, welder = JobFactory(title="Plumber"), JobFactory(title="Welder")
    visitor = Client()
    assert "Plumber" in visitor.get("/jobs/").content.decode()
    assert "Plumber" in visitor.get(plumber.get_absolute_url()).content.decode()

    with capture_commits():
        response = run_action(admin_client, "deactivate_jobs", [plumber])
    assert "1 job(s) deactivated." in response.content.decode()

    assert not Job.objects.get(pk=plumber.pk).is_active and Job.objects.get(pk=welder.pk).is_active
    listing = visitor.get("/jobs/")
    assert listing["X-Page-Cache"] == "miss"
    assert "Plumber" not in listing.content.decode() and "Welder" in listing.content.decode()
    assert "This posting is closed." in visitor.get(plumber.get_absolute_url()).content.decode()


def test_activating_jobs_lists_them_again(admin_client, capture_commits):
    job = JobFactory(title="Plumber", is_active=False)
    assert "Plumber" not in Client().get("/jobs/").content.decode()
    with capture_commits():
        response = run_action(admin_client, "activate_jobs", [job, JobFactory()])
    assert "1 job(s) activated." in response.content.decode()  # the other one was active already
    assert "Plumber" in Client().get("/jobs/").content.decode()


def test_editing_a_job_in_the_admin_refreshes_its_cached_page(admin_client, capture_commits):
    job = JobFactory(title="Plumber")
    visitor = Client()
    visitor.get(job.get_absolute_url())
    with capture_commits():
        admin_client.post(f"/admin/jobs/job/{job.pk}/change/", {
            "company": job.company_id, "title": "Gas fitter", "slug": job.slug, "description": job.description,
            "location": job.location, "remote_policy": job.remote_policy, "job_type": job.job_type,
            "experience_level": job.experience_level, "salary_currency": "USD", "salary_period": "year", "posted_at_0": job.posted_at.date(),
            "posted_at_1": job.posted_at.time().replace(microsecond=0), "is_active": "on", "source": job.source,
            "external_id": job.external_id, "job_skills-TOTAL_FORMS": 0, "job_skills-INITIAL_FORMS": 0,
        })
    assert Job.objects.get(pk=job.pk).title == "Gas fitter"
    assert "Gas fitter" in visitor.get(job.get_absolute_url()).content.decode()
