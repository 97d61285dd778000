"""`application_changed` tells the layers above about a seeker's change, only once it committed."""

from __future__ import annotations

import pytest
from django.db import transaction

from applications.models import Status
from applications.services import application_add_note, application_change_status, application_create
from applications.signals import application_changed


@pytest.fixture
def announced():
    heard: list[int] = []

    def listen(sender, *, user_id, **kwargs):
        heard.append(user_id)

    application_changed.connect(listen, weak=False)
    yield heard
    application_changed.disconnect(listen)


@pytest.mark.django_db(transaction=True)
def test_it_announces_each_committed_change_with_its_owner(alice, announced):
    application = application_create(user=alice, company_name="Initech", title="SRE")
    application_change_status(application=application, to_status=Status.APPLIED, by=alice)
    application_add_note(application=application, text="Sent the portfolio.", by=alice)

    assert announced == [alice.pk, alice.pk, alice.pk]


@pytest.mark.django_db(transaction=True)
def test_it_announces_nothing_for_a_rolled_back_change(alice, announced):
    application = application_create(user=alice, company_name="Initech", title="SRE")
    announced.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        application_change_status(application=application, to_status=Status.APPLIED, by=alice)
        assert announced == []  # not before the commit either
        raise RuntimeError("the request failed after the change")

    assert announced == []
