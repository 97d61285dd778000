"""The job page shows a seeker's own application through applications' template tag."""

import pytest

from applications.models import Application
from jobs.tests.conftest import make_catalogue
from jobs.tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [3, 30])
def test_a_seeker_sees_the_job_page_in_a_fixed_number_of_queries(alice_client, size, django_assert_num_queries):
    job = make_catalogue(size)[0]
    # 1 the session's user, 2 job and company, 3 skills, 4 similar jobs, 5 alice's application for it
    with django_assert_num_queries(5):
        response = alice_client.get(job.get_absolute_url())
    assert response.status_code == 200


def test_a_seeker_already_tracking_the_job_sees_its_status(alice_client, alice):
    job = JobFactory()
    Application.objects.create(user=alice, job=job, status="applied")
    body = alice_client.get(job.get_absolute_url()).content.decode()
    assert "You are tracking this job (Applied)" in body
    assert "Track this job</button>" not in body


# --- Apply on the employer's site, then mark it applied -------------------------------------


def test_a_seeker_who_does_not_track_the_job_gets_it_tracked_and_applied_in_one_step(alice_client, alice):
    job = JobFactory(apply_url="https://acme.example/jobs/9")
    assert "Mark as applied</button>" in alice_client.get(job.get_absolute_url()).content.decode()

    response = alice_client.post(f"/applications/track/{job.pk}/applied/")

    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    application = Application.objects.get(user=alice, job=job)
    assert application.status == "applied" and application.applied_at is not None
    assert application.url == "https://acme.example/jobs/9"  # the seeker keeps the link if the posting goes
    assert list(application.events.values_list("kind", "to_status")) == [("created", "applied")]
    body = alice_client.get(job.get_absolute_url()).content.decode()
    assert "You are tracking this job (Applied)" in body and "Mark as applied" not in body


def test_a_saved_application_moves_to_applied_with_its_event(alice_client, alice):
    job = JobFactory(apply_url="https://acme.example/jobs/9")
    alice_client.post(f"/applications/track/{job.pk}/")

    alice_client.post(f"/applications/track/{job.pk}/applied/")

    application = Application.objects.get(user=alice, job=job)
    assert list(application.events.values_list("kind", "from_status", "to_status")) == [
        ("created", "", "saved"), ("status_changed", "saved", "applied"),
    ]


def test_marking_an_application_further_along_changes_nothing(alice_client, alice):
    job = JobFactory(apply_url="https://acme.example/jobs/9")
    Application.objects.create(user=alice, job=job, status="interviewing")

    response = alice_client.post(f"/applications/track/{job.pk}/applied/", follow=True)

    assert Application.objects.get(user=alice, job=job).status == "interviewing"
    assert "it is interviewing" in response.content.decode()


def test_marking_applied_sends_anonymous_visitors_to_log_in(client):
    job = JobFactory()

    response = client.post(f"/applications/track/{job.pk}/applied/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Application.objects.exists()


def test_marking_applied_on_a_missing_posting_is_a_404_and_a_get_is_refused(alice_client):
    job = JobFactory()

    assert alice_client.post("/applications/track/999999/applied/").status_code == 404
    assert alice_client.get(f"/applications/track/{job.pk}/applied/").status_code == 405
