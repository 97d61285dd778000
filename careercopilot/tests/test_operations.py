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


TOKEN = "scrape-token-0123456789"


def test_metrics_are_served_with_the_bearer_token_from_anywhere(settings):
    settings.METRICS_TOKEN = TOKEN
    client = Client(REMOTE_ADDR="203.0.113.9")

    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    refused = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert refused.status_code == 403
    assert refused["WWW-Authenticate"].startswith("Bearer")


def test_metrics_are_not_public_through_a_proxy_on_the_same_host(settings):
    # The finding: behind a same-host proxy every visitor arrives from 127.0.0.1.
    settings.PROXY_COUNT = 1
    settings.METRICS_TOKEN = TOKEN
    through_proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert through_proxy.get("/metrics").status_code == 403
    assert through_proxy.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_metrics_do_not_believe_a_forwarded_loopback_address(settings):
    settings.PROXY_COUNT = 0
    spoofed = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert spoofed.get("/metrics").status_code == 403


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (0, "198.51.100.7", "10.0.0.2"),  # no proxy: the header is the client's own words
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "127.0.0.1, 198.51.100.7", "198.51.100.7"),  # a forged first hop is ignored
        (2, "127.0.0.1, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (3, "198.51.100.7", "198.51.100.7"),  # fewer hops than proxies: the farthest one
    ],
)
def test_the_client_address_trusts_only_our_own_proxies(rf, settings, proxies, forwarded, expected):
    from careercopilot.proxies import client_address

    settings.PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected
