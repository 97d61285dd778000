import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_health_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_database_cache_and_broker(client):
    response = client.get("/ready/")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


def test_ready_reports_503_when_the_broker_is_unreachable(client, settings):
    from careercopilot.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/ready/")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")


def test_metrics_are_served_to_loopback(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert b"django_http_requests_total" in response.content


def test_metrics_are_not_public():
    response = Client(REMOTE_ADDR="203.0.113.9").get("/metrics")
    assert response.status_code == 403


def test_metrics_are_served_to_staff_from_anywhere(admin_user):
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.force_login(admin_user)
    assert client.get("/metrics").status_code == 200
