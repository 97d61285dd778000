"""Small typed readers for the environment.

Each one fails loudly, naming the variable, when a value is malformed: a typo in
production configuration must stop start-up rather than silently fall back.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(name: str, url: str) -> dict:
    """Turn `postgres://user:pass@host:port/db?opt=val` into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(f"{name} must start with postgres:// (got scheme {parts.scheme!r})")
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise ImproperlyConfigured(f"{name} has no database name: {url!r}")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a malformed port: {url!r}") from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "OPTIONS": dict(parse_qsl(parts.query)),
    }


def redis_url(name: str) -> str:
    url = os.environ.get(name, "")
    if url and urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"{name} must start with redis://, rediss:// or unix:// (got {url!r})")
    return url


EMAIL_SCHEMES = {"console", "smtp", "smtp+tls", "smtps"}


def email_from_url(name: str, url: str) -> dict:
    """`EMAIL_URL` → Django's email settings.

    console://                       print messages (the embedded default)
    smtp://user:pass@host:25         plain SMTP (a local relay)
    smtp+tls://user:pass@host:587    SMTP with STARTTLS
    smtps://user:pass@host:465       SMTP over TLS
    """
    parts = urlsplit(url)
    if parts.scheme not in EMAIL_SCHEMES:
        raise ImproperlyConfigured(f"{name} must start with one of {', '.join(sorted(s + '://' for s in EMAIL_SCHEMES))} (got {url!r})")
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if not parts.hostname:
        raise ImproperlyConfigured(f"{name} has no host: {url!r}")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a malformed port: {url!r}") from None
    default_port = {"smtp": 25, "smtp+tls": 587, "smtps": 465}[parts.scheme]
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or default_port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parts.scheme == "smtps",
    }


def dev_secret_key(var_dir: Path) -> str:
    """A random SECRET_KEY kept in var/ for the embedded default (DEBUG on, nothing set)."""
    path = var_dir / "dev-secret-key"
    try:
        return path.read_text().strip() or _new_dev_key(path)
    except FileNotFoundError:
        return _new_dev_key(path)


def _new_dev_key(path: Path) -> str:
    key = secrets.token_urlsafe(50)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key


def s3_storage_options(prefix: str) -> dict:
    """django-storages' S3 options from `<prefix>_BUCKET`, `_ENDPOINT_URL`, `_REGION`, `_ACCESS_KEY_ID`,
    `_SECRET_ACCESS_KEY`, `_ADDRESSING_STYLE`; the bucket is required, the rest optional.

    Without keys boto3 looks for credentials itself (environment, instance role). Objects are
    private (no ACL, no public URL) and never overwritten: every upload gets a fresh name.
    """
    bucket = os.environ.get(f"{prefix}_BUCKET", "").strip()
    if not bucket:
        raise ImproperlyConfigured(f"{prefix}_BUCKET must name the bucket when the storage is s3")
    endpoint = os.environ.get(f"{prefix}_ENDPOINT_URL", "").strip()
    if endpoint and urlsplit(endpoint).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(f"{prefix}_ENDPOINT_URL must start with https:// or http:// (got {endpoint!r})")
    style = os.environ.get(f"{prefix}_ADDRESSING_STYLE", "").strip() or None
    if style not in {None, "auto", "path", "virtual"}:
        raise ImproperlyConfigured(f"{prefix}_ADDRESSING_STYLE must be auto, path or virtual (got {style!r})")
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint or None,
        "region_name": os.environ.get(f"{prefix}_REGION", "").strip() or None,
        "access_key": os.environ.get(f"{prefix}_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get(f"{prefix}_SECRET_ACCESS_KEY") or None,
        "addressing_style": style,
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
