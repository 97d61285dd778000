"""The parts of perfsuite that need no Django server: wrk's request order, the report's charts."""

from __future__ import annotations

import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from careercopilot.observability import perf


class _StatusServer(BaseHTTPRequestHandler):
    """Plays the application: each one starts saved, withdrawn and saved are legal only in turn,
    anything else is a 400 (as Django answers an illegal move)."""

    protocol_version = "HTTP/1.1"
    status: dict[str, str] = {}
    seen: list[tuple[str, str]] = []
    held: dict[str, float] = {}  # path: seconds its first move waits before it is applied
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 (http.server's name)
        wanted = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode().removeprefix("to_status=")
        with self.lock:
            hold = self.held.pop(self.path, 0)
        time.sleep(hold)  # a slow answer: a move sent meanwhile on another connection would overtake it
        with self.lock:
            legal = {"saved": "withdrawn", "withdrawn": "saved"}[self.status.get(self.path, "saved")] == wanted
            if legal:
                self.status[self.path] = wanted
            self.seen.append((self.path, wanted))
        self.send_response(200 if legal else 400)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def status_server():
    _StatusServer.status, _StatusServer.seen, _StatusServer.held = {}, [], {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StatusServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _StatusServer.seen
    finally:
        server.shutdown()
        server.server_close()


def _moves(ids) -> list[perf.Request]:
    # What build_endpoints makes for write_status: every application to withdrawn, then every one back.
    return [perf.Request(f"/applications/{pk}/status/", "POST", f"to_status={status}", lane=i)
            for status in ("withdrawn", "saved") for i, pk in enumerate(ids)]


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")
def test_each_application_gets_its_moves_in_turn_with_several_threads_and_connections(status_server, tmp_path):
    base, seen = status_server
    # The first move of application 1 answers slowly: a second connection of the same wrk thread
    # would meanwhile walk the thread's list on to application 1's move back (seen in CI as one 400).
    _StatusServer.held["/applications/1/status/"] = 0.5

    result = perf.run_wrk(base, _moves(range(1, 201)), perf.Load(duration=3, connections=4, threads=2, budget=300),
                          tmp_path, "write_status")

    # Before lanes every thread walked the whole list from its own offset: a thread starting in
    # the second half sent "saved" to applications that were still saved.
    assert result["requests"] >= 600 and result["errors"]["status"] == 0, result["errors"]
    assert len({path for path, _ in seen}) == 200  # the two threads' lanes together cover every application


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")
def test_more_threads_than_lanes_leaves_no_thread_without_work(status_server, tmp_path):
    base, seen = status_server

    # Three lanes: three threads of one connection each, the fourth would have had nothing to send.
    result = perf.run_wrk(base, _moves([1, 2, 3]), perf.Load(duration=1, connections=3, threads=4, budget=20),
                          tmp_path, "three_lanes")

    assert result["requests"] >= 60 and sum(result["errors"].values()) == 0, result["errors"]
    for pk in (1, 2, 3):
        moves = [wanted for path, wanted in seen if path == f"/applications/{pk}/status/"]
        assert moves == ["withdrawn", "saved"] * (len(moves) // 2) + ["withdrawn"] * (len(moves) % 2)


def test_the_mix_leaves_out_moves_that_must_keep_their_order():
    endpoints = [
        perf.Endpoint("home", "anonymous", [perf.Request("/")], weight=2),
        perf.Endpoint("write_status", "write", [perf.Request("/a/1/status/", "POST", "to_status=withdrawn", lane=0),
                                                perf.Request("/a/1/status/", "POST", "to_status=saved", lane=0)]),
    ]
    assert {r.path for r in perf.mix_requests(endpoints)} == {"/"}
    assert perf.mix_requests(endpoints[1:]) == []


def _row(p50: float, rps: float = 100.0) -> dict:
    return {"latency_ms": {"p50": p50, "p95": p50 * 2, "p99": p50 * 3}, "rps": rps, "requests": 10, "errors": 0,
            "ratio_to_ceiling": {"p50": p50, "p95": p50 * 2, "p99": p50 * 3, "rps": round(1 / p50, 4)},
            "cache_hit_rate": None, "sql_queries_per_request": 1, "server_cpu_ms_per_request": 1.0, "server_rss_mb": 100}


def test_the_chart_and_report_show_an_endpoint_one_pass_did_not_measure():
    # The second pass had no untracked posting left to track: write_track is only in the first.
    run = {
        "repeat": 1, "load_average_at_start": [1.0, 1.0, 1.0], "load_average_at_end": [1.0, 1.0, 1.0],
        "ceiling": {"latency_ms": {"p50": 1.0, "p95": 2.0, "p99": 3.0}, "rps": 1000.0},
        "ceilings": [{"rps": 990.0}, {"rps": 1010.0}], "ceiling_spread": 0.02,
        "passes": {
            "cached": {"endpoints": {"home": _row(2.0), "write_track": _row(9.0)}, "mix": None},
            "no_cache": {"endpoints": {"home": _row(30.0), "board": _row(40.0)}, "mix": None},
        },
    }

    svg = perf.bar_chart(run)

    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    for name in ("home", "write_track", "board"):
        assert f">{name}</text>" in svg
    assert "no_cache: not measured" in svg and "cached: not measured" in svg
    report = {"started_at": "2026-12-01T05:00:00+00:00", "runs": [run], "summary": {},
              "environment": {"host": "h", "cpus": 2, "memory_gb": 4, "database": "postgresql", "git_sha": "abc",
                              "rows_estimated": {}, "load_average_at_start": [1, 1, 1], "load_average_at_end": [1, 1, 1]},
              "settings": {"seeker": "heavy", "seeker_applications": 2000, "target": "t", "workers": 2, "threads": 2,
                           "connections": 8, "duration_s": 10}}
    text = perf.markdown(report, ["chart.svg"])
    assert "| write_track | 0.111 | 18.0 |  |  |" in text  # measured in the cached pass only
    assert "| board |  |  | 0.025 | 80.0 |" in text


def test_a_pass_is_divided_by_the_ceilings_around_it():
    around = perf.combine_ceilings([_row(1.0, rps=900.0), _row(3.0, rps=1100.0)])
    assert around["latency_ms"]["p50"] == 2.0 and around["rps"] == 1000.0 and around["measurements"] == 2
    rows = perf.with_ratios({"home": _row(4.0, rps=500.0)}, around)
    assert rows["home"]["ratio_to_ceiling"]["p50"] == 2.0 and rows["home"]["ratio_to_ceiling"]["rps"] == 0.5
    assert perf.spread([900.0, 1000.0, 1100.0]) == 0.2


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")
def test_answers_that_are_not_2xx_are_counted_by_their_status_code(status_server, tmp_path):
    base, _ = status_server
    # The same application moved to withdrawn over and over: the first is legal, the rest are 400s.
    again = [perf.Request("/applications/1/status/", "POST", "to_status=withdrawn")]

    result = perf.run_wrk(base, again, perf.Load(duration=1, connections=2, threads=2, budget=10), tmp_path, "refused")

    assert result["statuses"] == {"400": result["errors"]["status"]} and result["errors"]["status"] >= 19


def test_a_suite_of_anonymous_pages_only_makes_no_user_nor_session():
    # A shared, read-only full-size database can then be measured (no seeker, writer or session written).
    assert perf.anonymous_only(perf.Options(only=["health", "home", "search_common", "job_detail"]))
    assert perf.anonymous_only(perf.Options(only=["anonymous"]))
    assert not perf.anonymous_only(perf.Options(only=["health", "board"]))
    assert not perf.anonymous_only(perf.Options(only=None))  # the whole mix has the seeker's pages


def test_productions_worker_count_is_gunicorn_confs_default(monkeypatch):
    import runpy

    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    conf = runpy.run_path(str(perf.ROOT / "gunicorn.conf.py"))
    assert perf.production_workers() == conf["workers"]


def _crowd_servers(monkeypatch, tmp_path, options: perf.Options) -> list[int]:
    """The worker counts of the gunicorns crowd_pass starts (nothing is started, nothing loaded)."""
    from contextlib import contextmanager

    from careercopilot.observability import nginx as proxy

    started = []

    @contextmanager
    def fake_gunicorn(app, *, workers, **kwargs):
        started.append(workers)
        yield perf.Server("http://127.0.0.1:1", None)

    @contextmanager
    def fake_nginx(upstream, **kwargs):
        yield "http://127.0.0.1:2"

    monkeypatch.setattr(perf, "gunicorn", fake_gunicorn)
    monkeypatch.setattr(proxy, "available", lambda: True)
    monkeypatch.setattr(proxy, "nginx", fake_nginx)
    monkeypatch.setattr(perf, "crowd_requests", lambda: [perf.Request("/")])
    monkeypatch.setattr(perf, "measure", lambda *args: {"requests": 1, "rps": 1.0, "latency_ms": {"p50": 1, "p95": 1, "p99": 1},
                                                        "error_detail": {}, "statuses": {}, "answered_by": {"view": 1}})
    perf.crowd_pass(options, tmp_path)
    return started


def test_the_crowd_runs_on_productions_worker_count_while_the_table_keeps_the_issues_two(monkeypatch, tmp_path):
    options = perf.Options(crowds=[5], crowd_duration=1, log=lambda line: None)
    assert options.workers == 2  # the 8-connection table's servers
    assert _crowd_servers(monkeypatch, tmp_path, options) == [perf.production_workers()]


def test_the_crowds_worker_count_can_be_chosen(monkeypatch, tmp_path):
    options = perf.Options(crowds=[5], crowd_duration=1, crowd_workers=3, workers=6, log=lambda line: None)
    assert _crowd_servers(monkeypatch, tmp_path, options) == [3]


def test_the_command_passes_the_crowds_worker_count_on(monkeypatch, tmp_path):
    from django.core.management import call_command

    chosen = []

    def fake_suite(options):
        chosen.append((options.workers, perf.crowd_workers(options)))
        raise RuntimeError("stop here")

    monkeypatch.setattr(perf, "run_suite", fake_suite)
    for extra in ({}, {"crowd_workers": 3}):
        with pytest.raises(Exception, match="stop here"):
            call_command("perfsuite", crowd="20", out=tmp_path, stdout=None, **extra)
    assert chosen == [(2, perf.production_workers()), (2, 3)]


def test_the_servers_log_is_read_between_two_sizes_without_moving_the_writers_offset(tmp_path):
    import tempfile

    with tempfile.TemporaryFile(buffering=0) as log:  # unbuffered, as the server's own writes
        log.write(b"[INFO] Booting worker\n")
        start = perf.log_size(log)
        log.write(b"WARNING slow query 2100 ms\nERROR search timed out\n")
        end = perf.log_size(log)
        log.write(b"after the load\n")

        assert perf.server_log_between(log, start, end) == ["WARNING slow query 2100 ms", "ERROR search timed out"]
        assert log.tell() == perf.log_size(log)  # the writer goes on appending where it was
        assert perf.server_log_between(log, end, end) == [] and perf.server_log_between(None, 0, 9) == []


def test_the_line_that_says_why_an_answer_failed_is_kept_past_any_number_of_slow_query_warnings():
    import tempfile

    slow = "2026-12-01 21:54:45,270 WARNING careercopilot.slow_queries slow query 343 ms in job_list: SELECT " + "x" * 1500
    with tempfile.TemporaryFile(buffering=0) as log:
        log.write(b"2026-12-01 21:54:55,420 WARNING jobs.selectors search cancelled at its statement timeout (2000ms): /jobs/?q=a\n")
        log.write(b"2026-12-01 21:54:55,430 ERROR django.request Service Unavailable: /jobs/\n")
        log.write(f"{slow}\n".encode() * 500)  # 750 KB of them after it

        assert perf.server_log_between(log, 0, perf.log_size(log)) == [
            "2026-12-01 21:54:55,420 WARNING jobs.selectors search cancelled at its statement timeout (2000ms): /jobs/?q=a",
            "2026-12-01 21:54:55,430 ERROR django.request Service Unavailable: /jobs/",
            "(500 slow-query warnings left out)",
        ]


def _crowd_with_answers(monkeypatch, tmp_path, statuses: dict) -> dict:
    from contextlib import contextmanager
    import tempfile

    from careercopilot.observability import nginx as proxy

    log = tempfile.TemporaryFile(buffering=0)  # unbuffered, as the server's own writes
    log.write(b"[INFO] Booting worker\n")

    @contextmanager
    def fake_gunicorn(app, **kwargs):
        yield perf.Server("http://127.0.0.1:1", None, "", log)

    @contextmanager
    def fake_nginx(upstream, **kwargs):
        yield "http://127.0.0.1:2"

    def fake_measure(*args):
        log.write(b"WARNING search timed out after 2000 ms\n")
        return {"requests": 10, "rps": 1.0, "latency_ms": {"p50": 1, "p95": 1, "p99": 1},
                "error_detail": {"connect": 0, "read": 0, "write": 0, "status": sum(statuses.values()), "timeout": 0},
                "statuses": statuses, "answered_by": {"view": 10}}

    monkeypatch.setattr(perf, "gunicorn", fake_gunicorn)
    monkeypatch.setattr(proxy, "available", lambda: True)
    monkeypatch.setattr(proxy, "nginx", fake_nginx)
    monkeypatch.setattr(perf, "crowd_requests", lambda: [perf.Request("/")])
    monkeypatch.setattr(perf, "measure", fake_measure)
    monkeypatch.setattr(perf, "machine_cpu", lambda: None)
    monkeypatch.setattr(perf, "cpu_split", lambda *args: None)
    with log:
        return perf.crowd_pass(perf.Options(crowds=[5], crowd_duration=1, log=lambda line: None), tmp_path)["5"]


def test_a_crowd_load_with_failed_answers_keeps_what_gunicorn_wrote_meanwhile(monkeypatch, tmp_path):
    row = _crowd_with_answers(monkeypatch, tmp_path, {"503": 1})
    assert row["server_log"] == ["WARNING search timed out after 2000 ms"]  # not what it wrote before the load


def test_a_crowd_load_without_failed_answers_keeps_no_log(monkeypatch, tmp_path):
    assert "server_log" not in _crowd_with_answers(monkeypatch, tmp_path, {})
