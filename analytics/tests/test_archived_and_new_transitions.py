"""Archived applications and the tracker's new transitions, as the stored figures count them."""

from __future__ import annotations

import pytest

from analytics.models import UserMetrics
from analytics.services import user_metrics_recompute

pytestmark = pytest.mark.django_db


def figures(user) -> UserMetrics:
    user_metrics_recompute(user_ids=[user.id])
    return UserMetrics.objects.get(user=user)


def test_archived_applications_leave_the_status_counts_and_follow_ups_but_not_the_history(alice, make_application):
    from applications.services import application_archive

    kept = make_application(alice, "interviewing", created="2026-01-01", applied="2026-01-02", interview="2026-01-09",
                            follow_up="2026-01-20", company="Acme")
    gone = make_application(alice, "rejected", created="2026-01-01", applied="2026-01-02", closed="2026-01-05",
                            company="Beta")
    gone_open = make_application(alice, "applied", created="2026-01-01", applied="2026-01-03", follow_up="2026-01-21",
                                 company="Gamma")
    application_archive(application=gone, by=alice)
    application_archive(application=gone_open, by=alice)

    metrics = figures(alice)

    assert (metrics.total, metrics.archived) == (3, 2)
    assert (metrics.interviewing, metrics.rejected, metrics.applied) == (1, 0, 0)  # the active pipeline
    assert (metrics.follow_ups_due, [item["id"] for item in metrics.follow_ups]) == (1, [kept.pk])
    # History stands: all three were sent, two heard back.
    assert (metrics.reached_applied, metrics.responded) == (3, 2)
    assert {row["name"] for row in metrics.top_companies} == {"Acme", "Beta", "Gamma"}


def test_a_recruiter_call_counts_as_a_reply_without_an_application_sent(alice):
    from applications.services import application_change_status, application_create

    application = application_create(user=alice, company_name="Acme", title="SRE")
    application_change_status(application=application, to_status="interviewing", by=alice)

    metrics = figures(alice)

    assert (metrics.interviewing, metrics.reached_interviewing, metrics.reached_applied) == (1, 1, 1)
    assert metrics.median_days_to_response is None  # nothing was sent, so no time to a reply


def test_an_undone_offer_is_no_longer_counted_as_an_offer(alice):
    from applications.services import application_change_status, application_create, application_undo_status_change

    application = application_create(user=alice, company_name="Acme", title="SRE", status="applied")
    application_change_status(application=application, to_status="offer", by=alice)
    assert figures(alice).reached_offer == 1

    application_undo_status_change(application=application, by=alice)

    metrics = figures(alice)
    assert (metrics.reached_offer, metrics.offer, metrics.applied) == (0, 0, 1)
