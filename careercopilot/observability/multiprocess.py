"""prometheus_client's multiprocess mode, arranged so one scrape adds up every process.

PROMETHEUS_MULTIPROC_DIR names a directory shared by the web and the Celery workers (a volume
in compose). Each server process (the gunicorn master, a Celery worker's main process) takes a
subdirectory of its own, `<role>-<host>-<pid>`, emptied when it starts; the processes it forks
write their files there. Host and pid in the name keep two containers sharing the volume from
writing one file. A dead gunicorn worker's live gauges are dropped (child_exit); its counters
stay, as counts that happened. Processes outside any group (manage.py commands) write at the top.

The environment variable must be set before prometheus_client is imported (it picks its value
class then); the server sets the subdirectory before it forks, and a forked child re-opens its
files under the new directory on its first write (prometheus_client notices the new pid).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
BASE_ENV = "PROMETHEUS_MULTIPROC_BASE"  # the shared directory, kept once ENV points at a group


def base_dir() -> Path | None:
    value = os.environ.get(BASE_ENV) or os.environ.get(ENV)
    return Path(value) if value else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid_of(name: str) -> int | None:
    tail = name.rsplit("-", 1)[-1] if "-" in name else name.rsplit("_", 1)[-1]
    tail = tail.removesuffix(".db")
    return int(tail) if tail.isdigit() else None


def start_group(role: str) -> Path | None:
    """Called by a server process before it forks: its own empty subdirectory, and the stale
    subdirectories of dead servers of this role on this host removed. None without multiprocess mode."""
    base = base_dir()
    if base is None:
        return None
    base.mkdir(parents=True, exist_ok=True)
    host = socket.gethostname()
    own_pid = os.getpid()
    for stale in base.glob(f"{role}-{host}-*"):
        pid = _pid_of(stale.name)
        if pid is None or pid == own_pid or not _alive(pid):
            shutil.rmtree(stale, ignore_errors=True)
    for loose in base.glob("*.db"):
        pid = _pid_of(loose.name)
        if pid is not None and not _alive(pid):
            loose.unlink(missing_ok=True)
    group = base / f"{role}-{host}-{own_pid}"
    group.mkdir()
    os.environ[BASE_ENV] = str(base)
    os.environ[ENV] = str(group)
    return group


def mark_dead(pid: int) -> None:
    """A worker of this group died: its live gauges (pool in use, …) no longer count."""
    if base_dir() is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid, os.environ[ENV])


def metric_files() -> list[str]:
    base = base_dir()
    if base is None:
        return []
    return glob.glob(str(base / "*.db")) + glob.glob(str(base / "*" / "*.db"))


class AllGroupsCollector:
    """Every process's files under the shared directory, merged as prometheus_client does for one."""

    def collect(self):
        from prometheus_client.multiprocess import MultiProcessCollector

        return MultiProcessCollector.merge(metric_files(), accumulate=True)


def scrape() -> bytes:
    """The exposition text of every process's metrics and the values read at scrape time."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

    from careercopilot.observability.collectors import ScrapeTimeCollector
    from careercopilot.observability import requests
    from careercopilot.observability.metrics import update_pool_gauges

    requests.flush()  # this process's own pending request counts (the other workers' follow within a second)
    update_pool_gauges()
    live = CollectorRegistry(auto_describe=False)
    live.register(ScrapeTimeCollector())
    if base_dir() is None:
        return generate_latest(REGISTRY) + generate_latest(live)
    merged = CollectorRegistry(auto_describe=False)
    merged.register(AllGroupsCollector())
    return generate_latest(merged) + generate_latest(live)
