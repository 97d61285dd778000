"""New postings matched against every saved search, set-wise.

One run:
1. the postings after the lowest high-water mark (and settled: posted at least SETTLE ago, so
   a posting whose transaction commits late still lands after the mark) go into a temporary
   table, once;
2. saved searches are grouped by their normalised query, and each distinct query runs once,
   through the jobs app's own `filtered_jobs` (what /jobs/ shows for it), restricted to that
   small table: a few thousand distinct queries, never one full search per saved search;
3. each saved search keeps the matches after its own mark; the matches (at most MATCHES_KEPT
   per search and run; the count is exact), one inbox notification per seeker, the instant
   emails to send and every mark's advance are written in one transaction.
A posting at or before a search's mark is never matched again, so a re-run, or a run after a
killed one, alerts nothing twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Profile
from jobs.models import Job
from jobs.selectors import filtered_jobs
from notifications.models import AlertMatch, Delivery, Notification, SavedSearch
from notifications.queries import search_params

log = logging.getLogger(__name__)

SETTLE = timedelta(seconds=30)
MATCHES_KEPT = 10
# A run takes at most this many new postings; the next run (minutes later) takes the rest.
MAX_NEW_POSTINGS = 20_000
# Distinct queries per statement (UNION ALL): fewer round trips, each branch its own plan.
QUERIES_PER_STATEMENT = 50
NEW_POSTINGS_TABLE = "notifications_new_posting"
LOCK_KEY = 0x616C657274  # "alert": one matcher at a time (PostgreSQL advisory lock)


@dataclass
class MatchRun:
    new_postings: int = 0
    saved_searches: int = 0
    distinct_queries: int = 0
    matched_searches: int = 0
    matches: int = 0
    kept: int = 0
    notified_users: int = 0
    instant_deliveries: list[int] = field(default_factory=list)
    high: tuple[datetime, int] | None = None
    skipped: bool = False


def _after(prefix: str, posted_at: datetime, job_id: int) -> Q:
    """(prefix posted_at, prefix id) > (posted_at, job_id) in the (posted_at, id) order."""
    return Q(**{f"{prefix}posted_at__gt": posted_at}) | Q(**{f"{prefix}posted_at": posted_at, f"{prefix}pk__gt": job_id})


def _lowest_mark() -> tuple[datetime, int] | None:
    lowest = SavedSearch.objects.order_by("mark_posted_at", "mark_job_id").values_list("mark_posted_at", "mark_job_id").first()
    return tuple(lowest) if lowest else None


def _load_new_postings(low: tuple[datetime, int], upper: datetime, limit: int) -> list[tuple[int, datetime]]:
    """The new postings into the temporary table (one statement), and their (id, posted_at)."""
    qs = (Job.objects.active().filter(_after("", *low), posted_at__lte=upper)
          .order_by("posted_at", "id").values("id", "posted_at")[:limit])
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {NEW_POSTINGS_TABLE}")
        # Gone with the transaction on PostgreSQL, whatever happens; dropped at the end anyway.
        on_commit = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
        cursor.execute(f"CREATE TEMPORARY TABLE {NEW_POSTINGS_TABLE}{on_commit} AS {sql}", params)
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE UNIQUE INDEX ON {NEW_POSTINGS_TABLE} (id)")
            cursor.execute(f"ANALYZE {NEW_POSTINGS_TABLE}")
        cursor.execute(f"SELECT id, posted_at FROM {NEW_POSTINGS_TABLE} ORDER BY posted_at, id")
        rows = cursor.fetchall()
    if connection.vendor != "postgresql":  # SQLite hands back text
        rows = [(pk, _as_datetime(posted)) for pk, posted in rows]
    return rows


def _as_datetime(value) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def _drop_new_postings() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {NEW_POSTINGS_TABLE}")


def _matches_by_query(queries: dict[str, dict]) -> dict[str, set[int]]:
    """query_key -> ids of the new postings it matches: each distinct query once, batched."""
    in_new = Q(pk__in=RawSQL(f"SELECT id FROM {NEW_POSTINGS_TABLE}", []))
    branches = []
    for key, query in queries.items():
        params = search_params(query)
        if params is not None:
            branches.append((key, filtered_jobs(params).filter(in_new).values_list("pk", flat=True)))
    found: dict[str, set[int]] = defaultdict(set)
    for start in range(0, len(branches), QUERIES_PER_STATEMENT):
        chunk = branches[start : start + QUERIES_PER_STATEMENT]
        parts, params = [], []
        for i, (_key, qs) in enumerate(chunk):
            sql, branch_params = qs.query.sql_with_params()
            parts.append(f"SELECT {i} AS branch, matched.* FROM ({sql}) AS matched")
            params += branch_params
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for branch, job_id in cursor.fetchall():
                found[chunk[branch][0]].add(job_id)
    return found


def alerts_match(*, now: datetime | None = None, max_new: int = MAX_NEW_POSTINGS) -> MatchRun:
    """Match the postings that arrived since the last run against every saved search (see the module)."""
    now = now or timezone.now()
    run = MatchRun()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
                if not cursor.fetchone()[0]:
                    run.skipped = True  # another run is at it; its marks will cover these postings
                    return run
        low = _lowest_mark()
        if low is None:
            return run
        new = _load_new_postings(low, now - SETTLE, max_new)
        run.new_postings = len(new)
        if new:
            high = (new[-1][1], new[-1][0])
            run.high = high
            posted = dict(new)
            behind = SavedSearch.objects.filter(Q(mark_posted_at__lt=high[0]) | Q(mark_posted_at=high[0], mark_job_id__lt=high[1]))
            searches = list(behind.values_list("id", "user_id", "query_key", "mark_posted_at", "mark_job_id", "frequency"))
            run.saved_searches = len(searches)
            queries = dict(behind.order_by().values_list("query_key", "query").distinct())
            run.distinct_queries = len(queries)
            found = _matches_by_query(queries)
            _record(run, searches, found, posted, now)
            behind.update(mark_posted_at=high[0], mark_job_id=high[1])
        _drop_new_postings()
    return run


def _record(run: MatchRun, searches: list[tuple], found: dict[str, set[int]], posted: dict[int, datetime], now: datetime) -> None:
    matches, counts, per_user = [], {}, defaultdict(list)
    instant_users = set()
    for search_id, user_id, key, mark_at, mark_id, frequency in searches:
        ids = found.get(key)
        if not ids:
            continue
        new = sorted(((posted[j], j) for j in ids if (posted[j], j) > (mark_at, mark_id)), reverse=True)
        if not new:
            continue
        counts[search_id] = len(new)
        per_user[user_id].append((search_id, len(new)))
        if frequency == SavedSearch.Frequency.INSTANT:
            instant_users.add(user_id)
        matches += [AlertMatch(saved_search_id=search_id, user_id=user_id, job_id=j, posted_at=at, matched_at=now)
                    for at, j in new[:MATCHES_KEPT]]
    run.matched_searches, run.matches, run.kept = len(counts), sum(counts.values()), len(matches)
    if not counts:
        return
    AlertMatch.objects.bulk_create(matches, batch_size=2000, ignore_conflicts=True)
    _add_unseen(counts)
    _notify(per_user, now)
    run.notified_users = len(per_user)
    if instant_users:
        run.instant_deliveries = _instant_deliveries(instant_users, run.high[1], now)


def _add_unseen(counts: dict[int, int]) -> None:
    """unseen_count += n for each search, grouped by n: a handful of UPDATEs, not one per search."""
    by_count: dict[int, list[int]] = defaultdict(list)
    for search_id, n in counts.items():
        by_count[n].append(search_id)
    for n, ids in by_count.items():
        for start in range(0, len(ids), 10_000):
            SavedSearch.objects.filter(pk__in=ids[start : start + 10_000]).update(unseen_count=F("unseen_count") + n)


def _notify(per_user: dict[int, list[tuple[int, int]]], now: datetime) -> None:
    from notifications.inbox import unread_changed

    names = dict(SavedSearch.objects.filter(
        pk__in=[entries[0][0] for entries in per_user.values() if len(entries) == 1]).values_list("pk", "name"))
    rows = []
    for user_id, entries in per_user.items():
        total = sum(n for _, n in entries)
        jobs = f"{total} new job{'s' if total != 1 else ''}"
        if len(entries) == 1:
            search_id = entries[0][0]
            rows.append(Notification(user_id=user_id, kind=Notification.Kind.MATCHES, created_at=now,
                                     title=f"{jobs} for “{names.get(search_id, 'your saved search')}”",
                                     url=f"/searches/{search_id}/"))
        else:
            rows.append(Notification(user_id=user_id, kind=Notification.Kind.MATCHES, created_at=now,
                                     title=f"{jobs} for {len(entries)} of your saved searches", url="/searches/"))
    Notification.objects.bulk_create(rows, batch_size=2000)
    unread_changed(per_user.keys())


def _instant_deliveries(user_ids: set[int], run_id: int, now: datetime) -> list[int]:
    """An email per seeker with instant searches that matched (and alert emails on), keyed by the run."""
    wanting = set(Profile.objects.filter(user_id__in=user_ids, email_alerts=True).values_list("user_id", flat=True))
    if not wanting:
        return []
    day = now.date()
    Delivery.objects.bulk_create([Delivery(user_id=u, kind=Delivery.Kind.INSTANT, day=day, run=run_id, created_at=now)
                                  for u in wanting], ignore_conflicts=True, batch_size=2000)
    deliveries = dict(Delivery.objects.filter(kind=Delivery.Kind.INSTANT, day=day, run=run_id, user_id__in=wanting,
                                              status=Delivery.Status.PENDING).values_list("user_id", "pk"))
    undelivered = AlertMatch.objects.filter(delivery__isnull=True, user_id__in=list(deliveries),
                                            saved_search__frequency=SavedSearch.Frequency.INSTANT)
    undelivered.update(delivery_id=Subquery(Delivery.objects.filter(
        kind=Delivery.Kind.INSTANT, day=day, run=run_id, user_id=OuterRef("user_id")).values("pk")[:1]))
    return sorted(deliveries.values())
