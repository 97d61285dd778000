"""Log-in lockout (django-axes): the pieces that are ours.

django-axes counts failed log-ins in the database (AccessAttempt rows, updated under
SELECT ... FOR UPDATE), so every gunicorn worker and every machine sees one count, and a
database it cannot read means no log-in at all: it fails closed. A lock is per username and,
separately, per client address (settings: AXES_*), and it lifts after the cool-off or
when the user sets a new password (password reset or change).
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.utils import reset as reset_attempts
from django.conf import settings
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Refuses every log-in of a locked-out username or address (AUTHENTICATION_BACKENDS[0]).

    Every web log-in (the site, the admin, the API token) passes the request. A call
    without one is server-side code (the test client, a shell) that has no address to lock
    and no one guessing, so it is let through to the next backend instead of raising.
    """

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class UnlockOnNewPassword:
    """Listed in AUTH_PASSWORD_VALIDATORS only for Django's documented `password_changed` hook:
    a user who sets a new password (reset by e-mail, or changed) is let back in at once."""

    def validate(self, password, user=None) -> None:
        return None

    def password_changed(self, password, user=None) -> None:
        if user is not None and user.get_username():
            reset_attempts(username=user.get_username())

    def get_help_text(self) -> str:
        return ""


def cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def locked_out(request: HttpRequest, original_response=None, credentials: dict | None = None):
    """AXES_LOCKOUT_CALLABLE: the page a locked-out visitor sees (429), for the site and the admin."""
    from axes.helpers import get_client_username, get_failure_limit
    from django.shortcuts import render

    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "cooloff_minutes": cool_off_minutes(),
    }
    return render(request, "registration/locked_out.html", context, status=429)
