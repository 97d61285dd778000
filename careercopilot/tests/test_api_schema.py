"""The OpenAPI schema tells the truth (Deliver 13): schemathesis generates requests for every
operation of /api/v1/schema/, bounded to a few examples each, and every answer must be no
5xx, a status code the schema documents, the content type it documents, and a body that
matches its schema. Requests carry alice's API token; she has applications and the catalogue
has postings, so ids sometimes hit.

    pytest careercopilot/tests/test_api_schema.py
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from applications.services import application_change_status, application_create, application_set_follow_up
from jobs.tests.factories import JobFactory

EXAMPLES_PER_OPERATION = 15
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


@pytest.fixture(autouse=True)
def keep_the_tests_connection():
    """As Django's test client does: a request must not close the connection that holds the
    test's transaction (the WSGI handler's signals would, at each request's end)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def alice_token(alice, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    jobs = [JobFactory() for _ in range(3)]
    for job in jobs:
        application = application_create(user=alice, job=job)
        application_change_status(application=application, to_status="applied", by=alice)
        application_set_follow_up(application=application, on=None, by=alice)
    application_create(user=alice, company_name="Initech", title="Engineer", url="")  # an empty url, as stored
    return Token.objects.create(user=alice).key


def _load_schema():
    from careercopilot.wsgi import application

    # Read at collection, through the whole middleware stack (the schema view touches no database).
    return schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


schema = _load_schema()


@schema.hook
def map_path_parameters(context, path_parameters: dict) -> dict:
    """Half the generated ids (the even ones) become ids that exist, so the 200 answers are
    checked too, not only the 404s: alice's applications, or postings."""
    from applications.models import Application
    from jobs.models import Job

    value = (path_parameters or {}).get("id")
    if isinstance(value, int) and value % 2 == 0:
        model = Application if "/applications/" in context.operation.path else Job
        ids = sorted(model.objects.values_list("id", flat=True))
        if ids:
            path_parameters["id"] = ids[(value // 2) % len(ids)]
    return path_parameters


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_schema_says(case, alice_token):
    # Uncompressed: the schema is about the content (gzip itself: test_static_files.py).
    case.call_and_validate(headers={"Authorization": f"Token {alice_token}", "Accept-Encoding": "identity"}, checks=CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/applications/abc/", "/api/v1/jobs/null/", "/api/v1/nowhere/"])
def test_an_api_404_is_json_even_for_a_non_numeric_id(alice_client, url):
    response = alice_client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and response.json() == {"detail": "Not found."}
