"""deploy/prometheus/ and deploy/grafana/: the alert rules parse and behave (promtool, from Debian's
`prometheus` package), the scrape config is valid, compose wires both, and every metric a rule or
a dashboard panel names is in a live scrape of our /metrics once the code paths have run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from careercopilot.observability.requests import FLUSH_SECONDS
from careercopilot.tests.gunicorn_server import gunicorn
from careercopilot.tests.test_deployment import service
from careercopilot.tests.test_metrics_across_processes import OWN_PORTS, celery_worker_process  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "careercopilot.json"
TOKEN = "monitoring-token-for-tests-0123456789"
# Series Prometheus makes itself, not our /metrics.
PROMETHEUS_OWN = {"up"}


def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        if os.environ.get("REQUIRE_FULL_STACK") == "1":
            pytest.fail("promtool is required but missing (.ci/run installs Debian's prometheus)")
        pytest.skip("promtool not installed (Debian: apt-get install prometheus)")
    return found


def test_the_alert_rules_parse_and_fire_on_what_they_should():
    checked = subprocess.run([promtool(), "check", "rules", "alerts.yml"], cwd=PROMETHEUS, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # alerts.test.yml: each alert fires on a bad series and stays quiet on a healthy one.
    tested = subprocess.run([promtool(), "test", "rules", "alerts.test.yml"], cwd=PROMETHEUS, capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_rules_cover_what_an_operator_is_paged_for():
    names = {rule["alert"] for group in _rules()["groups"] for rule in group["rules"]}
    assert {"ViewLatencyP95High", "ServerErrorRateHigh", "CacheHitRateLow", "CeleryTaskFailures", "CeleryQueueStuck",
            "TrendingStale", "UserMetricsStale", "DatabasePoolSaturated"} <= names


def test_the_scrape_config_is_valid_and_uses_the_bearer_token(tmp_path):
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["authorization"] == {"type": "Bearer", "credentials_file": "/tmp/metrics-token"}
    assert job["static_configs"][0]["targets"] == ["web:8000"] and job["metrics_path"] == "/metrics"
    # Where compose mounts them, here under tmp_path.
    shutil.copy(PROMETHEUS / "alerts.yml", tmp_path / "alerts.yml")
    (tmp_path / "token").write_text(TOKEN)
    config["rule_files"] = [str(tmp_path / "alerts.yml")]
    job["authorization"]["credentials_file"] = str(tmp_path / "token")
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    checked = subprocess.run([promtool(), "check", "config", str(tmp_path / "prometheus.yml")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_compose_runs_prometheus_and_grafana_only_in_the_monitoring_profile():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    prometheus, grafana = compose["services"]["prometheus"], compose["services"]["grafana"]
    assert prometheus["profiles"] == ["monitoring"] and grafana["profiles"] == ["monitoring"]
    assert all("profiles" not in spec for name, spec in compose["services"].items() if name not in {"prometheus", "grafana"})
    mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in prometheus["volumes"] if volume.startswith("./")}
    assert mounts == {"./deploy/prometheus/prometheus.yml": "/etc/prometheus/prometheus.yml",
                      "./deploy/prometheus/alerts.yml": "/etc/prometheus/alerts.yml"}
    assert "/tmp/metrics-token" in " ".join(prometheus["entrypoint"])  # the file prometheus.yml reads
    grafana_mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in grafana["volumes"] if volume.startswith("./")}
    assert grafana_mounts == {"./deploy/grafana/provisioning": "/etc/grafana/provisioning",
                              "./deploy/grafana/dashboards": "/var/lib/grafana/dashboards"}
    for mounted in [*mounts, *grafana_mounts]:
        assert (ROOT / mounted).exists(), mounted
    # The scrape reaches the web by its service name: the site must accept that host.
    web = service("web", {"SECRET_KEY": "x", "REDIS_PASSWORD": "pw", "METRICS_TOKEN": TOKEN})["environment"]
    assert "web" in web["ALLOWED_HOSTS"].split(",") and web["METRICS_TOKEN"] == TOKEN
    assert service("prometheus", {"METRICS_TOKEN": TOKEN})["environment"]["METRICS_TOKEN"] == TOKEN


def test_the_dashboard_reads_the_provisioned_prometheus():
    dashboard = json.loads(DASHBOARD.read_text())
    datasource = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"
    panels = [panel for panel in dashboard["panels"] if panel["type"] != "row"]
    assert len(panels) >= 15
    for panel in panels:
        assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
        assert panel["targets"] and all(target["expr"] for target in panel["targets"]), panel["title"]
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


# --- Every metric named is exported ----------------------------------------------------------

_FUNCTIONS_AND_KEYWORDS = {
    "sum", "min", "max", "avg", "count", "topk", "bottomk", "rate", "irate", "increase", "histogram_quantile",
    "absent", "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
    "offset", "time", "vector", "scalar", "delta", "deriv", "clamp_min", "clamp_max", "abs", "inf", "nan",
}


def metric_names(expr: str) -> set[str]:
    """The metric names in a PromQL expression: label matchers, grouping labels, durations and
    strings taken out first, then every identifier that is not a function or keyword."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        following = text[match.end():].lstrip()[:1]
        if match.group(0) not in _FUNCTIONS_AND_KEYWORDS and following != "(":
            names.add(match.group(0))
    return names


def test_metric_names_are_read_out_of_promql():
    assert metric_names('sum by (view, le) (rate(x_bucket{view!="a{b}"}[5m])) > 0.5 and on (view) y_count') == {"x_bucket", "y_count"}
    assert metric_names("analytics_trending_age_seconds > 8 * 86400") == {"analytics_trending_age_seconds"}


def _rules() -> dict:
    return yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())


def named_metrics() -> dict[str, set[str]]:
    """Each metric name, with the rules and panels that use it."""
    used: dict[str, set[str]] = {}
    for group in _rules()["groups"]:
        for rule in group["rules"]:
            for name in metric_names(rule["expr"]):
                used.setdefault(name, set()).add(f"alert {rule['alert']}")
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        for target in panel.get("targets", []):
            for name in metric_names(target["expr"]):
                used.setdefault(name, set()).add(f"panel {panel['title']!r}")
    return used


def _scrape(base: str) -> set[str]:
    request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    text = urllib.request.urlopen(request, timeout=30).read().decode()
    return {sample.name for family in text_string_to_metric_families(text) for sample in family.samples}


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the web's workers and the Celery worker share the database")
def test_every_metric_a_rule_or_panel_names_is_in_a_live_scrape(tmp_path, celery_worker_process):  # noqa: F811
    from careercopilot.celery import app

    call_command("seed_demo", jobs=40, users=3, applications=30, seed=3, stdout=None)
    call_command("recompute_metrics", all=True, stdout=None)
    from jobs.models import Job

    job = Job.objects.active().first()
    # SLOW_QUERY_MS=0: every statement is "slow", so the slow-query counter has samples.
    with gunicorn(workers=2, ports=OWN_PORTS, PROMETHEUS_MULTIPROC_DIR=str(tmp_path), METRICS_TOKEN=TOKEN,
                  SLOW_QUERY_MS="0") as base:
        # The code paths: pages from the cache and built afresh, a 404, a search; a task in the worker.
        for path in ("/", "/", "/jobs/?q=engineer", "/jobs/?q=engineer", job.get_absolute_url(), "/health/", "/no-such-page/"):
            try:
                urllib.request.urlopen(base + path, timeout=30).read()
            except urllib.error.HTTPError as error:
                assert error.code == 404, path
        app.send_task("analytics.tasks.refresh_trending", queue=celery_worker_process)
        time.sleep(FLUSH_SECONDS)  # each worker writes its request counts once a second
        deadline = time.monotonic() + 60
        while "celery_tasks_total" not in (exported := _scrape(base)) and time.monotonic() < deadline:
            time.sleep(0.5)

    missing = {name: sorted(users) for name, users in named_metrics().items()
               if name not in exported and name not in PROMETHEUS_OWN}
    assert not missing, missing
    assert settings.REDIS_URL  # the queue metrics came from the real broker
