"""Every date a seeker sees is in their own time zone, at no query cost per page."""

import pytest

from accounts.time_zones import SESSION_KEY

pytestmark = pytest.mark.django_db


def test_it_saves_a_time_zone_on_the_profile_and_uses_it_at_once(alice_client, alice):
    response = alice_client.post("/profile/", {"remote_preference": "any", "salary_currency": "USD", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    alice.profile.refresh_from_db()
    assert alice.profile.time_zone == "Asia/Tokyo"
    assert alice_client.session[SESSION_KEY] == "Asia/Tokyo"


def test_it_refuses_an_unknown_time_zone_with_a_form_error(alice_client):
    response = alice_client.post("/profile/", {"remote_preference": "any", "salary_currency": "USD", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]


def test_anonymous_pages_stay_in_utc_and_do_not_touch_the_session(client):
    response = client.get("/health/")
    assert "Cookie" not in response.get("Vary", "")

