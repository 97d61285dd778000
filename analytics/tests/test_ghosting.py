"""Beat marks applications with no reply ghosted, as the applications' own rules would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import UserMetrics
from analytics.services import applications_mark_ghosted

pytestmark = pytest.mark.django_db


def _application(user, status: str, *, days_ago: int, company: str = "Acme"):
    from applications.models import Application

    moment = timezone.now() - timedelta(days=days_ago)
    return Application.objects.create(
        user=user, company_name=company, status=status, created_at=moment, updated_at=moment,
        applied_at=moment if status != "saved" else None,
    )


def test_it_moves_silent_applications_to_ghosted_with_a_timeline_event(alice):
    from applications.models import ALLOWED_TRANSITIONS

    silent = _application(alice, "applied", days_ago=31)
    recent = _application(alice, "applied", days_ago=10)
    interviewing = _application(alice, "interviewing", days_ago=60)
    saved = _application(alice, "saved", days_ago=90)

    assert applications_mark_ghosted(after_days=30) == 1

    silent.refresh_from_db()
    assert silent.status == "ghosted" and silent.closed_at is not None
    assert silent.updated_at > timezone.now() - timedelta(minutes=1)
    (event,) = silent.events.all()
    assert (event.kind, event.from_status, event.to_status) == ("status_changed", "applied", "ghosted")
    assert event.to_status in ALLOWED_TRANSITIONS[event.from_status]
    assert "30 days" in event.note and event.actor is None
    for untouched, status in ((recent, "applied"), (interviewing, "interviewing"), (saved, "saved")):
        untouched.refresh_from_db()
        assert untouched.status == status and not untouched.events.exists()


def test_it_refreshes_the_owners_metrics(alice, bob):
    _application(alice, "applied", days_ago=40)
    _application(bob, "applied", days_ago=5)

    applications_mark_ghosted(after_days=30)

    assert UserMetrics.objects.get(user=alice).ghosted == 1
    assert not UserMetrics.objects.filter(user=bob).exists()  # nothing of bob's changed


def test_it_works_through_every_batch(alice, bob):
    for days in range(31, 36):
        _application(alice, "applied", days_ago=days)
        _application(bob, "applied", days_ago=days)

    assert applications_mark_ghosted(after_days=30, batch_size=3) == 10

    from applications.models import ApplicationEvent

    assert ApplicationEvent.objects.filter(to_status="ghosted").count() == 10
    assert UserMetrics.objects.get(user=alice).ghosted == UserMetrics.objects.get(user=bob).ghosted == 5


def test_it_changes_nothing_the_second_time(alice):
    from applications.models import ApplicationEvent

    _application(alice, "applied", days_ago=45)

    assert applications_mark_ghosted(after_days=30) == 1
    assert applications_mark_ghosted(after_days=30) == 0
    assert ApplicationEvent.objects.count() == 1


def test_it_reads_the_number_of_days_from_settings(alice, settings):
    settings.ANALYTICS_GHOST_AFTER_DAYS = 7
    _application(alice, "applied", days_ago=8)

    assert applications_mark_ghosted() == 1


def test_it_refuses_a_window_shorter_than_a_day():
    with pytest.raises(ValueError, match="at least 1"):
        applications_mark_ghosted(after_days=0)


def test_the_owners_board_shows_the_ghosted_card_once_it_commits(alice, alice_client, django_capture_on_commit_callbacks):
    silent = _application(alice, "applied", days_ago=40)
    assert 'data-status="applied"' in _card(alice_client, silent)  # the board is now kept assembled

    with django_capture_on_commit_callbacks(execute=True):
        applications_mark_ghosted(after_days=30)

    assert 'data-status="ghosted"' in _card(alice_client, silent)


def _card(client, application) -> str:
    import re

    body = client.get("/applications/board/").content.decode()
    return re.search(rf'<li class="card" id="card-{application.pk}".*?</li>', body, re.S).group(0)
