"""PostgreSQL statements for set-based recomputation: one statement per batch of users.

Each definition mirrors `analytics/compute.py`, which is the reference (and the SQLite path);
tests run the same fixtures through whichever path the database uses, and compare the two.
"""

from __future__ import annotations

from analytics import compute


def _quoted(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


PAST_APPLIED = _quoted(compute.PAST_APPLIED)
PAST_INTERVIEWING = _quoted(compute.PAST_INTERVIEWING)
PAST_OFFER = _quoted(compute.PAST_OFFER)
CLOSED = _quoted(compute.CLOSED)


def _days(start: str, end: str) -> str:
    return f"(extract(epoch FROM ({end}) - ({start})) / 86400)::float8"


def _weekly_columns() -> tuple[str, str]:
    """The 26 (applied, responded) weekly counters, and the JSON array built from them."""
    counters, items = [], []
    for week in range(compute.WEEKS):
        counters.append(f"count(*) FILTER (WHERE wk = {week}) AS w{week}")
        counters.append(f"count(*) FILTER (WHERE wk = {week} AND responded) AS r{week}")
        items.append(
            f"json_build_object('week', to_char(b.first_week + {7 * week}, 'YYYY-MM-DD'), "
            f"'applied', COALESCE(g.w{week}, 0), 'responded', COALESCE(g.r{week}, 0))"
        )
    return ",\n        ".join(counters), "json_build_array(" + ",\n        ".join(items) + ")"


_WEEK_COUNTERS, _WEEKS_JSON = _weekly_columns()

STATUS_COLUMNS = compute.STATUSES

UPSERT_COLUMNS = [
    "total", *STATUS_COLUMNS, "archived", "reached_applied", "reached_interviewing", "reached_offer", "reached_accepted",
    "responded", "response_rate", "interview_rate", "offer_rate", "median_days_to_response", "stage_days",
    "weekly_applications", "top_companies", "top_skills", "follow_ups_due", "follow_ups", "computed_at",
]


def _rate(part: str, whole: str) -> str:
    return f"CASE WHEN COALESCE(g.{whole}, 0) > 0 THEN g.{part}::float8 / g.{whole} END"


# Parameters: ids (bigint[]), zones (text[]), todays (date[]), first_weeks (date[]), now (timestamptz).
# The arrays run in step: each seeker's own time zone, their local date and the Monday their
# 26-week chart starts on, so weeks and due follow-ups follow the seeker's calendar.
USER_METRICS_UPSERT = f"""
WITH batch AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(zones)s::text[], %(todays)s::date[], %(first_weeks)s::date[])
        AS b(user_id, zone, today, first_week)
),
apps AS (
    SELECT a.id, a.user_id, a.job_id, a.status, a.title AS own_title, a.created_at, a.applied_at,
           a.interview_at, a.offer_at, a.closed_at, a.next_follow_up, a.archived_at IS NOT NULL AS archived,
           -- The posting company only where none was typed (the services copy it, imports may
           -- not): COALESCE stops at a typed name, so these lookups run for those rows alone.
           COALESCE(NULLIF(a.company_name, ''),
                    (SELECT c.name FROM jobs_company c
                     WHERE c.id = (SELECT j.company_id FROM jobs_job j WHERE j.id = a.job_id)),
                    '') AS company,
           (a.status IN ({PAST_APPLIED}) OR a.applied_at IS NOT NULL) AS r_applied,
           (a.status IN ({PAST_INTERVIEWING}) OR a.interview_at IS NOT NULL OR a.offer_at IS NOT NULL) AS r_interviewing,
           (a.status IN ({PAST_OFFER}) OR a.offer_at IS NOT NULL) AS r_offer,
           LEAST(a.interview_at, a.offer_at, CASE WHEN a.status = 'rejected' THEN a.closed_at END) AS responded_at,
           CASE WHEN (a.applied_at AT TIME ZONE b.zone)::date >= b.first_week
                THEN ((a.applied_at AT TIME ZONE b.zone)::date - b.first_week) / 7 END AS wk,
           b.today AS local_today
    FROM applications_application a
    JOIN batch b ON b.user_id = a.user_id
    WHERE a.user_id = ANY(%(ids)s::bigint[])
),
flagged AS (
    SELECT apps.*,
           r_applied AND (r_interviewing OR status = 'rejected') AS responded
    FROM apps
),
agg AS (
    SELECT user_id,
        count(*) AS total,
        {", ".join(f"count(*) FILTER (WHERE status = '{s}' AND NOT archived) AS {s}" for s in STATUS_COLUMNS)},
        count(*) FILTER (WHERE archived) AS archived,
        count(*) FILTER (WHERE r_applied) AS reached_applied,
        count(*) FILTER (WHERE r_interviewing) AS reached_interviewing,
        count(*) FILTER (WHERE r_offer) AS reached_offer,
        count(*) FILTER (WHERE status = 'accepted') AS reached_accepted,
        count(*) FILTER (WHERE responded) AS responded,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY {_days("applied_at", "responded_at")})
            FILTER (WHERE responded AND responded_at >= applied_at) AS median_days,
        avg({_days("created_at", "applied_at")}) FILTER (WHERE applied_at >= created_at) AS saved_days,
        avg({_days("applied_at", "LEAST(interview_at, offer_at, closed_at)")})
            FILTER (WHERE LEAST(interview_at, offer_at, closed_at) >= applied_at) AS applied_days,
        avg({_days("interview_at", "LEAST(offer_at, closed_at)")})
            FILTER (WHERE LEAST(offer_at, closed_at) >= interview_at) AS interviewing_days,
        avg({_days("offer_at", "closed_at")}) FILTER (WHERE closed_at >= offer_at) AS offer_days,
        count(*) FILTER (WHERE next_follow_up <= local_today AND status NOT IN ({CLOSED}) AND NOT archived) AS follow_ups_due,
        {_WEEK_COUNTERS}
    FROM flagged
    GROUP BY user_id
),
companies AS (
    SELECT user_id, json_agg(json_build_object('name', company, 'count', n) ORDER BY n DESC, company COLLATE "C") AS top
    FROM (
        SELECT user_id, company, count(*) AS n,
               row_number() OVER (PARTITION BY user_id ORDER BY count(*) DESC, company COLLATE "C") AS rn
        FROM apps WHERE r_applied AND company <> ''
        GROUP BY user_id, company
    ) ranked
    WHERE rn <= {compute.TOP_N}
    GROUP BY user_id
),
skills AS (
    SELECT user_id, json_agg(json_build_object('name', name, 'count', n) ORDER BY n DESC, name COLLATE "C") AS top
    FROM (
        SELECT counted.user_id, s.name, counted.n,
               row_number() OVER (PARTITION BY counted.user_id ORDER BY counted.n DESC, s.name COLLATE "C") AS rn
        FROM (
            SELECT apps.user_id, js.skill_id, count(*) AS n
            FROM apps JOIN jobs_jobskill js ON js.job_id = apps.job_id
            WHERE apps.r_applied
            GROUP BY apps.user_id, js.skill_id
        ) counted
        JOIN jobs_skill s ON s.id = counted.skill_id
    ) ranked
    WHERE rn <= {compute.TOP_N}
    GROUP BY user_id
),
follow AS (
    SELECT user_id,
           json_agg(json_build_object('id', id, 'date', to_char(next_follow_up, 'YYYY-MM-DD'),
                                      'title', title, 'company', company) ORDER BY next_follow_up, id) AS items
    FROM (
        SELECT user_id, id, next_follow_up, company,
               COALESCE(NULLIF(own_title, ''), (SELECT j.title FROM jobs_job j WHERE j.id = apps.job_id), '') AS title,
               row_number() OVER (PARTITION BY user_id ORDER BY next_follow_up, id) AS rn
        FROM apps
        WHERE next_follow_up IS NOT NULL AND status NOT IN ({CLOSED}) AND NOT archived
    ) due
    WHERE rn <= {compute.FOLLOW_UP_LIST}
    GROUP BY user_id
)
INSERT INTO analytics_usermetrics (user_id, {", ".join(UPSERT_COLUMNS)})
SELECT b.user_id,
    COALESCE(g.total, 0),
    {", ".join(f"COALESCE(g.{s}, 0)" for s in STATUS_COLUMNS)},
    COALESCE(g.archived, 0),
    COALESCE(g.reached_applied, 0), COALESCE(g.reached_interviewing, 0), COALESCE(g.reached_offer, 0),
    COALESCE(g.reached_accepted, 0), COALESCE(g.responded, 0),
    {_rate("responded", "reached_applied")},
    {_rate("reached_interviewing", "reached_applied")},
    {_rate("reached_offer", "reached_applied")},
    g.median_days,
    json_build_object('saved', g.saved_days, 'applied', g.applied_days,
                      'interviewing', g.interviewing_days, 'offer', g.offer_days)::jsonb,
    {_WEEKS_JSON}::jsonb,
    COALESCE(c.top, '[]'::json)::jsonb,
    COALESCE(s.top, '[]'::json)::jsonb,
    COALESCE(g.follow_ups_due, 0),
    COALESCE(f.items, '[]'::json)::jsonb,
    %(now)s
FROM batch b
LEFT JOIN agg g ON g.user_id = b.user_id
LEFT JOIN companies c ON c.user_id = b.user_id
LEFT JOIN skills s ON s.user_id = b.user_id
LEFT JOIN follow f ON f.user_id = b.user_id
ORDER BY b.user_id
ON CONFLICT (user_id) DO UPDATE SET
    {", ".join(f"{column} = EXCLUDED.{column}" for column in UPSERT_COLUMNS)}
"""


# Parameters: cutoff (timestamptz), now (timestamptz), note (text), limit (int).
# Picks a batch of applications still `applied` with no change since the cutoff, skipping rows
# another transaction holds (someone changing them right now), moves them to ghosted and writes
# one timeline event each, in one statement. Returns the owners, whose metrics then refresh.
MARK_GHOSTED = """
WITH picked AS (
    SELECT id FROM applications_application
    WHERE status = 'applied' AND updated_at < %(cutoff)s AND (applied_at IS NULL OR applied_at < %(cutoff)s)
    ORDER BY updated_at, id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
),
moved AS (
    UPDATE applications_application a
    SET status = 'ghosted', closed_at = %(now)s, updated_at = %(now)s
    FROM picked
    WHERE a.id = picked.id AND a.status = 'applied'
    RETURNING a.id, a.user_id
),
events AS (
    INSERT INTO applications_applicationevent (application_id, kind, from_status, to_status, note, follow_up, actor_id, created_at)
    SELECT id, 'status_changed', 'applied', 'ghosted', %(note)s, NULL, NULL, %(now)s FROM moved
)
SELECT user_id, count(*) FROM moved GROUP BY user_id
"""
