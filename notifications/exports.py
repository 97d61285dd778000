"""The notifications' part of the seeker's JSON export (careercopilot/views.py assembles the
whole): the saved searches as the seeker made them, and the inbox. Two queries whatever the size."""

from __future__ import annotations

from django.utils import timezone

from notifications.models import Notification, SavedSearch


def _at(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def notifications_data(user) -> dict:
    searches = SavedSearch.objects.of(user).only("name", "query", "sort", "frequency", "unseen_count", "created_at", "seen_at")
    inbox = Notification.objects.filter(user=user).only("kind", "title", "body", "url", "created_at", "read_at")
    return {
        "saved_searches": [
            {"name": s.name, "query": s.query, "sort": s.sort, "emails": s.frequency, "new_matches": s.unseen_count,
             "created_at": _at(s.created_at), "last_looked_at": _at(s.seen_at)}
            for s in searches
        ],
        "notifications": [
            {"kind": n.kind, "title": n.title, "body": n.body, "url": n.url, "created_at": _at(n.created_at),
             "read_at": _at(n.read_at)}
            for n in inbox
        ],
    }
