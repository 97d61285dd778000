"""Celery tasks for accounts: mail goes out from the worker, so a slow relay never holds a page."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.contrib.auth.models import User

from accounts import services


@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(SMTPException, OSError), retry_backoff=10,
    retry_backoff_max=600, retry_jitter=True, max_retries=6, soft_time_limit=60, time_limit=90,
)
def send_password_reset_email(user_id: int, domain: str, protocol: str) -> bool:
    """Mail a reset link to the user; False when the account has gone or cannot take one any more."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None or not user.has_usable_password():
        return False
    services.password_reset_email_send(user=user, domain=domain, protocol=protocol)
    return True
