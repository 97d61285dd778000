from __future__ import annotations

import pytest

from analytics.services import user_metrics_recompute

pytestmark = pytest.mark.django_db
URL = "/api/v1/analytics/summary/"


def test_it_refuses_anonymous_callers(client):
    assert client.get(URL).status_code in (401, 403)


def test_it_returns_the_callers_own_figures_with_the_funnel(alice, bob, client, make_application):
    make_application(alice, "applied", created="2026-01-01", applied="2026-01-02", company="Acme")
    make_application(alice, "rejected", created="2026-01-01", applied="2026-01-02", closed="2026-01-05", company="Beta")
    user_metrics_recompute(user_ids=[alice.id, bob.id])
    client.force_login(alice)

    body = client.get(URL).json()

    assert (body["total"], body["rejected"], body["response_rate"]) == (2, 1, 0.5)
    assert body["funnel"][1] == {"label": "Applied", "count": 2, "conversion": 1.0}
    assert body["median_days_to_response"] == 3.0 and body["computed_at"]
    assert "user" not in body

    client.force_login(bob)
    assert client.get(URL).json()["total"] == 0


def test_it_accepts_a_token(alice, client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=alice)

    response = client.get(URL, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200 and response.json()["total"] == 0


def test_it_is_described_in_the_openapi_schema(client):
    assert "/api/v1/analytics/summary/" in client.get("/api/v1/schema/").content.decode()
