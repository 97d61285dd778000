from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import UserMetrics
from analytics.tasks import refresh_user_metrics


@pytest.mark.django_db
def test_it_stores_a_users_counts_when_the_refresh_task_runs(alice):
    from applications.models import Application

    now = timezone.now()
    Application.objects.create(user=alice, company_name="Acme", status="saved")
    Application.objects.create(user=alice, company_name="Acme", status="applied", applied_at=now - timedelta(days=2))

    refresh_user_metrics.delay(alice.id)

    metrics = UserMetrics.objects.get(user=alice)
    assert (metrics.total, metrics.saved, metrics.applied, metrics.reached_applied) == (2, 1, 1, 1)
    assert metrics.top_companies == [{"name": "Acme", "count": 1}]


@pytest.mark.django_db
def test_it_ignores_a_user_who_no_longer_exists():
    assert refresh_user_metrics.delay(987654).get() == 0
    assert not UserMetrics.objects.exists()
