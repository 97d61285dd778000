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


def worker_exit(server, worker) -> None:
    """The request counts this worker still holds (written once a second) go to its files."""
    from careercopilot.observability.requests import flush

    flush()


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


# Chosen by measurement on 2 cores (README, "Serving"): sync workers, two per core. A sync
# worker holds one request at a time, so slow clients are nginx's to buffer (deploy/nginx/).
workers = _env_int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2)
threads = _env_int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 20
keepalive = 5

# No recycling by default: each restart cost the next request 160–600 ms and, at 2,000
# requests, restarted workers hundreds of times a minute under load. GUNICORN_MAX_REQUESTS
# turns it on (a leak guard); the jitter spreads restarts so workers never recycle together.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 0)
if 0 < max_requests < 50_000:
    raise SystemExit("GUNICORN_MAX_REQUESTS: 0 (off) or at least 50000, or restarts dominate the tail latency")
max_requests_jitter = max_requests // 10

# The app is imported, its URLconf, DRF and templates loaded, in the master before the fork
# (careercopilot/warm_up.py); each worker then opens its own database and cache connections
# before it accepts a request. Code changes need a restart, not a HUP.
preload_app = True


def when_ready(server) -> None:
    import gc

    from careercopilot.warm_up import load_code

    load_code()
    # Everything loaded so far lives as long as the process: out of the collector's sight, a
    # full collection in a worker walks only what requests made (and the forked pages stay
    # shared instead of being written to by the collector's bookkeeping).
    gc.freeze()


def post_worker_init(worker) -> None:
    from careercopilot.warm_up import connect

    connect()


# GUNICORN_ACCESS_LOG: "-" (stdout, the default), a file path, or "off" (nginx in front logs
# every request already; a line per request costs about 5 % of a trivial request's time).
_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "-").strip()
accesslog = None if _access_log.lower() in {"", "off", "0", "false", "no", "none"} else _access_log
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
