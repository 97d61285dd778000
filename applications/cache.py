"""Applications' cached reads, one key function each: the seeker's upcoming interviews.

The dashboard lists the next interviews on every view; reading them from the cache keeps it at
one query warm (the signed-in user). They go stale by a per-seeker *schedule* generation,
bumped after commit by every write to an interview or an application (a title, an archive, a
deletion): the services, the admin and a shell alike, through the models' save and delete
signals (applications/receivers.py); bulk writes send no signals, so the services doing them
call schedule_changed() themselves. Never by scanning keys. The entry also expires when its
first interview starts (the list moves with the clock) and after UPCOMING_TIMEOUT.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from jobs.cache import GENERATION_KEY, cache_get, cache_get_many, catalogue_generation, count_lookup, seeker_read_ahead

SCHEMA = 1
GENERATION_TIMEOUT = 60 * 60 * 24 * 30
UPCOMING_TIMEOUT = 10 * 60


def schedule_generation_key(user_id: int) -> str:
    return f"applications:gen:schedule:{user_id}"


def upcoming_key(user_id: int, generation: str, limit: int) -> str:
    return f"applications:upcoming:v{SCHEMA}:{generation}:{user_id}:{limit}"


def schedule_generation(user_id: int) -> str:
    key = schedule_generation_key(user_id)
    generation = cache_get(key)
    if generation is None:
        cache.add(key, uuid.uuid4().hex[:12], GENERATION_TIMEOUT)
        generation = cache.get(key, "0")
    return str(generation)


def bump_schedule(user_id: int) -> None:
    cache.set(schedule_generation_key(user_id), uuid.uuid4().hex[:12], GENERATION_TIMEOUT)


def bump_schedules(user_ids) -> None:
    """Many seekers' at once (a batch job that changed their applications), in one round trip."""
    cache.set_many({schedule_generation_key(user_id): uuid.uuid4().hex[:12] for user_id in user_ids}, GENERATION_TIMEOUT)


class ScheduleBump:
    """The after-commit bump of one seeker's schedule, recognisable among the pending callbacks."""

    __slots__ = ("user_id",)

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id

    def __call__(self) -> None:
        bump_schedule(self.user_id)


def schedule_changed(user_id: int) -> None:
    """After the surrounding transaction commits, this seeker's cached schedule is stale."""
    transaction.on_commit(ScheduleBump(user_id))


def lookup(key: str, *, layer: str):
    found = None if settings.CACHE_BYPASS else cache_get(key)
    count_lookup(layer, found is not None)
    return found


# --- The board and the table, assembled -------------------------------------------------------
# What they show changes with the seeker's applications and interviews (the schedule generation,
# bumped after every such write), with the postings' names and salaries (the catalogue's
# generation), with the clock (the "3 days ago" texts, the next interview) and with the time zone.


def pipeline_generation(user_id: int) -> str:
    """The seeker's schedule generation and the catalogue's, read in one round trip."""
    key = schedule_generation_key(user_id)
    stored = {} if settings.CACHE_BYPASS else cache_get_many([key, GENERATION_KEY])
    schedule = stored.get(key) or schedule_generation(user_id)
    catalogue = stored.get(GENERATION_KEY) or catalogue_generation()
    return f"{schedule}.{catalogue}"


def pipeline_reads(user_id: int):
    """Within it, the generations a board, table or application page is kept under and what the
    header reads for the visitor (the bell) come from one round trip (jobs.cache.seeker_read_ahead)."""
    return seeker_read_ahead(user_id, [schedule_generation_key(user_id), GENERATION_KEY])


def board_key(user_id: int, generation: str, zone: str, template: str) -> str:
    return f"applications:board:v{SCHEMA}:{user_id}:{generation}:{zone}:{template}"


def table_key(user_id: int, generation: str, zone: str, template: str, filters: str, page: int) -> str:
    return f"applications:table:v{SCHEMA}:{user_id}:{generation}:{zone}:{template}:{filters}:{page}"


def detail_key(user_id: int, generation: str, pk: int, zone: str, template: str) -> str:
    """The application page's content: the seeker's own (a key holds their id, stored only once
    the application was found theirs), stale with their schedule and the catalogue."""
    return f"applications:detail:v{SCHEMA}:{user_id}:{generation}:{pk}:{zone}:{template}"
