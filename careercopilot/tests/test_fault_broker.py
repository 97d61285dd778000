"""The broker cannot turn a saved change into an error, nor lose a task (issue 9, item 5).

A broker redis-server of the test's own, frozen (SIGSTOP): a status change through gunicorn is
saved and answered within 3 s (publishing is bounded and its failure logged, not raised). A real
worker whose main process is SIGKILLed mid-task: the task is delivered again once its visibility
timeout runs out (short here; production's is just above the longest task's time limit), and
completes once.

    pytest careercopilot/tests/test_fault_broker.py -s    # prints the fault table's rows
"""

from __future__ import annotations

import signal
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from applications.models import Application
from careercopilot.tests.faults import broker  # noqa: F401  (the fixture)
from careercopilot.tests.faults import WORKER_VISIBILITY_TIMEOUT, Client, lock_waiters, start_worker, wait_until
from careercopilot.tests.gunicorn_server import database_url, gunicorn

pytestmark = [
    pytest.mark.broker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="gunicorn's workers and the worker need a shared database"),
]


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


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_task_whose_worker_is_killed_mid_task_is_delivered_again_and_completes_once(broker, alice, tmp_path):
    from analytics.models import UserMetrics
    from careercopilot.celery import app

    Application.objects.create(user=alice, company_name="Acme", title="Engineer", status="applied")
    UserMetrics.objects.create(user=alice, computed_at=timezone.now())  # total 0: the task will make it 1
    dbname = connection.settings_dict["NAME"]
    log = tmp_path / "worker.log"
    first = start_worker(broker, log)
    second = None
    # The test holds alice's metrics row, so the task blocks mid-way, inside its transaction.
    holder = psycopg.connect(f"{database_url()}", autocommit=False)
    try:
        holder.execute("SELECT 1 FROM analytics_usermetrics WHERE user_id = %s FOR UPDATE", [alice.id])
        with app.connection_for_write(broker.url) as producer:
            app.send_task("analytics.tasks.refresh_user_metrics", args=[alice.id], connection=producer)
        blocked = wait_until(lambda: lock_waiters(dbname), timeout=60, interval=0.2)

        first.send_signal(signal.SIGKILL)  # the worker's main process, mid-task
        first.wait(10)
        killed_at = time.monotonic()
        with connection.cursor() as cursor:  # its orphaned session, as PostgreSQL would drop it
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [blocked])
        holder.rollback()

        second = start_worker(broker, log)
        done = wait_until(lambda: UserMetrics.objects.filter(user=alice, total=1).exists(), timeout=120, interval=0.2)
        redelivered_after = time.monotonic() - killed_at
        assert done
        time.sleep(WORKER_VISIBILITY_TIMEOUT + 3)  # room for a second delivery to show up
    finally:
        holder.close()
        for worker in (first, second):
            if worker and worker.poll() is None:
                worker.terminate()
                worker.wait(30)
    succeeded = log.read_text().count("analytics.tasks.refresh_user_metrics[")
    runs = log.read_text().count("succeeded in")
    print(f"\nworker main process SIGKILLed mid-task: delivered again and completed {redelivered_after:.1f} s later "
          f"(visibility timeout {WORKER_VISIBILITY_TIMEOUT} s here, {settings.CELERY_VISIBILITY_TIMEOUT} s in production); "
          f"completed {runs} time(s)")
    assert runs == 1, log.read_text()[-3000:]
    assert succeeded >= 2  # received by the killed worker, then by the second one
    assert redelivered_after < WORKER_VISIBILITY_TIMEOUT + 30


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_worker_holding_a_countdown_task_survives_a_broker_outage_and_runs_it_once(broker, alice, tmp_path):
    from analytics.models import UserMetrics
    from careercopilot.celery import app

    Application.objects.create(user=alice, company_name="Acme", title="Engineer", status="applied")
    UserMetrics.objects.create(user=alice, computed_at=timezone.now())
    log = tmp_path / "worker.log"
    worker = start_worker(broker, log)
    try:
        wait_until(lambda: "ready." in log.read_text(), timeout=60, interval=0.2)
        with app.connection_for_write(broker.url) as producer:
            # As every application change schedules one: a task for a few seconds later, held by the worker.
            app.send_task("analytics.tasks.refresh_user_metrics", args=[alice.id], countdown=6, connection=producer)
        wait_until(lambda: "] received" in log.read_text(), timeout=30, interval=0.1)
        broker.freeze()
        time.sleep(4)  # the worker's broker connection times out and it starts reconnecting
        broker.thaw()
        try:
            wait_until(lambda: UserMetrics.objects.filter(user=alice, total=1).exists(), timeout=60, interval=0.2)
        except AssertionError:
            raise AssertionError("the held task never ran: " + log.read_text()[-4000:]) from None
        time.sleep(WORKER_VISIBILITY_TIMEOUT + 3)
        assert worker.poll() is None, "the worker died: " + log.read_text()[-3000:]
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(30)
    text = log.read_text()
    print(f"\nbroker frozen 4 s while the worker held a countdown task: worker alive, task completed "
          f"{text.count('succeeded in')} time(s); 'Unrecoverable error' in log: {'Unrecoverable error' in text}")
    assert "Unrecoverable error" not in text and "AttributeError" not in text
    assert text.count("succeeded in") == 1, text[-3000:]


def test_the_visibility_timeout_is_just_above_the_longest_task_time_limit():
    from careercopilot.celery import app

    app.loader.import_default_modules()
    limits = [task.time_limit or app.conf.task_time_limit for name, task in app.tasks.items() if not name.startswith("celery.")]
    longest = max(limits + [app.conf.task_time_limit])
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", settings.CELERY_VISIBILITY_TIMEOUT)
    assert longest < visibility <= longest + 5 * 60, (longest, visibility)
    assert visibility <= 5 * 60  # a task whose worker died is delivered again within 5 minutes
