"""The deployment files (docker-compose.yml, gunicorn.conf.py) as they would run.

There is no Docker on the CI machine, so the compose file is read as compose reads it
(YAML, `${VAR:-default}` interpolation, `$$` for a literal `$`) and its shell commands are
run by a real `sh`, with `python` standing in as a script that logs what it was asked.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable substitution, for the forms this file uses."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, kind, default = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if kind == "?":
            raise KeyError(f"{name} is required: {default}")
        return default or ""

    return _VARIABLE.sub(replace, value)


def service(name: str, env: dict[str, str]) -> dict:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    spec = compose["services"][name]
    environment = {key: interpolate(str(value), env) for key, value in (spec.get("environment") or {}).items()}
    command = interpolate(spec["command"], env) if isinstance(spec.get("command"), str) else spec.get("command")
    return {"environment": environment, "command": command}


def run_migrate_step(tmp_path: Path, **env: str) -> list[str]:
    """The migrate service's command under sh, `python` logging each manage.py call."""
    log = tmp_path / "calls.log"
    fake = tmp_path / "bin" / "python"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    fake.chmod(0o755)
    spec = service("migrate", {"SECRET_KEY": "x", "REDIS_PASSWORD": "pw", **env})
    shell_env = {**spec["environment"], "PATH": f"{fake.parent}:/usr/bin:/bin"}
    subprocess.run(["sh", "-c", spec["command"]], env=shell_env, check=True, timeout=30)
    return log.read_text().splitlines()


def test_compose_migrate_step_does_not_seed_unless_asked(tmp_path):
    calls = run_migrate_step(tmp_path)

    assert "manage.py migrate --noinput" in calls
    assert not any("seed_demo" in call for call in calls)
    assert calls[-1] == "manage.py recompute_metrics --platform"


def test_compose_migrate_step_seeds_demo_data_with_seed_demo_1(tmp_path):
    calls = run_migrate_step(tmp_path, SEED_DEMO="1")

    assert "manage.py seed_demo --if-empty" in calls


def test_make_run_still_seeds_the_demo_logins():
    make = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=30,
                          env={**os.environ, "VENV": "/nonexistent-venv"})
    assert "manage.py seed_demo --if-empty" in make.stdout


def test_compose_defaults_to_https_only_and_secure_cookies():
    environment = service("web", {"SECRET_KEY": "x", "REDIS_PASSWORD": "pw"})["environment"]

    assert environment["DEBUG"] == "0"
    assert (environment["SECURE_SSL_REDIRECT"], environment["SESSION_COOKIE_SECURE"], environment["CSRF_COOKIE_SECURE"]) == ("1", "1", "1")


def _gunicorn(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "GUNICORN_BIND", "PORT", "SECRET_KEY"}}
    return subprocess.run(
        [str(Path(os.sys.executable).parent / "gunicorn"), "careercopilot.wsgi", "-c", "gunicorn.conf.py", *args],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60,
    )


def test_gunicorn_listens_on_loopback_by_default():
    result = _gunicorn("--print-config")

    assert result.returncode == 0, result.stderr
    assert re.search(r"^bind\s+= \['127\.0\.0\.1:8000'\]$", result.stdout, re.MULTILINE)


@pytest.mark.parametrize("how", ["env", "command line"])
def test_gunicorn_refuses_debug_pages_on_a_public_address(how):
    # DEBUG unset means DEBUG on (the embedded default): the case to refuse.
    result = _gunicorn(**{"GUNICORN_BIND": "0.0.0.0:21001"}) if how == "env" else _gunicorn("-b", "0.0.0.0:21001")

    assert result.returncode != 0
    assert "Refusing to serve DEBUG pages on 0.0.0.0:21001" in result.stdout + result.stderr


def test_compose_redis_servers_require_the_password_the_site_uses():
    env = {"SECRET_KEY": "x", "REDIS_PASSWORD": "s3cretpw"}
    web = service("web", env)["environment"]

    assert web["REDIS_URL"] == "redis://:s3cretpw@cache:6379/0"
    assert web["CELERY_BROKER_URL"] == "redis://:s3cretpw@broker:6379/0"
    for name in ("cache", "broker"):
        assert '--requirepass "s3cretpw"' in service(name, env)["command"]
    with pytest.raises(KeyError, match="REDIS_PASSWORD"):
        service("web", {"SECRET_KEY": "x"})
