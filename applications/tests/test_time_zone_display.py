"""The pipeline shows every time in the seeker's own zone, remembered from the profile at log-in."""

from datetime import datetime, timezone as dt_timezone

import pytest

from accounts.time_zones import SESSION_KEY
from applications.services import application_create

pytestmark = pytest.mark.django_db


def test_it_remembers_the_profile_zone_at_log_in_and_shows_times_in_it(client, alice):
    alice.profile.time_zone = "Asia/Tokyo"
    alice.profile.save(update_fields=["time_zone"])
    application = application_create(user=alice, company_name="Initech", title="SRE")
    application.events.update(created_at=datetime(2026, 3, 1, 23, 30, tzinfo=dt_timezone.utc))

    client.post("/login/", {"username": "alice", "password": "alice-password-1"})

    assert client.session[SESSION_KEY] == "Asia/Tokyo"
    body = client.get(f"/applications/{application.pk}/").content.decode()
    assert "2026-03-02 08:30" in body  # 23:30 UTC is 08:30 the next morning in Tokyo
