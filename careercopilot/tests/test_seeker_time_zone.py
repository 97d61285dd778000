"""The seeker's time zone across the apps: pages in their zone, the API in UTC for everyone."""

import re

import pytest

from accounts.time_zones import SESSION_KEY
from analytics.services import user_metrics_recompute
from applications.services import application_create

pytestmark = pytest.mark.django_db


def tokyo_client(client, user):
    user.profile.time_zone = "Asia/Tokyo"
    user.profile.save(update_fields=["time_zone"])
    client.force_login(user)  # the log-in remembers the zone in the session
    assert client.session[SESSION_KEY] == "Asia/Tokyo"
    return client


def test_the_api_answers_in_utc_whoever_asks(client, alice):
    application = application_create(user=alice, company_name="Initech", title="SRE")
    client = tokyo_client(client, alice)

    created = client.get(f"/api/v1/applications/{application.pk}/").json()["created_at"]

    assert created.endswith("Z")


def test_the_dashboard_says_when_the_figures_were_computed_in_the_seekers_zone(client, alice):
    application_create(user=alice, company_name="Initech", title="SRE")
    user_metrics_recompute(user_ids=[alice.pk])

    body = tokyo_client(client, alice).get("/dashboard/").content.decode()

    assert re.search(r'<time datetime="[^"]*\+09:00" title="[^"]* JST">', body) and ' UTC">' not in body
