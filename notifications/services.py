"""Writes for saved searches. Keyword-only and atomic; views and tasks call these."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Profile
from applications.services import application_set_follow_up
from jobs.models import Job
from notifications.models import SavedSearch
from notifications.queries import query_key

MAX_SAVED_SEARCHES = 50


class SavedSearchError(Exception):
    pass


def _current_mark() -> tuple:
    """The newest posting now: a new saved search alerts of what arrives after it, not before."""
    # Open postings only, as the matcher takes: the partial (posted_at, id) index answers at once.
    newest = Job.objects.filter(is_active=True).order_by("-posted_at", "-id").values_list("posted_at", "id").first()
    now = timezone.now()
    if newest is None or newest[0] < now:
        return now, 0
    return newest


@transaction.atomic
def saved_search_create(*, user, name: str, query: dict, sort: str, frequency: str) -> SavedSearch:
    if SavedSearch.objects.of(user).count() >= MAX_SAVED_SEARCHES:
        raise SavedSearchError(f"You can keep at most {MAX_SAVED_SEARCHES} saved searches; delete one first.")
    mark_posted_at, mark_job_id = _current_mark()
    return SavedSearch.objects.create(
        user=user, name=name.strip()[:100] or "My search", query=query, query_key=query_key(query), sort=sort,
        frequency=frequency, mark_posted_at=mark_posted_at, mark_job_id=mark_job_id, seen_at=timezone.now(),
    )


def saved_search_update(*, saved_search: SavedSearch, name: str, frequency: str) -> SavedSearch:
    saved_search.name = name.strip()[:100] or saved_search.name
    saved_search.frequency = frequency
    if frequency == SavedSearch.Frequency.OFF:
        saved_search.pending_count = 0  # no email will tell of them; switched back on, it starts afresh
    saved_search.save(update_fields=["name", "frequency", "pending_count"])
    return saved_search


def saved_search_delete(*, saved_search: SavedSearch) -> None:
    saved_search.delete()


def saved_search_mark_seen(*, saved_search: SavedSearch) -> None:
    """The seeker looked: nothing is new any more (one conditional UPDATE, nothing when already so)."""
    if saved_search.unseen_count:
        SavedSearch.objects.filter(pk=saved_search.pk).update(unseen_count=0, seen_at=timezone.now())


# --- Email preferences and reminders ------------------------------------------------------


def email_unsubscribe(*, user_id: int, kind: str) -> bool:
    """Turn one kind of email off for a seeker (what the signed link names); True if it was on."""
    field = {"alerts": "email_alerts", "reminders": "email_reminders"}[kind]
    changed = Profile.objects.filter(user_id=user_id, **{field: True}).update(**{field: False})
    if not changed and not Profile.objects.filter(user_id=user_id).exists():
        Profile.objects.create(user_id=user_id, **{field: False})
        return True
    return bool(changed)


def follow_up_done(*, application, by) -> None:
    """The follow-up happened: clear it (the timeline records it)."""
    application_set_follow_up(application=application, on=None, by=by)


def follow_up_snooze(*, application, by, today, days: int = 1) -> None:
    """Remind again `days` after the later of the due date and today (the seeker's today)."""
    start = max(application.next_follow_up or today, today)
    application_set_follow_up(application=application, on=start + timedelta(days=days), by=by)
