"""New postings matched against every saved search, set-wise.

One run:
1. the postings after the lowest high-water mark (and settled: posted at least SETTLE ago, so
   a posting whose transaction commits late still lands after the mark) go into a temporary
   table, once;
2. saved searches are grouped by their normalised query. Each distinct text (a few hundred:
   "python developer", "data engineer") runs once in SQL through the jobs app's own
   `filtered_jobs`, restricted to that small table; each distinct set of the other filters
   (remote, level, city, salary, skills: a few thousand) tests the new postings once in memory
   with jobs' `row_filter`, the same rules as `filtered_jobs` (a jobs test keeps them equal);
   a query's matches are the AND of its text's and its filters' bit masks. So a run is a few dozen statements whatever the number of saved searches, never one
   full search per saved search, and matches what /jobs/ shows for each query;
3. each saved search counts the matches after its own mark and keeps the newest MATCHES_KEPT
   postings on itself (no row per match: see models); every search's counts, newest postings
   and mark go in with one COPY and one UPDATE, then one inbox notification per seeker and the
   instant emails to send, all in one transaction.
A posting at or before a search's mark is never matched again, so a re-run, or a run after a
killed one, alerts nothing twice.
"""

from __future__ import annotations

import json
import logging
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Profile
from jobs import cache as jobs_cache
from jobs.models import Job, JobSkill
from jobs.selectors import ROW_FILTER_FIELDS, SearchParams, filtered_jobs, row_filter
from notifications.models import Delivery, Notification, SavedSearch
from notifications.queries import search_params_many

log = logging.getLogger(__name__)

SETTLE = timedelta(seconds=30)
# The newest matches kept on each search (the counts stay exact): what an email lists and the
# saved search's page shows before "Open as a search".
MATCHES_KEPT = 5
# A run takes at most this many new postings and the task queues the next run at once while a
# backlog remains, so a big import never makes one run outlive the tasks' 4-minute limit (README,
# Alerts, has a slice's time at full size). The beat's pace brings ~17 a run.
MAX_NEW_POSTINGS = 1_000
# Distinct queries per statement (UNION ALL): fewer round trips, each branch its own plan.
QUERIES_PER_STATEMENT = 50
NEW_POSTINGS_TABLE = "notifications_new_posting"
SEARCH_UPDATES_TABLE = "notifications_search_update"
# Rows a statement on the embedded default (SQLite's bulk_create / bulk_update / IN lists).
BATCH = 500
LOCK_KEY = 0x616C657274  # "alert": one matcher at a time (PostgreSQL advisory lock)


@dataclass
class MatchRun:
    new_postings: int = 0
    saved_searches: int = 0
    distinct_queries: int = 0
    distinct_texts: int = 0
    matched_searches: int = 0
    matches: int = 0
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


def _load_new_postings(low: tuple[datetime, int], upper: datetime, limit: int) -> dict[int, dict]:
    """The new postings into the temporary table (one statement), and their rows by id: the
    columns jobs' row_filter reads, and each posting's skill ids."""
    qs = (Job.objects.active().filter(_after("", *low), posted_at__lte=upper)
          .order_by("posted_at", "id").values(*ROW_FILTER_FIELDS)[:limit])
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {NEW_POSTINGS_TABLE}")
        # Gone with the transaction on PostgreSQL, whatever happens; dropped at the end anyway.
        on_commit = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
        cursor.execute(f"CREATE TEMPORARY TABLE {NEW_POSTINGS_TABLE}{on_commit} AS {sql}", params)
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE UNIQUE INDEX ON {NEW_POSTINGS_TABLE} (id)")
            cursor.execute(f"ANALYZE {NEW_POSTINGS_TABLE}")
        columns = ", ".join(ROW_FILTER_FIELDS)
        cursor.execute(f"SELECT {columns} FROM {NEW_POSTINGS_TABLE} ORDER BY posted_at, id")
        rows = {row[0]: dict(zip(ROW_FILTER_FIELDS, row), skill_ids=set()) for row in cursor.fetchall()}
    for row in rows.values():
        row["posted_at"] = _as_datetime(row["posted_at"])  # SQLite hands back text
    skills = JobSkill.objects.filter(job_id__in=RawSQL(f"SELECT id FROM {NEW_POSTINGS_TABLE}", [])).values_list("job_id", "skill_id")
    for job_id, skill_id in skills:
        rows[job_id]["skill_ids"].add(skill_id)
    return rows


def _as_datetime(value) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def _drop_new_postings() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {NEW_POSTINGS_TABLE}")


def _text_matches(texts: set[str]) -> dict[str, set[int]]:
    """For each distinct text query, the new postings it matches: jobs' own filtered_jobs in SQL,
    restricted to the temporary table, QUERIES_PER_STATEMENT queries a statement (UNION ALL)."""
    in_new = Q(pk__in=RawSQL(f"SELECT id FROM {NEW_POSTINGS_TABLE}", []))
    branches = [(text, filtered_jobs(SearchParams(q=text)).filter(in_new).values_list("pk", flat=True)) for text in sorted(texts)]
    found: dict[str, set[int]] = {text: set() for text in texts}
    for start in range(0, len(branches), QUERIES_PER_STATEMENT):
        chunk = branches[start : start + QUERIES_PER_STATEMENT]
        parts, params = [], []
        for i, (_text, qs) in enumerate(chunk):
            sql, branch_params = qs.query.sql_with_params()
            parts.append(f"SELECT {i} AS branch, matched.* FROM ({sql}) AS matched")
            params += branch_params
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for branch, job_id in cursor.fetchall():
                found[chunk[branch][0]].add(job_id)
    return found


def _mask(ranks) -> int:
    mask = 0
    for r in ranks:
        mask |= 1 << r
    return mask


def _matches_by_query(queries: dict[str, dict], rows: dict[int, dict], order: list[int]) -> tuple[dict[str, int], int]:
    """(query_key -> the new postings it matches, as a bit mask over their ranks in `order`; the
    number of distinct texts run). Each distinct text runs once in SQL (the search proper), each
    distinct set of the other filters once over the rows in memory (jobs.selectors.row_filter: a
    few thousand sets, no statement each); a query's matches are the AND of the two masks. Masks
    because ten million matches are then a few megabytes, and what a search needs of them (how
    many after its mark, the newest few) is a shift and a bit count."""
    params_by_key = {key: params for key, params in search_params_many(queries).items() if params is not None}
    rank = {job_id: i for i, job_id in enumerate(order)}
    texts = {text: _mask(rank[j] for j in ids) for text, ids in
             _text_matches({params.q for params in params_by_key.values() if params.q}).items()}
    everything = (1 << len(order)) - 1
    row_list = [rows[job_id] for job_id in order]
    unfiltered = SearchParams().filters_key()
    filter_masks: dict[str, int] = {}
    found: dict[str, int] = {}
    for key, params in params_by_key.items():
        filters = replace(params, q="")
        passing = filter_masks.get(filters_key := filters.filters_key())
        if passing is None:
            if filters_key == unfiltered:
                passing = everything
            else:
                test = row_filter(filters)
                passing = _mask(r for r, row in enumerate(row_list) if test(row))
            filter_masks[filters_key] = passing
        found[key] = (texts[params.q] if params.q else everything) & passing
    return found, len(texts)


def _newest(mask: int, n: int) -> list[int]:
    """The n highest set bits of mask (the newest ranks), highest first."""
    newest = []
    while mask and len(newest) < n:
        r = mask.bit_length() - 1
        newest.append(r)
        mask ^= 1 << r
    return newest


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
            last = max(new.values(), key=lambda row: (row["posted_at"], row["id"]))
            high = (last["posted_at"], last["id"])
            run.high = high
            posted = {job_id: row["posted_at"] for job_id, row in new.items()}
            behind = SavedSearch.objects.filter(Q(mark_posted_at__lt=high[0]) | Q(mark_posted_at=high[0], mark_job_id__lt=high[1]))
            searches = list(behind.values_list("id", "user_id", "query_key", "mark_posted_at", "mark_job_id", "frequency",
                                               "latest_job_ids", "name"))
            run.saved_searches = len(searches)
            queries = dict(behind.order_by().values_list("query_key", "query").distinct())
            run.distinct_queries = len(queries)
            with jobs_cache.pinned_reads():  # aliases, rates, skill ids: one cache read each, not one per query
                order = sorted(new, key=lambda job_id: (posted[job_id], job_id))
            found, run.distinct_texts = _matches_by_query(queries, new, order)
            _record(run, searches, found, order, posted, now)
        _drop_new_postings()
    return run


def _record(run: MatchRun, searches: list[tuple], found: dict[str, int], order: list[int],
            posted: dict[int, datetime], now: datetime) -> None:
    keys = [(posted[j], j) for j in order]  # the (posted_at, id) order of the ranks
    updates, per_user, instant_users = [], defaultdict(list), set()
    for search_id, user_id, key, mark_at, mark_id, frequency, latest, name in searches:
        mask = found.get(key, 0)
        # Ranks below the search's mark are at or before it: shifted out, they are not counted.
        n = (mask >> bisect_right(keys, (mark_at, mark_id))).bit_count() if mask else 0
        if not n:
            updates.append((search_id, 0, 0, None))  # the mark moves all the same
            continue
        newest = [order[r] for r in _newest(mask, min(n, MATCHES_KEPT))]
        emails = frequency != SavedSearch.Frequency.OFF
        updates.append((search_id, n, n if emails else 0, (newest + list(latest or []))[:MATCHES_KEPT]))
        per_user[user_id].append((search_id, n, name))
        if frequency == SavedSearch.Frequency.INSTANT:
            instant_users.add(user_id)
    run.matched_searches = sum(1 for u in updates if u[1])
    run.matches = sum(u[1] for u in updates)
    _write_searches(updates, run.high)
    if not per_user:
        return
    _notify(per_user, now)
    run.notified_users = len(per_user)
    if instant_users:
        run.instant_deliveries = _instant_deliveries(instant_users, run.high[1], now)


def _write_searches(updates: list[tuple[int, int, int, list[int] | None]], high: tuple[datetime, int]) -> None:
    """Every search's mark to `high`, and the matched ones' counts and newest postings: on
    PostgreSQL one COPY into a temporary table and one UPDATE (a row version per search, no row
    per match); elsewhere (the embedded default) bulk_update's CASE statements, a few hundred
    searches each. Neither costs a statement per search."""
    if connection.vendor != "postgresql":
        searches = [
            SavedSearch(pk=search_id, mark_posted_at=high[0], mark_job_id=high[1],
                        unseen_count=F("unseen_count") + n, pending_count=F("pending_count") + pending,
                        latest_job_ids=F("latest_job_ids") if latest is None else latest)
            for search_id, n, pending, latest in updates
        ]
        SavedSearch.objects.bulk_update(searches, ["mark_posted_at", "mark_job_id", "unseen_count", "pending_count",
                                                   "latest_job_ids"], batch_size=BATCH)
        return
    table = SavedSearch._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {SEARCH_UPDATES_TABLE} (id bigint, n integer, pending integer, latest jsonb) "
                       "ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY {SEARCH_UPDATES_TABLE} (id, n, pending, latest) FROM STDIN") as copy:
            for search_id, n, pending, latest in updates:
                copy.write_row((search_id, n, pending, json.dumps(latest) if latest is not None else None))
        cursor.execute(
            f"UPDATE {table} AS s SET mark_posted_at = %s, mark_job_id = %s, unseen_count = s.unseen_count + u.n, "
            f"pending_count = s.pending_count + u.pending, latest_job_ids = COALESCE(u.latest, s.latest_job_ids) "
            f"FROM {SEARCH_UPDATES_TABLE} AS u WHERE s.id = u.id", [high[0], high[1]])
        cursor.execute(f"DROP TABLE {SEARCH_UPDATES_TABLE}")


def _title(total: int, search_count: int, name: str) -> str:
    jobs = f"{total} new job{'s' if total != 1 else ''}"
    return (f"{jobs} for “{name}”" if search_count == 1 else f"{jobs} for {search_count} of your saved searches")[:200]


def _url(search_ids: list[int]) -> str:
    return f"/searches/{search_ids[0]}/" if len(search_ids) == 1 else "/searches/"


# The run's notifications in one statement: a seeker without an unread new-matches notification
# gets one; a seeker with one has this run's matches folded into it (count, saved searches, text,
# time). ON CONFLICT reads the row as it is when the statement reaches it, so a notification the
# seeker reads meanwhile is left alone and this run starts a fresh one. The incoming row's title
# is this run's own ("3 new jobs for “Python”"); when the folded searches are still that one, its
# number is replaced by the sum. RETURNING says which rows are new (xmax is 0 for an inserted
# row): only those seekers' unread counts change.
_FOLD_SQL = """
INSERT INTO {table} AS n (user_id, kind, title, body, url, created_at, match_count, search_ids)
SELECT user_id, %s, title, '', url, %s, match_count, search_ids FROM {incoming}
ON CONFLICT (user_id) WHERE kind = 'matches' AND read_at IS NULL DO UPDATE SET
    match_count = n.match_count + EXCLUDED.match_count,
    search_ids = {ids},
    title = CASE WHEN jsonb_array_length({ids}) = 1
                 THEN regexp_replace(EXCLUDED.title, '^[0-9]+ new jobs?', (n.match_count + EXCLUDED.match_count)::text
                      || CASE WHEN n.match_count + EXCLUDED.match_count = 1 THEN ' new job' ELSE ' new jobs' END)
                 ELSE (n.match_count + EXCLUDED.match_count)::text || ' new jobs for '
                      || jsonb_array_length({ids})::text || ' of your saved searches' END,
    url = CASE WHEN jsonb_array_length({ids}) = 1 THEN EXCLUDED.url ELSE '/searches/' END,
    created_at = EXCLUDED.created_at
RETURNING user_id, xmax = 0
"""
# The folded saved searches: the union of the two lists, in order.
_FOLD_IDS = "(SELECT jsonb_agg(DISTINCT v ORDER BY v) FROM jsonb_array_elements(n.search_ids || EXCLUDED.search_ids) AS e(v))"


def _notify(per_user: dict[int, list[tuple[int, int, str]]], now: datetime) -> None:
    """One unread new-matches notification per seeker, this run's matches folded into the one
    already there (see _FOLD_SQL): on PostgreSQL one COPY and one statement (29,000 seekers a
    slice at full size); elsewhere the ORM in batches (_notify_in_batches)."""
    from notifications.inbox import unread_changed

    rows = []
    for user_id, entries in per_user.items():
        total = sum(n for _, n, _ in entries)
        search_ids = sorted({search_id for search_id, _, _ in entries})
        name = entries[0][2] if len(search_ids) == 1 else ""
        rows.append((user_id, _title(total, len(search_ids), name), _url(search_ids), total, search_ids))
    kind = Notification.Kind.MATCHES.value
    if connection.vendor != "postgresql":
        _notify_in_batches(rows, kind, now)
        return
    incoming = "notifications_incoming"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {incoming} (user_id bigint, title text, url text, match_count integer, "
                       "search_ids jsonb) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY {incoming} (user_id, title, url, match_count, search_ids) FROM STDIN") as copy:
            for user_id, title, url, total, search_ids in rows:
                copy.write_row((user_id, title, url, total, json.dumps(search_ids)))
        cursor.execute(_FOLD_SQL.format(table=Notification._meta.db_table, incoming=incoming, ids=_FOLD_IDS), [kind, now])
        new_users = [user_id for user_id, inserted in cursor.fetchall() if inserted]
        cursor.execute(f"DROP TABLE {incoming}")
    unread_changed(new_users)


def _notify_in_batches(rows: list[tuple], kind: str, now: datetime) -> None:
    """_notify on the embedded default: the unread notifications read, the new ones created and
    the folded ones updated a few hundred at a time, as _FOLD_SQL does in one statement."""
    from notifications.inbox import unread_changed

    user_ids = [row[0] for row in rows]
    unread = {}
    for start in range(0, len(user_ids), BATCH):
        unread.update((note.user_id, note) for note in Notification.objects.filter(
            user_id__in=user_ids[start : start + BATCH], kind=kind, read_at__isnull=True))
    new, folded = [], []
    for user_id, title, url, total, search_ids in rows:
        note = unread.get(user_id)
        if note is None:
            new.append(Notification(user_id=user_id, kind=kind, title=title, url=url, created_at=now,
                                    match_count=total, search_ids=search_ids))
            continue
        ids = sorted(set(note.search_ids) | set(search_ids))
        note.match_count += total
        name = title.split("“", 1)[1][:-1] if len(ids) == 1 else ""
        note.title, note.url, note.search_ids, note.created_at = _title(note.match_count, len(ids), name), _url(ids), ids, now
        folded.append(note)
    Notification.objects.bulk_create(new, batch_size=BATCH)
    Notification.objects.bulk_update(folded, ["match_count", "title", "url", "search_ids", "created_at"], batch_size=BATCH)
    unread_changed([note.user_id for note in new])


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
    return sorted(deliveries.values())
