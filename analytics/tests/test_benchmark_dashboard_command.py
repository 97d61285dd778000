from __future__ import annotations

import io

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command

from analytics.services import user_metrics_recompute

pytestmark = pytest.mark.django_db


def test_it_reports_percentiles_queries_and_cache_hits_and_cleans_up_its_sessions(alice, bob):
    user_metrics_recompute(user_ids=[alice.id, bob.id])
    out = io.StringIO()

    call_command("benchmark_dashboard", "--users", "2", "--requests", "20", "--concurrency", "1", stdout=out)

    report = out.getvalue()
    assert "20 ok, 0 failed" in report
    assert "p95" in report and "requests/s" in report
    assert "queries per request: min 1, max 1" in report  # the user (figures and interviews: the cache)
    assert "20 hits, 0 misses, hit rate 100.0%" in report
    assert not Session.objects.exists()


def test_it_asks_for_metrics_to_be_computed_first(alice):
    with pytest.raises(CommandError, match="recompute_metrics --all"):
        call_command("benchmark_dashboard", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_it_measures_a_running_server_over_http(alice, live_server):
    user_metrics_recompute(user_ids=[alice.id])
    out = io.StringIO()

    call_command("benchmark_dashboard", "--users", "1", "--requests", "5", "--concurrency", "1",
                 "--base-url", live_server.url, stdout=out)

    assert "5 ok, 0 failed" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_it_counts_a_redirect_to_the_login_page_as_a_failure(alice, live_server):
    user_metrics_recompute(user_ids=[alice.id])
    alice.is_active = False  # the server refuses her session and sends the benchmark to log in
    alice.save(update_fields=["is_active"])
    out = io.StringIO()

    call_command("benchmark_dashboard", "--users", "1", "--requests", "3", "--concurrency", "1",
                 "--base-url", live_server.url, stdout=out)

    assert "0 ok, 3 failed" in out.getvalue() and "302" in out.getvalue()
