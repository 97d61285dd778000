"""/metrics under the production server: one scrape adds up every gunicorn worker and every
Celery worker process (prometheus_client's multiprocess mode, careercopilot/observability/)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from careercopilot.observability.requests import FLUSH_SECONDS
from careercopilot.tests.gunicorn_server import ROOT, database_url, gunicorn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")]

TOKEN = "scrape-token-for-tests-0123456789"
# This checkout's own ports: another test's start-up probe (on the shared range) would add to the counts.
OWN_PORTS = range(21000, 21100)
HEALTH = ("django_http_requests_total_by_view_transport_method", {"view": "health", "method": "GET"})


def scrape(base: str) -> dict:
    request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    text = urllib.request.urlopen(request, timeout=10).read().decode()
    return {family.name: family for family in text_string_to_metric_families(text)}


def value(families: dict, name: str, labels: dict, suffix: str = "_total") -> float:
    family = families.get(name)
    if family is None:
        return 0.0
    return sum(
        sample.value for sample in family.samples
        if sample.name == name + suffix and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def _get(url: str) -> int:
    # A new connection each time, so the requests spread over the workers.
    return urllib.request.urlopen(url, timeout=10).status


def _group_dir(base_dir: Path) -> Path:
    (group,) = [path for path in base_dir.iterdir() if path.is_dir() and path.name.startswith("web-")]
    return group


def _requests_per_process(group: Path) -> dict[int, float]:
    """What each worker's own file says it served (the health view)."""
    served = {}
    for path in group.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        for family in MultiProcessCollector.merge([str(path)]):
            for sample in family.samples:
                if sample.name == HEALTH[0] + "_total" and sample.labels.get("view") == "health":
                    served[pid] = served.get(pid, 0) + sample.value
    return served


def _written(group: Path, at_least: float) -> dict[int, float]:
    """The workers' files once they hold `at_least` requests: a worker writes its request counts
    once a second (careercopilot/observability/requests.py), so they land within FLUSH_SECONDS."""
    deadline = time.monotonic() + FLUSH_SECONDS + 5
    served = _requests_per_process(group)
    while sum(served.values()) < at_least and time.monotonic() < deadline:
        time.sleep(0.1)
        served = _requests_per_process(group)
    return served


def test_it_counts_the_requests_of_every_worker_in_one_scrape(tmp_path):
    with gunicorn(workers=2, ports=OWN_PORTS, PROMETHEUS_MULTIPROC_DIR=str(tmp_path), METRICS_TOKEN=TOKEN) as base:
        time.sleep(FLUSH_SECONDS + 0.5)  # the start-up probe's count written by whichever worker took it
        before = value(scrape(base), *HEALTH)
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(_get, [f"{base}/health/"] * 200))
        assert statuses == [200] * 200

        served = _written(_group_dir(tmp_path), before + 200)
        assert len([pid for pid, count in served.items() if count]) == 2, served  # both workers served some
        # The scrape, answered by one of them, counts what every worker's own file says: the 200,
        # and the start-up probe's polls (one more may land late on a loaded machine).
        total = value(scrape(base), *HEALTH)
        assert total == sum(served.values()) and before + 200 <= total <= before + 201

        # A worker that dies (and is replaced) takes its live gauges along, not its counts.
        victim = max(served, key=served.get)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while (_group_dir(tmp_path) / f"gauge_livesum_{victim}.db").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not (_group_dir(tmp_path) / f"gauge_livesum_{victim}.db").exists()
        assert value(scrape(base), *HEALTH) == total


def test_it_empties_its_own_directory_when_it_starts_again(tmp_path):
    counted_at_the_end = []
    for _ in range(2):
        with gunicorn(workers=1, ports=OWN_PORTS, PROMETHEUS_MULTIPROC_DIR=str(tmp_path), METRICS_TOKEN=TOKEN) as base:
            # The start-up probe polls /health/ (more than once on a loaded machine): only its own.
            at_start = value(scrape(base), *HEALTH)
            for _ in range(3):
                _get(f"{base}/health/")
            assert value(scrape(base), *HEALTH) == at_start + 3
            counted_at_the_end.append(at_start + 3)
    first_run, second_run_start = counted_at_the_end[0], counted_at_the_end[1] - 3
    assert second_run_start < first_run  # nothing carried over from the last run


@pytest.fixture
def celery_worker_process(tmp_path):
    """A real `celery worker` (prefork, one child) on a queue of this test's own."""
    if not settings.REDIS_URL:
        pytest.skip("a real worker needs the Redis broker (REDIS_URL)")
    queue = f"test-metrics-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ, "DATABASE_URL": database_url(), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"], "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "careercopilot", "worker", "-P", "prefork", "-c", "1",
         "-Q", queue, "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        from careercopilot.celery import app

        with app.connection_for_write() as connection:
            connection.default_channel.client.delete(queue, f"_kombu.binding.{queue}")


def test_a_task_run_by_a_real_worker_shows_in_the_webs_scrape(tmp_path, celery_worker_process):
    from careercopilot.celery import app

    task = "careercopilot.tasks.prune_silk_records"
    with gunicorn(workers=2, ports=OWN_PORTS, PROMETHEUS_MULTIPROC_DIR=str(tmp_path), METRICS_TOKEN=TOKEN) as base:
        app.send_task(task, queue=celery_worker_process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            families = scrape(base)
            # The outcome is counted on task_success and the duration on task_postrun, a moment
            # later: a scrape between the two signals sees one without the other.
            if (value(families, "celery_tasks", {"task": task, "outcome": "success"})
                    and value(families, "celery_task_duration_seconds", {"task": task}, suffix="_count")):
                break
            time.sleep(0.5)
        assert value(families, "celery_tasks", {"task": task, "outcome": "success"}) == 1
        assert value(families, "celery_task_duration_seconds", {"task": task}, suffix="_count") == 1
        # The values read at scrape time are there too.
        assert "celery_queue_length" in families
        assert any(path.name.startswith("celery-") for path in tmp_path.iterdir())
