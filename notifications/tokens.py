"""Signed links in emails: they act without a log-in, for one action on one thing, and a changed
character makes them worthless (django.core.signing: HMAC over SECRET_KEY with a salt per use)."""

from __future__ import annotations

from datetime import date

from django.core import signing

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
REMINDER_SALT = "notifications.reminder-action"
# A reminder's link acts for two weeks; an unsubscribe link in an old email keeps working.
REMINDER_MAX_AGE = 14 * 24 * 60 * 60
EMAIL_KINDS = ("alerts", "reminders")
REMINDER_ACTIONS = ("done", "snooze")


class BadLink(Exception):
    pass


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, kind = int(data["u"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadLink from None
    if kind not in EMAIL_KINDS:
        raise BadLink
    return user_id, kind


def reminder_token(*, application_id: int, user_id: int, due: date, action: str) -> str:
    return signing.dumps({"a": application_id, "u": user_id, "d": due.isoformat(), "do": action}, salt=REMINDER_SALT, compress=True)


def read_reminder_token(token: str) -> tuple[int, int, date, str]:
    try:
        data = signing.loads(token, salt=REMINDER_SALT, max_age=REMINDER_MAX_AGE)
        found = int(data["a"]), int(data["u"]), date.fromisoformat(data["d"]), str(data["do"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadLink from None
    if found[3] not in REMINDER_ACTIONS:
        raise BadLink
    return found
