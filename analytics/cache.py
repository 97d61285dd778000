"""Analytics' cache keys and generations: one key function per data set, one place.

Both the reads (selectors) and the writes (services, snapshots, receivers) use this module, so
neither has to import the other. A data set goes stale by a generation bump (a fresh token in
its key), never by scanning Redis for keys.
"""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.core.cache import cache

from jobs.cache import cache_get, cache_get_many, count_lookup

SCHEMA = 2  # part of every key: a deploy that changes a snapshot's shape starts from fresh keys
GENERATION_TIMEOUT = 60 * 60 * 24 * 30
# How long a seeker's last change is remembered: far longer than a refresh takes, so the
# dashboard can tell a snapshot that predates it; after that the beat has caught up anyway.
CHANGED_AT_TIMEOUT = 60 * 60
FIGURES_TIMEOUT = 60 * 60


# --- Key functions --------------------------------------------------------------------------

def all_user_metrics_generation_key() -> str:
    return "analytics:gen:user-metrics"


def user_metrics_generation_key(user_id: int) -> str:
    return f"analytics:gen:user-metrics:{user_id}"


def user_metrics_key(user_id: int, generation: str) -> str:
    return f"analytics:user-metrics:v{SCHEMA}:{generation}:{user_id}"


def figures_key(user_id: int, generation: str, zone: str, template: str) -> str:
    # Under the snapshot's generation, so the dashboard can read it in the same round trip as the
    # snapshot; the value names the snapshot's content it was rendered from, and is used only for
    # that content (analytics.selectors.kept_figures): the markup never shows other figures than
    # the ones read.
    return f"analytics:figures:v{SCHEMA}:{user_id}:{generation}:{zone}:{template}"


def changed_at_key(user_id: int) -> str:
    return f"analytics:changed-at:{user_id}"


def refresh_window_key(user_id: int) -> str:
    return f"analytics:refresh-window:{user_id}"


def platform_generation_key() -> str:
    return "analytics:gen:platform"


def platform_key(generation: str) -> str:
    return f"analytics:platform:v{SCHEMA}:{generation}"


def trending_postings_key(catalogue_generation: int, ranking_generation: str, limit: int) -> str:
    # Bound to both: a catalogue change (a posting closes) and a new ranking.
    return f"analytics:trending-postings:v{SCHEMA}:{catalogue_generation}:{ranking_generation}:{limit}"


def recommendations_key(user_id: int, fingerprint: str) -> str:
    return f"analytics:recommendations:v{SCHEMA}:{user_id}:{fingerprint}"


def lookup(key: str, *, layer: str):
    """The cached value or None, counted as a hit or miss of `layer` (cache_layer_requests_total)."""
    found = None if settings.CACHE_BYPASS else cache_get(key)
    count_lookup(layer, found is not None)
    return found


# --- Generations ----------------------------------------------------------------------------

def _token() -> str:
    return uuid.uuid4().hex[:12]


def _generations(*keys: str) -> str:
    """The current tokens of these generation keys, joined; a missing one is started (first writer wins)."""
    found = cache_get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, _token(), GENERATION_TIMEOUT)
        found.update(cache.get_many(missing))
    return ".".join(str(found.get(key, "0")) for key in keys)


def user_metrics_generation(user_id: int) -> str:
    """Changes when this seeker's snapshot, or everyone's, is recomputed."""
    return _generations(all_user_metrics_generation_key(), user_metrics_generation_key(user_id))


def platform_generation() -> str:
    """Changes whenever trending or the platform figures are recomputed."""
    return _generations(platform_generation_key())


def bump_user_metrics(user_ids) -> None:
    cache.set_many({user_metrics_generation_key(user_id): _token() for user_id in user_ids}, GENERATION_TIMEOUT)


def bump_all_user_metrics() -> None:
    cache.set(all_user_metrics_generation_key(), _token(), GENERATION_TIMEOUT)


def bump_platform() -> None:
    cache.set(platform_generation_key(), _token(), GENERATION_TIMEOUT)


def claim_refresh_window(user_id: int, *, seconds: int) -> bool:
    """True for the first change of a burst: it schedules the refresh; the rest ride along."""
    return cache.add(refresh_window_key(user_id), 1, seconds)


def note_change(user_id: int) -> None:
    """Remember when this seeker last changed something (after commit), for `last_change`."""
    cache.set(changed_at_key(user_id), time.time(), CHANGED_AT_TIMEOUT)


def last_change(user_id: int) -> float | None:
    """The moment (epoch seconds) of the seeker's last committed change, if within the hour."""
    return cache_get(changed_at_key(user_id))
