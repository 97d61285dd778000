"""Debian's nginx with the repository's deploy/nginx/ config, everything under a temporary prefix:
in front of a gunicorn for perfsuite's proxy pass and for the proxy tests."""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from string import Template

from careercopilot.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def available() -> bool:
    return os.path.exists(NGINX)


@contextmanager
def nginx(upstream: str, *, ports: range, worker_connections: int = 256, workers: int = 1):
    """nginx with deploy/nginx/careercopilot.conf.template in front of `upstream` (host:port);
    yields its base URL. `worker_connections` bounds clients plus upstream connections per worker."""
    prefix = Path(tempfile.mkdtemp(prefix="cc-nginx-"))
    prefix.chmod(0o755)
    (prefix / "cache").mkdir()
    port = free_port(ports)
    site = Template((ROOT / "deploy/nginx/careercopilot.conf.template").read_text()).safe_substitute(
        NGINX_LISTEN=f"127.0.0.1:{port}", NGINX_UPSTREAM=upstream, NGINX_CACHE_DIR=str(prefix / "cache"))
    (prefix / "site.conf").write_text(site)
    temp_paths = "\n".join(f"  {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(f"""
{f"user {getpass.getuser()};" if os.geteuid() == 0 else ""}
worker_processes {workers};
worker_rlimit_nofile {max(1024, worker_connections * 2 + 64)};
error_log {prefix / "error.log"} warn;
pid {prefix / "nginx.pid"};
events {{ worker_connections {worker_connections}; }}
http {{
  include /etc/nginx/mime.types;
  access_log off;
{temp_paths}
  include {prefix / "site.conf"};
}}
""")
    process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(f"{base}/health/", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    errors = (prefix / "error.log").read_text() if (prefix / "error.log").exists() else ""
                    raise RuntimeError("nginx did not start: " + process.stderr.read().decode()[-2000:] + errors[-2000:]) from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(prefix, ignore_errors=True)
