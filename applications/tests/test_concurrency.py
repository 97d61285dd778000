"""Several threads change one application's status at once; the row lock makes them queue.

PostgreSQL only: SQLite takes one writer at a time for the whole database, so there is no
race to lose there.
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from applications.models import Application, ApplicationEvent, Status
from applications.services import IllegalTransition, application_change_status, application_create

THREADS = 8
ROUNDS = 10


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks are exercised on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_concurrent_status_changes_keep_every_event_in_an_unbroken_chain(alice):
    application = application_create(user=alice, company_name="Initech", title="SRE")
    start = threading.Barrier(THREADS)
    changed: list[str] = []
    refused: list[str] = []
    failures: list[BaseException] = []

    def toggle_back_and_forth():
        try:
            start.wait()
            for _ in range(ROUNDS):
                # Each thread acts on what it last saw, which another thread may have changed since.
                seen = Application.objects.get(pk=application.pk)
                target = Status.WITHDRAWN if seen.status == Status.SAVED else Status.SAVED
                try:
                    application_change_status(application=seen, to_status=target, by=alice)
                    changed.append(target)
                except IllegalTransition:
                    refused.append(target)
        except BaseException as exc:  # surfaced below; a thread's exception is otherwise lost
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=toggle_back_and_forth) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures, failures
    assert len(changed) + len(refused) == THREADS * ROUNDS
    events = list(
        ApplicationEvent.objects.filter(application=application, kind=ApplicationEvent.Kind.STATUS_CHANGED)
        .order_by("created_at", "id")
        .values_list("from_status", "to_status")
    )
    assert len(events) == len(changed) > 0
    previous = Status.SAVED
    for from_status, to_status in events:
        assert from_status == previous
        previous = to_status
    assert Application.objects.get(pk=application.pk).status == events[-1][1]
