"""Every per-user metric against figures worked out by hand (PostgreSQL runs the SQL path,
SQLite the Python path; test_recompute_paths_agree checks the two against each other).

Alice's nine applications, as of Wednesday 2026-03-18 noon (this week starts Monday 03-16, the
26-week window starts Monday 2025-09-22). Days are whole: every moment is at noon.

 #  status        company (applied?)  created  applied  interview  offer   closed   follow-up
 1  saved         Acme via job C (no)  03-10    -        -          -       -        03-17 (due)
 2  applied       Acme (yes)           03-01    03-02    -          -       -        03-20 (not yet)
 3  interviewing  Beta via job B       02-01    02-03    02-08      -       -
 4  offer         Acme via job A       01-10    01-12    01-22      02-01   -
 5  accepted      Gamma                01-01    01-05    01-07      01-14   01-16
 6  rejected      Beta                 02-20    02-21    -          -       03-02
 7  ghosted       Delta                01-01    01-02    -          -       02-01
 8  withdrawn     Epsilon (never)      03-05    -        -          -       03-06    03-01 (closed)
 9  rejected      Beta                 02-10    02-10    02-24      -       03-03

Job A: Python, Django. Job B: Python, SQL. Job C: Go (only saved, so not "applied to").
"""

from __future__ import annotations

import pytest

from analytics.models import UserMetrics
from analytics.services import user_metrics_recompute
from analytics.tests.conftest import at

NOW = at("2026-03-18")
pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_search(alice, make_job, make_application):
    job_a = make_job("Backend Engineer", "Acme", ("Python", "Django"))
    job_b = make_job("Data Engineer", "Beta", ("Python", "SQL"))
    job_c = make_job("Go Developer", "Acme", ("Go",))
    make_application(alice, "saved", created="2026-03-10", follow_up="2026-03-17", job=job_c, company="Acme")
    make_application(alice, "applied", created="2026-03-01", applied="2026-03-02", follow_up="2026-03-20",
                     company="Acme", title="Platform Engineer")
    make_application(alice, "interviewing", created="2026-02-01", applied="2026-02-03", interview="2026-02-08", job=job_b)
    make_application(alice, "offer", created="2026-01-10", applied="2026-01-12", interview="2026-01-22",
                     offer="2026-02-01", job=job_a)
    make_application(alice, "accepted", created="2026-01-01", applied="2026-01-05", interview="2026-01-07",
                     offer="2026-01-14", closed="2026-01-16", company="Gamma")
    make_application(alice, "rejected", created="2026-02-20", applied="2026-02-21", closed="2026-03-02", company="Beta")
    make_application(alice, "ghosted", created="2026-01-01", applied="2026-01-02", closed="2026-02-01", company="Delta")
    make_application(alice, "withdrawn", created="2026-03-05", closed="2026-03-06", follow_up="2026-03-01", company="Epsilon")
    make_application(alice, "rejected", created="2026-02-10", applied="2026-02-10", interview="2026-02-24",
                     closed="2026-03-03", company="Beta")
    return alice


def _metrics_of(user) -> UserMetrics:
    user_metrics_recompute(user_ids=[user.id], now=NOW)
    return UserMetrics.objects.get(user=user)


def test_it_counts_applications_by_current_status(alices_search):
    metrics = _metrics_of(alices_search)

    assert metrics.total == 9
    assert (metrics.saved, metrics.applied, metrics.interviewing, metrics.offer) == (1, 1, 1, 1)
    assert (metrics.accepted, metrics.rejected, metrics.withdrawn, metrics.ghosted) == (1, 2, 1, 1)


def test_it_counts_every_application_that_ever_reached_each_funnel_stage(alices_search):
    metrics = _metrics_of(alices_search)

    # applied: 2-7 and 9; interviewing: 3, 4, 5, 9; offer: 4, 5; accepted: 5.
    assert (metrics.reached_applied, metrics.reached_interviewing, metrics.reached_offer, metrics.reached_accepted) == (7, 4, 2, 1)
    assert [(step["label"], step["count"]) for step in metrics.funnel] == [
        ("Saved", 9), ("Applied", 7), ("Interviewing", 4), ("Offer", 2), ("Accepted", 1),
    ]
    assert [step["conversion"] for step in metrics.funnel] == [None, pytest.approx(7 / 9), pytest.approx(4 / 7), 0.5, 0.5]


def test_it_rates_replies_interviews_and_offers_against_applications_sent(alices_search):
    metrics = _metrics_of(alices_search)

    # Replies: 3, 4, 5 (interviews), 6 and 9 (rejections); 2 is waiting, 7 was ghosted.
    assert metrics.responded == 5
    assert metrics.response_rate == pytest.approx(5 / 7)
    assert metrics.interview_rate == pytest.approx(4 / 7)
    assert metrics.offer_rate == pytest.approx(2 / 7)


def test_it_takes_the_median_of_days_to_the_first_reply(alices_search):
    # 3: 5 days, 4: 10, 5: 2, 6: 9, 9: 14 → sorted 2, 5, 9, 10, 14.
    assert _metrics_of(alices_search).median_days_to_response == pytest.approx(9)


def test_it_averages_the_days_spent_in_each_stage_that_was_left(alices_search):
    stage_days = _metrics_of(alices_search).stage_days

    assert stage_days["saved"] == pytest.approx((1 + 2 + 2 + 4 + 1 + 1 + 0) / 7)
    assert stage_days["applied"] == pytest.approx((5 + 10 + 2 + 9 + 30 + 14) / 6)
    assert stage_days["interviewing"] == pytest.approx((10 + 7 + 7) / 3)
    assert stage_days["offer"] == pytest.approx(2)


def test_it_counts_applications_sent_and_answered_per_week_over_26_weeks(alices_search):
    weeks = _metrics_of(alices_search).weekly_applications

    assert len(weeks) == 26
    assert weeks[0]["week"] == "2025-09-22" and weeks[-1]["week"] == "2026-03-16"
    sent = {i: (w["applied"], w["responded"]) for i, w in enumerate(weeks) if w["applied"]}
    # Week of 12-29: 7 (ghosted); 01-05: 5; 01-12: 4; 02-02: 3; 02-09: 9; 02-16: 6; 03-02: 2 (waiting).
    assert sent == {14: (1, 0), 15: (1, 1), 16: (1, 1), 19: (1, 1), 20: (1, 1), 21: (1, 1), 23: (1, 0)}


def test_it_ranks_companies_and_skills_applied_to(alices_search):
    metrics = _metrics_of(alices_search)

    # Job A's company fills in where none was typed; 1 (saved) and 8 (never applied) do not count.
    assert metrics.top_companies == [
        {"name": "Beta", "count": 3}, {"name": "Acme", "count": 2},
        {"name": "Delta", "count": 1}, {"name": "Gamma", "count": 1},
    ]
    assert metrics.top_skills == [{"name": "Python", "count": 2}, {"name": "Django", "count": 1}, {"name": "SQL", "count": 1}]


def test_it_lists_open_follow_ups_and_counts_those_due(alices_search):
    metrics = _metrics_of(alices_search)

    assert metrics.follow_ups_due == 1
    assert [(f["date"], f["title"], f["company"]) for f in metrics.follow_ups] == [
        ("2026-03-17", "Go Developer", "Acme"),
        ("2026-03-20", "Platform Engineer", "Acme"),
    ]


def test_it_keeps_other_seekers_applications_out(alices_search, bob, make_application):
    make_application(bob, "applied", created="2026-03-01", applied="2026-03-02", company="Acme")

    user_metrics_recompute(user_ids=[alices_search.id, bob.id], now=NOW)

    assert UserMetrics.objects.get(user=alices_search).total == 9
    bobs = UserMetrics.objects.get(user=bob)
    assert (bobs.total, bobs.applied, bobs.top_companies) == (1, 1, [{"name": "Acme", "count": 1}])


def test_it_stores_an_empty_state_with_no_rates_for_a_seeker_with_nothing_tracked(bob):
    metrics = _metrics_of(bob)

    assert metrics.total == metrics.reached_applied == metrics.responded == metrics.follow_ups_due == 0
    assert (metrics.response_rate, metrics.interview_rate, metrics.offer_rate) == (None, None, None)
    assert metrics.median_days_to_response is None
    assert metrics.stage_days == {"saved": None, "applied": None, "interviewing": None, "offer": None}
    assert [w["applied"] for w in metrics.weekly_applications] == [0] * 26
    assert metrics.top_companies == metrics.top_skills == metrics.follow_ups == []
    assert [step["conversion"] for step in metrics.funnel] == [None, None, None, None, None]


def test_it_leaves_rates_undefined_rather_than_zero_when_nothing_was_sent(bob, make_application):
    make_application(bob, "saved", created="2026-03-10", company="Acme")
    make_application(bob, "saved", created="2026-03-11", company="Beta")

    metrics = _metrics_of(bob)

    assert (metrics.total, metrics.saved, metrics.reached_applied) == (2, 2, 0)
    assert (metrics.response_rate, metrics.interview_rate, metrics.offer_rate) == (None, None, None)
    assert [step["conversion"] for step in metrics.funnel] == [None, 0.0, None, None, None]
    assert metrics.stage_days["saved"] is None  # never left the stage


def test_it_skips_durations_whose_dates_run_backwards(bob, make_application):
    # Imported by hand with the reply dated before the application: no negative days.
    make_application(bob, "interviewing", created="2026-03-01", applied="2026-03-10", interview="2026-03-05")

    metrics = _metrics_of(bob)

    assert metrics.responded == 1 and metrics.response_rate == 1.0
    assert metrics.median_days_to_response is None
    assert metrics.stage_days["applied"] is None


def test_it_gives_the_same_rows_when_run_twice(alices_search):
    first = _metrics_of(alices_search)
    second = _metrics_of(alices_search)

    assert UserMetrics.objects.filter(user=alices_search).count() == 1
    fields = [f.name for f in UserMetrics._meta.concrete_fields]
    assert [getattr(first, name) for name in fields] == [getattr(second, name) for name in fields]


def test_it_skips_users_that_no_longer_exist(alice):
    assert user_metrics_recompute(user_ids=[alice.id, 987654], now=NOW) == 1
    assert list(UserMetrics.objects.values_list("user_id", flat=True)) == [alice.id]
