"""A worker killed mid-digest resends nothing already sent and completes the rest (issue 15).

A real Celery worker (a subprocess on a redis-server of the test's own) sends a batch of five
digests over real SMTP (aiosmtpd, in this process). The test holds the third digest's row
locked, so the worker blocks there, inside that email's transaction, after two emails went;
its main process is then SIGKILLed. The task is delivered again after the visibility timeout to
a second worker, which passes over the two sent (their rows say so) and sends the other three:
five emails, one per seeker.

    pytest careercopilot/tests/test_fault_digest_worker.py -s    # prints what happened
"""

from __future__ import annotations

import signal
import time
from collections import Counter

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from careercopilot.tests.faults import broker  # noqa: F401  (the fixture)
from careercopilot.tests.faults import WORKER_VISIBILITY_TIMEOUT, lock_waiters, start_worker, wait_until
from careercopilot.tests.gunicorn_server import database_url
from notifications.digests import digests_build, pending_ids
from notifications.matcher import alerts_match
from notifications.models import Delivery
from notifications.tests.conftest import arrive, later, save_search

pytestmark = [
    pytest.mark.broker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker needs the test's database"),
]


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_a_worker_killed_mid_digest_resends_nothing_and_completes_the_rest(broker, smtp_server, django_user_model, tmp_path):
    from accounts.services import user_sign_up
    from careercopilot.celery import app

    seekers = [user_sign_up(username=f"seeker{n}", email=f"seeker{n}@example.com", password="pw-123456789") for n in range(5)]
    for seeker in seekers:
        save_search(seeker, name="Python", q="python")
    arrive(title="Python developer")
    alerts_match(now=later())
    assert digests_build(now=timezone.now()) == 5
    ids = pending_ids(kind=Delivery.Kind.DIGEST)
    dbname = connection.settings_dict["NAME"]
    log = tmp_path / "worker.log"
    first = start_worker(broker, log, EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}")
    second = None
    holder = psycopg.connect(database_url(), autocommit=False)
    try:
        holder.execute("SELECT 1 FROM notifications_delivery WHERE id = %s FOR UPDATE", [ids[2]])
        with app.connection_for_write(broker.url) as producer:
            app.send_task("notifications.tasks.send_deliveries", args=[ids], connection=producer)
        blocked = wait_until(lambda: lock_waiters(dbname), timeout=60, interval=0.2)
        assert len(smtp_server.received) == 2  # the first two went, the third waits on its row

        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = time.monotonic()
        with connection.cursor() as cursor:  # its orphaned session, as PostgreSQL would drop it
            cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [blocked])
        holder.rollback()

        second = start_worker(broker, log, EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}")
        wait_until(lambda: not Delivery.objects.filter(pk__in=ids, status="pending").exists(), timeout=120, interval=0.2)
        completed_after = time.monotonic() - killed_at
        time.sleep(WORKER_VISIBILITY_TIMEOUT + 3)  # room for a duplicate to show up
    finally:
        holder.close()
        for worker in (first, second):
            if worker and worker.poll() is None:
                worker.terminate()
                worker.wait(30)
    recipients = Counter(address for message in smtp_server.received for address in message.rcpt_tos)
    print(f"\nworker SIGKILLed after 2 of 5 digests: the rest completed {completed_after:.1f} s later; "
          f"emails per seeker: {sorted(recipients.values())}")
    assert recipients == Counter({seeker.email: 1 for seeker in seekers}), log.read_text()[-3000:]
    assert Delivery.objects.filter(pk__in=ids, status="sent").count() == 5
