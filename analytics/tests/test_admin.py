from __future__ import annotations

import pytest

from analytics.models import UserMetrics
from analytics.services import trending_recompute, user_metrics_recompute

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="admin", email="admin@example.com", password="x")
    client.force_login(admin)
    return client


def test_it_lists_and_shows_stored_metrics(admin_client, alice, make_application):
    make_application(alice, "applied", created="2026-01-01", applied="2026-01-02", company="Acme")
    user_metrics_recompute(user_ids=[alice.id])

    listing = admin_client.get("/admin/analytics/usermetrics/")
    detail = admin_client.get(f"/admin/analytics/usermetrics/{alice.id}/change/")

    assert listing.status_code == 200 and "alice" in listing.content.decode()
    assert detail.status_code == 200 and "Acme" in detail.content.decode()
    assert admin_client.get("/admin/analytics/usermetrics/add/").status_code == 403


def test_it_recomputes_the_selected_users_from_the_list(admin_client, alice, make_application):
    user_metrics_recompute(user_ids=[alice.id])
    make_application(alice, "applied", created="2026-01-01", applied="2026-01-02", company="Acme")

    response = admin_client.post("/admin/analytics/usermetrics/", {
        "action": "recompute", "_selected_action": [alice.id],
    }, follow=True)

    assert "Recomputed metrics of 1 user(s)." in response.content.decode()
    assert UserMetrics.objects.get(user=alice).total == 1


def test_it_shows_trending_postings_skills_and_daily_stats(admin_client, make_job):
    trending_recompute()
    for path in ("trendingjob", "trendingskill", "platformdailystats", "checkpoint"):
        assert admin_client.get(f"/admin/analytics/{path}/").status_code == 200, path
