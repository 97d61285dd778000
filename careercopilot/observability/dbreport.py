"""What the database and Redis are doing, for `manage.py db_report`: the top statements from
pg_stat_statements, EXPLAIN (ANALYZE, BUFFERS) of the named hot queries, indexes never used,
big tables read by sequential scans, foreign keys without an index, the buffer cache hit ratio,
and Redis's hit ratio, evictions and memory. PostgreSQL only."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

FIX = ("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'; -- then restart PostgreSQL "
       "and run CREATE EXTENSION pg_stat_statements; in this database")
# Captured statements on these tables are the session and log-in plumbing of every page, not the page's own.
PLUMBING = ('"django_session"', '"auth_user"', '"axes_', '"accounts_profile"')


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _table(header: list[str], rows: list) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(str(cell).replace("|", "\\|").replace("\n", " ") for cell in row) + " |")
    return lines if rows else ["(none)"]


# --- pg_stat_statements ---------------------------------------------------------------------

def statements_status() -> tuple[bool, str]:
    """(usable, message): loaded at server start and created in this database."""
    (preload,) = _rows("SHOW shared_preload_libraries")[0]
    if "pg_stat_statements" not in preload:
        return False, f"pg_stat_statements is not loaded by this server (shared_preload_libraries = '{preload}'). Fix: {FIX}"
    if not _rows("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"):
        return False, ("pg_stat_statements is loaded but not created in this database. "
                       "Fix: CREATE EXTENSION pg_stat_statements;")
    return True, ""


def top_statements(order: str, limit: int = 15) -> list[tuple]:
    column = {"total": "total_exec_time", "mean": "mean_exec_time"}[order]
    return _rows(
        f"""SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 2), rows,
                   round(100.0 * shared_blks_hit / nullif(shared_blks_hit + shared_blks_read, 0), 1),
                   left(regexp_replace(query, '\\s+', ' ', 'g'), 300)
              FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
             ORDER BY {column} DESC LIMIT %s""",
        [limit],
    )


# --- EXPLAIN of the hot queries -------------------------------------------------------------

def pick_term(share: float) -> str:
    """The word whose share of postings, in a 1 % block sample, is closest to `share`."""
    (sampled,) = _rows("SELECT count(*) FROM jobs_job TABLESAMPLE SYSTEM (1) REPEATABLE (42)")[0]
    words = _rows(
        "SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM jobs_job TABLESAMPLE SYSTEM (1) REPEATABLE (42)') "
        "WHERE length(word) >= 3 AND word ~ '^[a-z]+$'"
    )
    if not words or not sampled:
        return "engineer"
    return min(words, key=lambda row: (abs(row[1] / sampled - share), row[0]))[0]


def explain(run: Callable[[], object]) -> list[tuple[str, str]]:
    """(statement, plan) for each SELECT `run` sends, but the session and log-in plumbing."""
    with CaptureQueriesContext(connection) as queries:
        run()
    plans = []
    settings_sql = None  # a transaction-local SET in force for the statements after it
    for captured in queries.captured_queries:
        sql = captured["sql"].strip()
        verb = sql.split(None, 1)[0].upper() if sql else ""
        if verb in ("COMMIT", "RELEASE", "ROLLBACK"):
            settings_sql = None
        if "set_config(" in sql:
            settings_sql = sql
        if verb != "SELECT" or "set_config(" in sql or any(table in sql for table in PLUMBING):
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            if settings_sql:
                cursor.execute(settings_sql)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
    return plans


def hot_queries(seeker) -> list[tuple[str, Callable[[], object]]]:
    """The named hot paths, run as the pages run them (in-process, caches bypassed)."""
    from django.test import Client, override_settings

    from jobs.selectors import Cursor, SearchParams, Sort, search_jobs
    from jobs.models import Job

    anonymous = Client()
    logged_in = Client()
    if seeker is not None:
        logged_in.force_login(seeker)

    def page(client, path):
        def run():
            with override_settings(CACHE_BYPASS=True):
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        return run

    terms = {label: pick_term(share) for label, share in (("rare", 0.0), ("common", 0.10), ("very common", 0.40))}
    # Page 251 at 20 a page (5,000 rows in), or half-way on a small catalogue.
    offset = min(5_000, Job.objects.active()[:10_000].count() // 2)
    deep = Job.objects.active().order_by("-posted_at", "-id").values("posted_at", "pk")[offset - 1:offset].first() if offset else None
    deep_page = offset // 20 + 1
    queries = [(f"search, {label} term '{word}', relevance", page(anonymous, f"/jobs/?q={word}")) for label, word in terms.items()]
    if deep:
        cursor = Cursor(after=True, posted_at=deep["posted_at"], pk=deep["pk"])
        queries.append((f"newest first, page {deep_page} by cursor",
                        lambda: search_jobs(SearchParams(sort=Sort.NEWEST, page=deep_page, cursor=cursor))))
    if seeker is not None:
        queries += [
            ("pipeline table", page(logged_in, "/applications/")),
            ("board", page(logged_in, "/applications/board/")),
            ("dashboard", page(logged_in, "/dashboard/")),
            ("recommendations", page(logged_in, "/recommendations/")),
        ]
    return queries


# --- Index and table health -----------------------------------------------------------------

def unused_indexes() -> list[tuple]:
    return _rows(
        """SELECT s.relname, s.indexrelname, pg_size_pretty(pg_relation_size(s.indexrelid)), s.idx_scan
             FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
            WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
            ORDER BY pg_relation_size(s.indexrelid) DESC"""
    )


def seq_scanned_tables(min_rows: int = 10_000) -> list[tuple]:
    return _rows(
        """SELECT relname, n_live_tup, seq_scan, seq_tup_read, coalesce(idx_scan, 0),
                  round(seq_tup_read::numeric / nullif(seq_scan, 0))
             FROM pg_stat_user_tables
            WHERE seq_scan > 0 AND n_live_tup >= %s
            ORDER BY seq_tup_read DESC LIMIT 20""",
        [min_rows],
    )


def unindexed_foreign_keys() -> list[tuple]:
    # A foreign key is covered when some index starts with exactly its columns.
    return _rows(
        """SELECT c.conrelid::regclass::text, c.conname,
                  (SELECT string_agg(a.attname, ', ') FROM unnest(c.conkey) k
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k),
                  c.confrelid::regclass::text
             FROM pg_constraint c
            WHERE c.contype = 'f'
              AND c.connamespace = 'public'::regnamespace
              AND NOT EXISTS (
                  SELECT 1 FROM pg_index i
                   WHERE i.indrelid = c.conrelid
                     AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey
                     AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] <@ c.conkey)
            ORDER BY 1, 2"""
    )


def buffer_cache_hit_ratio() -> float | None:
    (hit, read) = _rows("SELECT blks_hit, blks_read FROM pg_stat_database WHERE datname = current_database()")[0]
    return round(hit / (hit + read), 4) if hit + read else None


def redis_info() -> dict | None:
    from django.conf import settings

    if not settings.REDIS_URL:
        return None
    from django_redis import get_redis_connection

    info = get_redis_connection("default").info()
    hits, misses = info.get("keyspace_hits", 0), info.get("keyspace_misses", 0)
    return {
        "hit_ratio": round(hits / (hits + misses), 4) if hits + misses else None,
        "keyspace_hits": hits, "keyspace_misses": misses, "evicted_keys": info.get("evicted_keys", 0),
        "used_memory": info.get("used_memory_human"), "maxmemory": info.get("maxmemory_human") or info.get("maxmemory"),
        "maxmemory_policy": info.get("maxmemory_policy"),
    }


# --- The report -----------------------------------------------------------------------------

def build_report(*, seeker=None, explain_hot: bool = True) -> str:
    now = datetime.now(UTC)
    load = os.getloadavg()
    (size,) = _rows("SELECT pg_size_pretty(pg_database_size(current_database()))")[0]
    lines = [f"# Database report, {now:%Y-%m-%d %H:%M} UTC", "",
             f"Database `{connection.settings_dict['NAME']}` ({size}); load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
             f"on {os.cpu_count()} cores.", ""]
    usable, message = statements_status()
    lines += ["## Top statements (pg_stat_statements)", ""]
    if usable:
        header = ["calls", "total ms", "mean ms", "rows", "cache hit %", "statement"]
        lines += ["### By total time", "", *_table(header, top_statements("total")), "",
                  "### By mean time", "", *_table(header, top_statements("mean")), ""]
    else:
        lines += [f"**{message}**", ""]
    if explain_hot:
        lines += ["## EXPLAIN (ANALYZE, BUFFERS) of the hot queries", "",
                  "Each named path run as its page runs it (caches bypassed); session and log-in statements left out.", ""]
        for name, run in hot_queries(seeker):
            lines += [f"### {name}", ""]
            for sql, plan in explain(run):
                lines += ["```sql", sql[:2000], "```", "```", plan, "```", ""]
    ratio = buffer_cache_hit_ratio()
    lines += ["## Indexes never used (since statistics were reset)", "",
              *_table(["table", "index", "size", "scans"], unused_indexes()), "",
              "## Big tables read by sequential scans", "",
              *_table(["table", "live rows", "seq scans", "rows read by seq scans", "index scans", "rows per seq scan"],
                      seq_scanned_tables()), "",
              "## Foreign keys without an index", "",
              *_table(["table", "constraint", "columns", "references"], unindexed_foreign_keys()), "",
              "## Buffer cache", "",
              f"Hit ratio of this database: {'n/a' if ratio is None else f'{ratio:.2%}'}.", ""]
    redis = redis_info()
    lines += ["## Redis (INFO, the whole server)", ""]
    if redis is None:
        lines += ["No REDIS_URL: the cache is local memory.", ""]
    else:
        hit = "n/a" if redis["hit_ratio"] is None else f"{redis['hit_ratio']:.2%}"
        lines += [f"Hit ratio {hit} ({redis['keyspace_hits']:,} hits, {redis['keyspace_misses']:,} misses); "
                  f"{redis['evicted_keys']:,} keys evicted; memory {redis['used_memory']} of {redis['maxmemory'] or 'no limit'} "
                  f"({redis['maxmemory_policy']}).", ""]
    return "\n".join(lines)
