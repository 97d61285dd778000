"""Analytics' side of `applications.signals.application_changed`: refresh the seeker's figures.

The signal arrives after the change committed, so the task always sees it. A burst of changes
by one seeker is computed once: the first change claims a short window and schedules the task
for just after it closes; later changes in the window ride along (that task starts after they
committed). The claim expires on its own, so no process has to release it.

Each change also notes its moment, first: a snapshot computed before it does not show it yet,
and the dashboard says so and refreshes itself until one does (analytics/views.py).
"""

from __future__ import annotations

import logging

from analytics.cache import claim_refresh_window, note_change
from analytics.tasks import refresh_user_metrics

log = logging.getLogger(__name__)

REFRESH_DEBOUNCE_SECONDS = 5


def refresh_metrics_on_change(sender, *, user_id: int, **kwargs) -> None:
    note_change(user_id)  # before the refresh, so an eager one is stamped after it
    if refresh_user_metrics.app.conf.task_always_eager:
        # Eager tasks ignore countdowns, so a debounce would drop changes instead of merging them.
        refresh_user_metrics.delay(user_id)
        return
    try:
        if claim_refresh_window(user_id, seconds=REFRESH_DEBOUNCE_SECONDS):
            refresh_user_metrics.apply_async((user_id,), countdown=REFRESH_DEBOUNCE_SECONDS + 1)
    except Exception:  # the change is committed: no 500 for it; the beat job catches this user up
        log.warning("could not enqueue a metrics refresh for user %s", user_id, exc_info=True)
