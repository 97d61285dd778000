"""Writes for analytics. The applications app calls `request_metrics_refresh` after every change."""

from __future__ import annotations

from django.db import transaction


def request_metrics_refresh(*, user_id: int) -> None:
    """Ask for the user's metrics to be recomputed once the surrounding transaction commits.

    Safe to call inside `transaction.atomic`: a rolled-back change enqueues nothing.
    """
    from analytics.tasks import refresh_user_metrics

    transaction.on_commit(lambda: refresh_user_metrics.delay(user_id))
