"""manage.py perfsuite: a small bounded mix against servers it starts itself, writing the report."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from careercopilot.observability import perf

pytestmark = pytest.mark.django_db(transaction=True)

ENDPOINT_FIELDS = {
    "kind", "requests", "rps", "latency_ms", "errors", "error_rate", "sql_queries_per_request", "cache_hit_rate",
    "cache_layers", "server_cpu_percent", "server_cpu_ms_per_request", "server_rss_mb", "ratio_to_ceiling",
}


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the servers perfsuite starts need a database shared across processes (SQLite's test database is in memory)")
def test_it_measures_a_bounded_mix_and_writes_json_markdown_and_charts(tmp_path, settings):
    call_command("seed_demo", jobs=60, users=3, applications=40, seed=5, stdout=None)
    call_command("recompute_metrics", all=True, stdout=None)

    # Two wrk threads: the status moves still arrive in turn (each thread has lanes of its own).
    # 3 s per endpoint: on a loaded machine a cold logged-in page can take over a second.
    call_command("perfsuite", duration=3, users=4, threads=2, requests=5, skip_silk=True, no_metrics_pass=True,
                 crowd="20", crowd_duration=2, out=tmp_path, mix="health,home,search_rare,job_detail,pipeline,dashboard,api_jobs,write_status", stdout=None)

    (report_path,) = tmp_path.glob("perfsuite-*.json")
    report = json.loads(report_path.read_text())
    assert report_path.with_suffix(".md").exists() and list(tmp_path.glob("perfsuite-*.svg"))
    assert report["settings"]["passes"] == ["cached", "no_cache", "no_metrics"]
    (run,) = report["runs"]
    assert run["ceiling"]["requests"] > 0 and run["ceiling"]["errors"] == 0
    assert len(run["ceilings"]) == 4  # before each pass and after the last
    # Without the request metrics: the whole stack on a trivial view and a cached page, nothing more.
    assert set(run["passes"]["no_metrics"]["endpoints"]) == {"health", "home"}
    assert run["passes"]["no_metrics"]["endpoints"]["health"]["errors"] == 0
    for name in ("cached", "no_cache"):
        endpoints = run["passes"][name]["endpoints"]
        assert set(endpoints) == {"health", "home", "search_rare", "job_detail", "pipeline", "dashboard", "api_jobs",
                                  "write_status"}
        for endpoint, row in endpoints.items():
            assert ENDPOINT_FIELDS <= set(row), endpoint
            assert set(row["latency_ms"]) >= {"p50", "p95", "p99"} and row["latency_ms"]["p50"] > 0
            assert row["requests"] > 0 and row["errors"] == 0, (name, endpoint, row["error_detail"])
            assert row["server_requests"] >= row["requests"]  # the scrape before and after saw them
            assert row["ratio_to_ceiling"]["p50"] > 0
        assert endpoints["pipeline"]["sql_queries_per_request"] > 0  # logged in: the seeker's own rows
        assert run["passes"][name]["mix"]["requests"] > 0
    assert run["passes"]["cached"]["endpoints"]["home"]["cache_hit_rate"] == 1.0  # warmed, then every page a hit
    assert run["passes"]["no_cache"]["endpoints"]["home"]["cache_hit_rate"] == 0.0  # every accessor computed afresh
    assert run["passes"]["no_cache"]["endpoints"]["home"]["sql_queries_per_request"] > 0
    assert report["summary"]["home"]["ratio_p50_median"] > 0
    # The anonymous crowd through nginx: every answer accounted for (nginx's cache, Django's, or the view).
    crowd = run["proxy"]["20"]
    assert crowd["requests"] > 0 and crowd["errors"] == 0, crowd["error_detail"]
    answered = crowd["answered_by"]
    assert sum(answered.values()) >= crowd["requests"] and answered["view"] > 0 and answered["nginx_cache"] > 0
    assert 0 <= crowd["miss_share"] < 1  # small data: the cached pass stored nearly every page already
    # Where the crowd's CPU went, by program: gunicorn and nginx did work, and the machine's busy
    # time bounds the answers a second the cores allow.
    split = crowd["cpu_split"]
    assert all(split["cpu_ms_per_answer"][part] > 0 for part in ("gunicorn", "nginx", "wrk"))
    assert split["cpu_ms_per_answer"]["machine_busy"] >= split["cpu_ms_per_answer"]["gunicorn"]
    assert split["answers_per_s_the_cores_allow"] > 0
    assert "Through nginx" in report_path.with_suffix(".md").read_text()


def test_it_refuses_a_remote_target_unless_told():
    with pytest.raises(CommandError, match="not a loopback address"):
        call_command("perfsuite", url="http://203.0.113.5:8000/", stdout=None)
    perf.check_target("http://127.0.0.1:8000/", allow_remote=False)
    perf.check_target("http://203.0.113.5:8000/", allow_remote=True)


def _report(ratios: dict[str, float]) -> dict:
    return {"runs": [{"passes": {"cached": {"endpoints": {
        name: {"ratio_to_ceiling": {"p95": ratio}} for name, ratio in ratios.items()}}}}]}


def test_compare_flags_endpoints_slower_relative_to_the_ceiling():
    result = perf.compare(_report({"home": 3.0, "search_rare": 12.4, "board": 5.0}),
                          _report({"home": 3.1, "search_rare": 10.0, "board": 5.0}))
    assert result["slower"] == ["search_rare"]  # +24 %; home got faster, board did not move
    assert result["endpoints"]["search_rare"]["change"] == 0.24


def test_the_cpu_split_leaves_out_a_process_that_ended_mid_load_instead_of_going_negative():
    # Another program's wrk (a second perfsuite, say) ends during the load: its seconds vanish from
    # the listing, which must not be read as this load's wrk or gunicorn giving CPU back.
    before = {"pids": {(10, 1.0): ("gunicorn", 5.0), (11, 1.0): ("wrk", 40.0), (12, 1.0): ("nginx", 1.0)},
              "children": 3.0, "machine_busy": 100.0}
    after = {"pids": {(10, 1.0): ("gunicorn", 7.0), (12, 1.0): ("nginx", 1.5), (13, 2.0): ("gunicorn", 0.5)},
             "children": 3.4, "machine_busy": 104.0}

    split = perf.cpu_split(before, after, answers=1000, wall=2.0)

    assert split["cpu_ms_per_answer"]["gunicorn"] == 2.5  # 2 s from the old worker, 0.5 s from a new one
    assert split["cpu_ms_per_answer"]["nginx"] == 0.5
    assert split["cpu_ms_per_answer"]["wrk"] == 0.4  # this run's own wrk, from its finished children
    assert split["cpu_ms_per_answer"]["machine_busy"] == 4.0 and split["machine_busy_percent"] == 100.0
    assert split["answers_per_s_the_cores_allow"] == split["cores"] * 250.0
