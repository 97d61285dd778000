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
