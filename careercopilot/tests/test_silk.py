import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_silk_when_enabled_is_staff_only_shows_no_secrets_and_finds_its_files(tmp_path):
    # Silk is installed by settings at start-up, so it is checked in its own process. On
    # PostgreSQL (where a NUL byte in a text column is refused) it gets a database of its own
    # name, so its test database does not collide with this session's.
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "REQUIRE_FULL_STACK", "SILK_ENABLED"}}
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = env["DATABASE_URL"].split("?")[0].rstrip("/") + "_silk"
    env.update(STATIC_ROOT=str(tmp_path / "static"), STATIC_MANIFEST="1")
    # As the Docker image is built: static files collected with silk off.
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env={**env, "DEBUG": "0", "SECRET_KEY": "collectstatic-only"}, capture_output=True, text=True, timeout=300,
    )
    assert collect.returncode == 0, collect.stderr[-2000:]
    env["SILK_ENABLED"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "careercopilot/tests/silk_checks.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout
