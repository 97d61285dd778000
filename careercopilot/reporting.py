"""What an error report (the DEBUG page, an error e-mail) may show of the settings and request.

Django's filter hides settings whose *names* look secret (PASS, KEY, TOKEN, ...), but our
connection URLs carry their passwords inside the value: DATABASE_URL, REDIS_URL, the cache's
LOCATION, the broker URL. So:
- those names are hidden too, and any `scheme://user:password@host` in a setting, a request
  header or a frame variable has its password masked, whatever name it sits under;
- and, last, the finished report (HTML or text) has every configured secret (database,
  Redis, broker and mail passwords, SECRET_KEY, METRICS_TOKEN) replaced, however it got in.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

MASK = SafeExceptionReporterFilter.cleansed_substitute
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<password>[^@\s/]+)(?P<tail>@)", re.IGNORECASE)
MIN_SECRET_CHARS = 4  # shorter "secrets" would mask ordinary words all over the page


def mask_url_passwords(text: str) -> str:
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['tail']}", text)


def configured_secrets() -> set[str]:
    """Every secret value the settings hold, as written and as it appears percent-decoded."""
    found = {settings.SECRET_KEY, getattr(settings, "METRICS_TOKEN", ""), getattr(settings, "EMAIL_HOST_PASSWORD", "")}
    for database in settings.DATABASES.values():
        found.add(database.get("PASSWORD") or "")
    urls = [getattr(settings, name, "") or "" for name in ("DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL")]
    urls += [str(cache.get("LOCATION", "")) for cache in settings.CACHES.values()]
    for url in urls:
        try:
            password = urlsplit(url).password
        except ValueError:
            password = None
        if password:
            found |= {password, unquote(password)}
    return {secret for secret in found if secret and len(secret) >= MIN_SECRET_CHARS}


def mask_secrets(text: str) -> str:
    for secret in sorted(configured_secrets(), key=len, reverse=True):
        for form in {secret, html.escape(secret)}:
            text = text.replace(form, MASK)
    return mask_url_passwords(text)


class CredentialsFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|REDIS_URL|BROKER_URL|EMAIL_URL|LOCATION|DSN",
        flags=re.IGNORECASE,
    )

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        return mask_url_passwords(str(cleansed)) if isinstance(cleansed, str) else cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, mask_url_passwords(str(value)) if isinstance(value, str) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


class CredentialsReporter(ExceptionReporter):
    """The DEBUG page and the error e-mail, with every configured secret masked in the result."""

    def get_traceback_html(self):
        return mask_secrets(str(super().get_traceback_html()))

    def get_traceback_text(self):
        return mask_secrets(str(super().get_traceback_text()))
