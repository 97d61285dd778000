"""Analytics refreshes a seeker's figures (Celery eager, as in every test) once per committed change,
whether the change comes from the services or reaches it as `application_changed`."""

from __future__ import annotations

import pytest
from celery.signals import task_prerun
from django.db import transaction

from applications.models import Status
from applications.services import application_change_status, application_create

TASK = "analytics.tasks.refresh_user_metrics"


@pytest.fixture
def refreshes():
    ran: list[tuple] = []

    def record(sender=None, args=None, **_):
        if sender is not None and sender.name == TASK:
            ran.append(tuple(args or ()))

    task_prerun.connect(record, weak=False)
    yield ran
    task_prerun.disconnect(record)


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_runs_the_refresh_once_for_its_owner(alice, refreshes):
    application = application_create(user=alice, company_name="Initech", title="SRE")
    refreshes.clear()

    application_change_status(application=application, to_status=Status.APPLIED, by=alice)

    assert refreshes == [(alice.pk,)]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_runs_no_refresh(alice, refreshes):
    application = application_create(user=alice, company_name="Initech", title="SRE")
    refreshes.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        application_change_status(application=application, to_status=Status.APPLIED, by=alice)
        raise RuntimeError("the request failed after the change")

    assert refreshes == []
    application.refresh_from_db()
    assert application.status == Status.SAVED
