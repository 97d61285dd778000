"""How each per-user metric is defined, as plain Python over one user's application rows.

This is the reference the SQL path in `analytics/services.py` must agree with, and the path
used on SQLite. Every definition lives here, once.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

WEEKS = 26
TOP_N = 5
FOLLOW_UP_LIST = 10

# Statuses at or past a stage of the funnel (saved → applied → interviewing → offer → accepted).
PAST_APPLIED = ("applied", "interviewing", "offer", "accepted", "rejected", "ghosted")
PAST_INTERVIEWING = ("interviewing", "offer", "accepted")
PAST_OFFER = ("offer", "accepted")
CLOSED = ("accepted", "rejected", "withdrawn", "ghosted")
STATUSES = ("saved", "applied", "interviewing", "offer", "accepted", "rejected", "withdrawn", "ghosted")


@dataclass(frozen=True)
class Row:
    id: int
    status: str
    created_at: datetime
    applied_at: datetime | None
    interview_at: datetime | None
    offer_at: datetime | None
    closed_at: datetime | None
    next_follow_up: date | None
    company: str
    title: str
    # Archived: out of the status counts and follow-ups (the active pipeline), still in the history
    # (funnel, rates, weeks, top companies), which archiving a finished application must not rewrite.
    archived: bool = False


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def first_week(today: date) -> date:
    return week_start(today) - timedelta(weeks=WEEKS - 1)


def days_between(start: datetime | None, end: datetime | None) -> float | None:
    """Days from start to end; None when either is unknown or the dates run backwards."""
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 86400


def responded_at(row: Row) -> datetime | None:
    """The first reply from the employer: an interview, an offer, or a rejection."""
    candidates = [row.interview_at, row.offer_at]
    if row.status == "rejected":
        candidates.append(row.closed_at)
    known = [moment for moment in candidates if moment is not None]
    return min(known) if known else None


def reached_applied(row: Row) -> bool:
    return row.status in PAST_APPLIED or row.applied_at is not None


def reached_interviewing(row: Row) -> bool:
    # The funnel is cumulative: an offer counts as having passed the interview stage.
    return row.status in PAST_INTERVIEWING or row.interview_at is not None or row.offer_at is not None


def reached_offer(row: Row) -> bool:
    return row.status in PAST_OFFER or row.offer_at is not None


def responded(row: Row) -> bool:
    return reached_interviewing(row) or row.status == "rejected"


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def ratio(part: int, whole: int) -> float | None:
    """A rate, or None when there is nothing to divide by (shown as a dash, never as 0%)."""
    return part / whole if whole else None


def _stage_samples(row: Row) -> dict[str, float | None]:
    left_applied = [m for m in (row.interview_at, row.offer_at, row.closed_at) if m is not None]
    left_interviewing = [m for m in (row.offer_at, row.closed_at) if m is not None]
    return {
        "saved": days_between(row.created_at, row.applied_at),
        "applied": days_between(row.applied_at, min(left_applied)) if left_applied else None,
        "interviewing": days_between(row.interview_at, min(left_interviewing)) if left_interviewing else None,
        "offer": days_between(row.offer_at, row.closed_at),
    }


def user_metrics_from_rows(
    rows: list[Row], skills: list[tuple[str, int]], *, today: date, zone: tzinfo = UTC
) -> dict:
    """All of one user's figures from their application rows and (skill, count) pairs.

    `today` and `zone` are the seeker's own: a week starts on their Monday, and a follow-up is
    due on their calendar day, not the server's.
    """
    counts = {status: 0 for status in STATUSES}
    stage: dict[str, list[float]] = {"saved": [], "applied": [], "interviewing": [], "offer": []}
    response_days: list[float] = []
    start = first_week(today)
    weeks = [{"week": (start + timedelta(weeks=i)).isoformat(), "applied": 0, "responded": 0} for i in range(WEEKS)]
    companies: dict[str, int] = {}
    follow_ups = []
    n_applied = n_interviewing = n_offer = n_accepted = n_responded = n_due = 0

    n_archived = 0
    for row in rows:
        if row.archived:
            n_archived += 1
        else:
            counts[row.status] = counts.get(row.status, 0) + 1
        if reached_applied(row):
            n_applied += 1
            if row.company:
                companies[row.company] = companies.get(row.company, 0) + 1
        if reached_interviewing(row):
            n_interviewing += 1
        if reached_offer(row):
            n_offer += 1
        if row.status == "accepted":
            n_accepted += 1
        got_reply = responded(row) and reached_applied(row)
        if got_reply:
            n_responded += 1
            days = days_between(row.applied_at, responded_at(row))
            if days is not None:
                response_days.append(days)
        for name, sample in _stage_samples(row).items():
            if sample is not None:
                stage[name].append(sample)
        if row.applied_at is not None:
            applied_day = row.applied_at.astimezone(zone).date()
            if start <= applied_day:
                index = (applied_day - start).days // 7
                if index < WEEKS:
                    weeks[index]["applied"] += 1
                    weeks[index]["responded"] += int(got_reply)
        if row.next_follow_up is not None and row.status not in CLOSED and not row.archived:
            if row.next_follow_up <= today:
                n_due += 1
            follow_ups.append((row.next_follow_up, row.id, row.title, row.company))

    follow_ups.sort()
    top_companies = sorted(companies.items(), key=lambda item: (-item[1], item[0]))[:TOP_N]
    top_skills = sorted(skills, key=lambda item: (-item[1], item[0]))[:TOP_N]
    return {
        "total": len(rows),
        **counts,
        "archived": n_archived,
        "reached_applied": n_applied,
        "reached_interviewing": n_interviewing,
        "reached_offer": n_offer,
        "reached_accepted": n_accepted,
        "responded": n_responded,
        "response_rate": ratio(n_responded, n_applied),
        "interview_rate": ratio(n_interviewing, n_applied),
        "offer_rate": ratio(n_offer, n_applied),
        "median_days_to_response": statistics.median(response_days) if response_days else None,
        "stage_days": {name: _mean(values) for name, values in stage.items()},
        "weekly_applications": weeks,
        "top_companies": [{"name": name, "count": count} for name, count in top_companies],
        "top_skills": [{"name": name, "count": count} for name, count in top_skills],
        "follow_ups_due": n_due,
        "follow_ups": [
            {"id": app_id, "date": day.isoformat(), "title": title, "company": company}
            for day, app_id, title, company in follow_ups[:FOLLOW_UP_LIST]
        ],
    }
