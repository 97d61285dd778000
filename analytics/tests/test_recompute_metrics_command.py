from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from analytics.models import TrendingJob, UserMetrics

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("recompute_metrics", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_recomputes_one_user(alice, bob, make_application):
    make_application(alice, "applied", created="2026-01-01", applied="2026-01-02", company="Acme")

    assert "1 user" in _run("--user", str(alice.id))

    assert list(UserMetrics.objects.values_list("user_id", "applied")) == [(alice.id, 1)]


def test_it_recomputes_everyone_in_batches(alice, bob, django_user_model):
    for i in range(5):
        django_user_model.objects.create_user(username=f"seeker{i}")

    assert "7 users" in _run("--all", "--batch-size", "2")

    assert UserMetrics.objects.count() == 7


def test_it_recomputes_platform_figures(make_job, alice):
    from applications.models import Application

    Application.objects.create(user=alice, job=make_job("Hot", "Acme"))

    assert "1 trending postings" in _run("--platform")
    assert TrendingJob.objects.get().job.title == "Hot"


def test_it_draws_a_progress_bar(alice):
    err = io.StringIO()
    call_command("recompute_metrics", "--all", stdout=io.StringIO(), stderr=err)
    assert "100%" in err.getvalue() and "users" in err.getvalue()


@pytest.mark.parametrize("args, message", [
    ((), "Say what to recompute"),
    (("--user", "987654"), "No user with id 987654"),
    (("--all", "--user", "1"), "either --user or --all"),
    (("--all", "--batch-size", "0"), "at least 1"),
])
def test_it_explains_what_is_wrong_with_the_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)
