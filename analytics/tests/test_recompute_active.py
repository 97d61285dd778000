"""The beat job recomputes only the seekers active since its last run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import Checkpoint, UserMetrics
from analytics.services import user_metrics_recompute_active

pytestmark = pytest.mark.django_db


def _application(user, *, updated_days_ago: int, follow_up_in_days: int | None = None):
    from applications.models import Application

    moment = timezone.now() - timedelta(days=updated_days_ago)
    return Application.objects.create(
        user=user, company_name="Acme", status="applied", applied_at=moment, created_at=moment, updated_at=moment,
        next_follow_up=(timezone.now() + timedelta(days=follow_up_in_days)).date() if follow_up_in_days is not None else None,
    )


def test_it_recomputes_everyone_on_its_first_run(alice, bob):
    assert user_metrics_recompute_active() == 2
    assert UserMetrics.objects.count() == 2 and Checkpoint.objects.get(name="user-metrics")


def test_it_then_recomputes_only_seekers_with_changes_or_follow_ups_fallen_due(alice, bob, django_user_model):
    carol = django_user_model.objects.create_user(username="carol")
    _application(alice, updated_days_ago=20)
    _application(bob, updated_days_ago=20, follow_up_in_days=-1)  # fell due yesterday
    _application(carol, updated_days_ago=20, follow_up_in_days=3)
    user_metrics_recompute_active()
    Checkpoint.objects.filter(name="user-metrics").update(ran_at=timezone.now() - timedelta(days=3))
    _application(alice, updated_days_ago=0)

    assert user_metrics_recompute_active() == 2  # alice (a change) and bob (a follow-up due); not carol

    assert UserMetrics.objects.get(user=alice).total == 2
    assert Checkpoint.objects.get(name="user-metrics").ran_at > timezone.now() - timedelta(minutes=1)
