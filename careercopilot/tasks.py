"""The project's own periodic work: pruning old silk records (when silk is on)."""

from __future__ import annotations

import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone


@shared_task(ignore_result=True, soft_time_limit=3 * 60, time_limit=4 * 60)
def prune_silk_records(keep_days: int | None = None) -> int:
    """Delete silk's requests older than SILK_KEEP_DAYS (their queries and profiles go with
    them, by cascade); silk off, nothing to do. Returns the number of requests deleted. Past
    two minutes it hands the rest to a new run, so no task outlives the broker's visibility
    timeout (settings CELERY_VISIBILITY_TIMEOUT)."""
    if not settings.SILK_ENABLED:
        return 0
    from silk.models import Request

    cutoff = timezone.now() - timedelta(days=settings.SILK_KEEP_DAYS if keep_days is None else keep_days)
    deadline = time.monotonic() + 120
    deleted = 0
    while True:  # in batches: one huge DELETE would hold locks on silk's tables for long
        ids = list(Request.objects.filter(start_time__lt=cutoff).values_list("id", flat=True)[:1000])
        if not ids:
            return deleted
        Request.objects.filter(id__in=ids).delete()
        deleted += len(ids)
        if time.monotonic() >= deadline:
            prune_silk_records.delay(keep_days=keep_days)
            return deleted


@shared_task(ignore_result=True, soft_time_limit=180, time_limit=240)
def warm_catalogue_caches() -> dict[str, str]:
    """Rebuild the pages people hit first after the catalogue changed (careercopilot/cache_warming.py).
    Idempotent: a page already stored under the current generation is a hit and is left alone."""
    from django.core.cache import cache

    from careercopilot import cache_warming

    # From here on a new bump schedules the next warming: the pages built below may predate it.
    cache.delete(cache_warming.SCHEDULED_KEY)
    if not settings.CACHE_WARMING:
        return {}
    return cache_warming.warm()
