"""Celery tasks of the catalogue: the search vocabulary rebuilt from the open postings.

The vocabulary (jobs.vocabulary: typing suggestions and 'Did you mean') is filled by migration
0011 and by seed_demo; postings imported or edited afterwards reach it through this daily task.
It is idempotent (the rebuild replaces the table in one transaction), so a redelivery is harmless.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from jobs.vocabulary import refresh_search_terms

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


# 16 s at 1,000,000 postings (three grouped reads); well under the broker's visibility timeout.
@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT, retry_backoff=30,
             retry_backoff_max=600, retry_jitter=True, max_retries=5, soft_time_limit=3 * 60, time_limit=4 * 60)
def refresh_vocabulary() -> int:
    """Beat, daily: the search vocabulary replaced by the open postings' titles, companies and skills."""
    return refresh_search_terms()
