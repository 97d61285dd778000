"""A real read replica (issue 9, item 14): gunicorn (DEBUG=0, two workers) with DATABASE_URL on a
primary and DATABASE_REPLICA_URL on a streaming standby of it, both clusters of the test's own
(initdb, pg_basebackup -R, run as the postgres user, on ports of their own).

The standby's replay is paused (pg_wal_replay_pause) so that a read shows where it went: a
status change saved on the primary is not yet on the standby, so a reader that sees the old
status read the standby, and one that sees the new one read the primary.

    pytest careercopilot/tests/test_replica.py -s    # prints the figures
"""

from __future__ import annotations

import json
import shutil
import time

import pytest
from django.db import connection

from careercopilot.tests.faults import Client, PostgresCluster, cluster_root, wait_until
from careercopilot.tests.gunicorn_server import gunicorn
from careercopilot.tests.test_fault_postgres import SETUP, TOKEN, manage

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="streaming replication is PostgreSQL's")

DATABASE = "cc_flt_replica"
PIN_SECONDS = 3
API = {"Authorization": f"Token {TOKEN}"}  # alice's token: a client with no cookie, so never pinned


@pytest.fixture(scope="module")
def clusters():
    root = cluster_root()
    primary, standby = PostgresCluster(root, "primary"), None
    primary.init()
    primary.start()
    try:
        primary.psql(f"CREATE DATABASE {DATABASE}")
        manage("migrate", "--verbosity", "0", database_url=primary.url(DATABASE))
        manage("shell", "-c", SETUP, database_url=primary.url(DATABASE))
        standby = PostgresCluster(root, "standby")
        standby.standby_of(primary)
        standby.start()
        assert standby.psql("SELECT pg_is_in_recovery()") == "t"
        yield primary, standby
    finally:
        for cluster in (standby, primary):
            if cluster is not None:
                cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def caught_up(primary: PostgresCluster, standby: PostgresCluster) -> None:
    lsn = primary.psql("SELECT pg_current_wal_lsn()")
    wait_until(lambda: standby.psql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn") == "t", timeout=20)


def status_seen(client: Client, pk: int, **kwargs) -> str:
    code, text, _, _ = client.get(f"/api/v1/applications/{pk}/", **kwargs)
    assert code == 200, (code, text[:500])
    return json.loads(text)["status"]


def test_reads_go_to_the_standby_and_a_writer_reads_its_own_writes(clusters):
    primary, standby = clusters
    pk = int(primary.psql("SELECT id FROM applications_application", DATABASE))
    status_on = {name: (lambda c=cluster: c.psql(f"SELECT status FROM applications_application WHERE id = {pk}", DATABASE))
                 for name, cluster in (("primary", primary), ("standby", standby))}
    with gunicorn(workers=2, DATABASE_URL=primary.url(DATABASE), DATABASE_REPLICA_URL=standby.url(DATABASE),
                  REPLICA_PIN_SECONDS=str(PIN_SECONDS), DATABASE_REPLICA_RETRY_SECONDS="3",
                  CACHE_KEY_PREFIX=f"flt-replica-{time.monotonic_ns()}",
                  CELERY_TASK_ALWAYS_EAGER="1") as base:
        alice, reader, anonymous = Client(base), Client(base), Client(base)
        assert alice.log_in("alice", "alice-password-1")[0] == 302
        caught_up(primary, standby)
        assert status_seen(reader, pk, headers=API) == "applied"

        standby.psql("SELECT pg_wal_replay_pause()")
        wait_until(lambda: standby.psql("SELECT pg_get_wal_replay_pause_state()") == "paused", timeout=10)

        # The write lands on the primary (the standby has not replayed it).
        code, text, headers, _ = alice.post(f"/applications/{pk}/status/", {"to_status": "interviewing"})
        assert code == 302, text[:500]
        assert any(value.startswith("cc_primary=") for value in headers.get_all("Set-Cookie"))
        assert (status_on["primary"](), status_on["standby"]()) == ("interviewing", "applied")

        # The writer's next reads are pinned to the primary: she sees her change at once...
        assert status_seen(alice, pk) == "interviewing"
        # ...while a reader without the pin reads the standby, which still says "applied": reads
        # really go there, and the site serves them while the standby lags.
        assert status_seen(reader, pk, headers=API) == "applied"
        for path in ("/", "/jobs/", "/applications/"):
            assert anonymous.get(path)[0] in (200, 302), path
        assert alice.get(f"/applications/{pk}/")[0] == 200

        # The pin lasts REPLICA_PIN_SECONDS; then alice reads the standby like everyone else.
        time.sleep(PIN_SECONDS + 0.5)
        assert status_seen(alice, pk) == "applied"

        standby.psql("SELECT pg_wal_replay_resume()")
        wait_until(lambda: status_seen(reader, pk, headers=API) == "interviewing", timeout=20, interval=0.2)

        # The standby down: reads fall back to the primary at once, writes still save.
        standby.stop("fast")
        reader.timings.clear()
        seen = {status_seen(reader, pk, headers=API) for _ in range(20)}
        codes = {anonymous.get(path)[0] for path in ("/", "/jobs/", "/applications/") for _ in range(3)}
        slowest = max(reader.timings)
        assert seen == {"interviewing"} and codes <= {200, 302}, (seen, codes)
        assert slowest < 1.5, reader.timings
        code, text, _, _ = alice.post(f"/applications/{pk}/status/", {"to_status": "offer"})
        assert code == 302 and status_on["primary"]() == "offer", text[:500]
        print(f"\nreplica: paused standby served the unpinned read ('applied') while the writer, pinned "
              f"{PIN_SECONDS} s, read her own write ('interviewing'); standby stopped: 20 API reads from the "
              f"primary, slowest {slowest * 1000:.0f} ms")

        # Back: after the retry window (3 s here) reads go to the standby again (pause it to tell).
        standby.start()
        caught_up(primary, standby)
        standby.psql("SELECT pg_wal_replay_pause()")
        primary.psql(f"UPDATE applications_application SET status = 'accepted' WHERE id = {pk}", DATABASE)
        wait_until(lambda: status_seen(reader, pk, headers=API) == "offer", timeout=30, interval=0.5)
        standby.psql("SELECT pg_wal_replay_resume()")
