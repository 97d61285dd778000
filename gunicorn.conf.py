"""gunicorn settings, read from the environment like the Django ones.

Loopback by default: a container or a proxy in front sets GUNICORN_BIND=0.0.0.0:8000 on
purpose. DEBUG pages show source code and settings, so a non-loopback bind with DEBUG on
(which is what no environment at all means) refuses to start.
"""

import ipaddress
import multiprocessing
import os

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def _is_loopback(address: str) -> bool:
    if address.startswith("unix:") or address.startswith("fd://"):
        return True  # a socket file is reached only from this machine
    host = address.rsplit(":", 1)[0] if ":" in address and not address.endswith("]") else address
    host = host.strip("[]")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: whatever it resolves to, it is not provably local


def _debug_on() -> bool:
    # The same reading as careercopilot.env.env_bool, default on (as settings.py).
    return os.environ.get("DEBUG", "1").strip().lower() not in {"0", "false", "no", "off", ""}


bind = [item.strip() for item in os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}").split(",")]


def on_starting(server) -> None:
    """Checked on the final addresses, so `gunicorn -b 0.0.0.0:8000` on the command line counts too."""
    exposed = [address for address in server.cfg.bind if not _is_loopback(address)]
    if exposed and _debug_on():
        raise SystemExit(
            f"Refusing to serve DEBUG pages on {', '.join(exposed)}: set DEBUG=0 (with SECRET_KEY and "
            "ALLOWED_HOSTS) for a non-loopback bind, or bind 127.0.0.1."
        )
    # Prometheus multiprocess mode: this server's own, emptied metrics directory, before any fork.
    from careercopilot.observability.multiprocess import start_group

    start_group("web")


def child_exit(server, worker) -> None:
    """A dead worker's live gauges stop counting; its counters stay (they happened)."""
    from careercopilot.observability.multiprocess import mark_dead

    mark_dead(worker.pid)


workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
