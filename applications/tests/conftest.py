from __future__ import annotations

import pytest

from applications.services import application_create
from applications.tests.factories import JobFactory


@pytest.fixture
def job(db):
    return JobFactory(title="Backend Engineer", company__name="Acme")


@pytest.fixture
def alice_app(alice):
    """Alice's hand-entered application, saved."""
    return application_create(user=alice, company_name="Initech", title="Platform Engineer", url="https://initech.example/jobs/1")


@pytest.fixture
def bob_app(bob):
    return application_create(user=bob, company_name="Globex", title="Data Engineer")


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


@pytest.fixture(autouse=True)
def _documents_in_a_temporary_folder(settings, tmp_path):
    """Uploaded documents land under the test's own folder, never in the checkout's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
