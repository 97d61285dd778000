"""The bell in the header: the seeker's unread count, read only if the page shows it (lazily),
from the cache when warm (notifications.inbox.unread_count): no query on a warm page."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest

from notifications.inbox import unread_count


def bell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)

    @cache
    def unread() -> int:
        return unread_count(user) if user is not None and user.is_authenticated else 0

    return {"bell_unread": unread}
