"""Reads for analytics: the stored figures, through the cache, behind named keys.

Pages never aggregate raw rows: they read a stored snapshot (UserMetrics, the trending tables)
through these accessors. Each cached data set has one key function and an explicit timeout, and
goes stale by a generation bump (a fresh token in the key), never by scanning Redis for keys.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.template.loader import get_template
from django.utils import timezone
from prometheus_client import Counter

from accounts.models import Profile
from analytics.cache import (
    FIGURES_TIMEOUT,
    all_user_metrics_generation_key,
    changed_at_key,
    figures_key,
    last_change,
    lookup,
    platform_generation,
    platform_key,
    recommendations_key,
    trending_postings_key,
    user_metrics_generation,
    user_metrics_generation_key,
    user_metrics_key,
)
from analytics.models import NotInterested, PlatformDailyStats, TrendingJob, TrendingSkill, UserMetrics
from analytics.snapshots import user_metrics_recompute
from applications.cache import schedule_generation, schedule_generation_key, upcoming_key
from applications.selectors import UPCOMING_LIMIT
from jobs import cache as jobs_cache
from jobs import plain
from jobs.models import Job, JobSkill
from jobs.salaries import BASE_CURRENCY, current_rates, to_usd
from jobs.selectors import job_cards_from_cache, job_cards_to_cache

METRICS_TIMEOUT = 60 * 60  # a snapshot only changes when recomputed, and every recompute bumps
PLATFORM_TIMEOUT = 60 * 60
TRENDING_POSTINGS_TIMEOUT = 10 * 60
RECOMMENDATIONS_TIMEOUT = 60 * 10  # new postings show up within ten minutes
FILL_LOCK_TIMEOUT = 30
FILL_WAIT_SECONDS = 5.0
FILL_POLL_SECONDS = 0.05

METRICS_CACHE = Counter("analytics_user_metrics_cache_total", "Dashboard snapshot lookups by outcome", ["result"])


# --- Per-user metrics -----------------------------------------------------------------------

def _figures_template() -> str:
    return hashlib.blake2b(get_template("analytics/_figures.html").template.source.encode(), digest_size=6).hexdigest()


def kept_figures(user_id: int, metrics: UserMetrics, render: Callable[[], str]) -> str:
    """The dashboard's figures as markup, rendered once per snapshot (`render()` on a miss):
    twenty-odd tables rows and three SVG charts were most of a warm dashboard's CPU.

    Kept under the snapshot's generation (so `dashboard_reads` fetches it with the snapshot)
    together with a digest of the content it was rendered from; it is used only for that very
    content, so the markup never shows other figures than the ones read."""
    snapshot = hashlib.blake2b(repr(sorted(plain.to_plain(metrics).items())).encode(), digest_size=12).hexdigest()
    key = figures_key(user_id, user_metrics_generation(user_id), timezone.get_current_timezone_name(), _figures_template())
    stored = None if settings.CACHE_BYPASS else jobs_cache.cache_get(key)
    fits = isinstance(stored, dict) and stored.get("snapshot") == snapshot
    jobs_cache.count_lookup("figures", fits)
    if fits:
        return stored["html"]
    html = render()
    if not settings.CACHE_BYPASS:
        cache.set(key, {"snapshot": snapshot, "html": html}, FIGURES_TIMEOUT)
    return html


@contextmanager
def dashboard_reads(user_id: int):
    """Within it, the dashboard's cached reads cost two round trips instead of seven: first the
    keys named by the seeker alone (the snapshot's generations, their last change, their
    schedule's generation, the bell's count), then those named by what that found (the snapshot, the upcoming
    interviews, the figures' markup). A miss is read and filled as without it."""
    with jobs_cache.seeker_read_ahead(user_id, [all_user_metrics_generation_key(), user_metrics_generation_key(user_id),
                                                changed_at_key(user_id), schedule_generation_key(user_id)]):
        generation = user_metrics_generation(user_id)
        with jobs_cache.read_ahead([
            user_metrics_key(user_id, generation),
            upcoming_key(user_id, schedule_generation(user_id), UPCOMING_LIMIT),
            figures_key(user_id, generation, timezone.get_current_timezone_name(), _figures_template()),
        ]):
            yield


def user_metrics_for(user_id: int) -> UserMetrics | None:
    """The user's stored snapshot, from the cache; None only if it could not be made in time.

    On a miss one request (holding a lock in the cache) loads the row, or computes it the first
    time a user ever looks; concurrent requests wait for that one instead of piling onto the
    database, so a cold cache costs one load however many requests arrive together.
    """
    key = user_metrics_key(user_id, user_metrics_generation(user_id))
    stored = lookup(key, layer="user_metrics")
    if stored is not None:
        METRICS_CACHE.labels("hit").inc()
        return plain.from_plain(UserMetrics, stored)
    METRICS_CACHE.labels("miss").inc()
    lock = f"{key}:fill"
    if cache.add(lock, 1, FILL_LOCK_TIMEOUT):
        try:
            metrics = _load_or_compute(user_id)
            cache.set(key, plain.to_plain(metrics), METRICS_TIMEOUT)
            return metrics
        finally:
            cache.delete(lock)
    deadline = time.monotonic() + FILL_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(FILL_POLL_SECONDS)
        stored = cache.get(key)
        if stored is not None:
            return plain.from_plain(UserMetrics, stored)
    # The filler is slow or died: read what is stored, but never compute outside the lock.
    return UserMetrics.objects.filter(user_id=user_id).first()


def figures_updating(user_id: int, metrics: UserMetrics | None) -> float | None:
    """The moment of the seeker's last change if their snapshot does not show it yet, else None.

    A change notes its moment after it commits, before its refresh is queued (analytics/receivers.py);
    a snapshot shows every change committed before its `computed_at`. A later change means a
    refresh is on its way, a few seconds behind (the debounce, then the worker).
    """
    changed = last_change(user_id)
    if changed is None:
        return None if metrics is not None else time.time()
    if metrics is None or changed > metrics.computed_at.timestamp():
        return changed
    return None


def _load_or_compute(user_id: int) -> UserMetrics:
    metrics = UserMetrics.objects.filter(user_id=user_id).first()
    if metrics is None:
        # First look ever (no change has been tracked yet, or the worker is behind): one
        # user's rows by index, once, under the lock. Not bumped: this request fills the key.
        user_metrics_recompute(user_ids=[user_id], bump=False)
        metrics = UserMetrics.objects.get(user_id=user_id)
    return metrics


# --- Platform metrics -----------------------------------------------------------------------

def platform_snapshot() -> dict:
    """Trending postings and skills and the last 30 days of platform figures, as plain data."""
    key = platform_key(platform_generation())
    snapshot = lookup(key, layer="platform")
    if snapshot is None:
        snapshot = _platform_from_tables()
        cache.set(key, snapshot, PLATFORM_TIMEOUT)
    return snapshot


def _platform_from_tables() -> dict:
    jobs = [
        {
            "id": row.job_id, "title": row.job.title, "company": row.job.company.name,
            "url": row.job.get_absolute_url(), "applications": row.applications,
        }
        for row in TrendingJob.objects.select_related("job__company").order_by("rank")
    ]
    skills = [
        {"id": row.skill_id, "name": row.skill.name, "applications": row.applications, "postings": row.postings}
        for row in TrendingSkill.objects.select_related("skill").order_by("rank")
    ]
    days = list(
        PlatformDailyStats.objects.order_by("-day").values(
            "day", "postings", "active_postings", "applications", "new_users", "computed_at"
        )[:30]
    )
    days.reverse()
    computed = [row["computed_at"] for row in days]
    return {"trending_jobs": jobs, "trending_skills": skills, "days": days, "computed_at": max(computed, default=None)}


def trending_jobs(limit: int = 10) -> list[dict]:
    return platform_snapshot()["trending_jobs"][:limit]


def trending_skills(limit: int = 10) -> list[dict]:
    return platform_snapshot()["trending_skills"][:limit]


def _compute_trending_postings(limit: int) -> list[Job]:
    # Spare ranks for postings closed since the last ranking.
    ids = list(TrendingJob.objects.order_by("rank").values_list("job_id", flat=True)[: limit * 3])
    if not ids:
        return []
    found = Job.objects.active().for_cards().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found][:limit]


def trending_postings(limit: int = 10) -> list[Job]:
    """The open postings most tracked in the last 7 days, as beat last ranked them, ready for job cards.

    A page view never counts applications; the key follows both the catalogue (a posting
    closes) and the ranking, so either change shows at once.
    """
    key = trending_postings_key(jobs_cache.catalogue_generation(), platform_generation(), limit)
    return jobs_cache.cached_value(key, TRENDING_POSTINGS_TIMEOUT, lambda: _compute_trending_postings(limit),
                                   layer="trending", to_cache=job_cards_to_cache, from_cache=job_cards_from_cache)


# --- Recommendations ------------------------------------------------------------------------

RECOMMENDATIONS = 20
POOL_PER_SKILL = 200  # newest postings per profile skill that are considered
POOL_PER_LOCATION = 100
POOL_NEWEST = 200
MAX_SKILLS = 15
MAX_LOCATIONS = 5


def _profile_inputs(user) -> dict:
    # Postings the seeker said "Not interested" to: part of the cache key, so hiding or
    # undoing shows at once.
    hidden = sorted(NotInterested.objects.filter(user=user).values_list("job_id", flat=True))
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return {"skills": [], "locations": [], "remote": "any", "experience": "", "salary": None, "currency": "USD",
                "hidden": hidden}
    skills = list(profile.skills.order_by("name").values_list("id", "name")[:MAX_SKILLS])
    locations = [str(place).strip() for place in (profile.preferred_locations or []) if str(place).strip()]
    return {
        "skills": skills, "locations": locations[:MAX_LOCATIONS], "remote": profile.remote_preference,
        "experience": profile.desired_experience, "salary": profile.desired_salary, "currency": profile.salary_currency,
        "hidden": hidden,
    }


def recommendations_for(user, *, limit: int = RECOMMENDATIONS) -> list[dict]:
    """Postings that match the profile, best first, each with the reasons it matches.

    Cached per user under a fingerprint of the profile, so editing the profile shows new
    matches at once, and new postings show up when the entry times out.
    """
    inputs = _profile_inputs(user)
    fingerprint = hashlib.blake2b(repr(sorted(inputs.items())).encode(), digest_size=8).hexdigest()
    key = recommendations_key(user.id, fingerprint)
    found = lookup(key, layer="recommendations")
    if found is None:
        found = _recommend(inputs, limit=limit)
        cache.set(key, found, RECOMMENDATIONS_TIMEOUT)
    return found


HIDDEN_SHOWN = 20


def hidden_recommendations(user, *, limit: int = HIDDEN_SHOWN) -> list[NotInterested]:
    """The postings the seeker said "Not interested" to, newest first, for undoing (one query)."""
    return list(NotInterested.objects.filter(user=user).select_related("job__company")
                .only("created_at", "job__title", "job__slug", "job__company__name").order_by("-created_at", "-id")[:limit])


def _candidate_pool(inputs: dict) -> tuple[str, list]:
    """Ids of the postings worth scoring: the newest few per skill and per place, and the newest overall.

    Each part is a LIMITed index walk, so the pool has at most a few thousand ids however many
    postings exist; this is what keeps the scoring query bounded.
    """
    parts, params = [], []
    for skill_id, _ in inputs["skills"]:
        parts.append(
            "SELECT job_id AS id FROM (SELECT js.job_id FROM jobs_jobskill js WHERE js.skill_id = %s "
            "ORDER BY js.job_id DESC LIMIT %s) AS by_skill"
        )
        params += [skill_id, POOL_PER_SKILL]
    for place in inputs["locations"]:
        parts.append(
            "SELECT id FROM (SELECT j.id FROM jobs_job j WHERE j.is_active AND UPPER(j.location) LIKE UPPER(%s) "
            "ESCAPE '!' ORDER BY j.posted_at DESC, j.id DESC LIMIT %s) AS by_place"
        )
        literal = place.replace("!", "!!").replace("%", "!%").replace("_", "!_")  # a typed % is not a wildcard
        params += [f"%{literal}%", POOL_PER_LOCATION]
    parts.append(
        "SELECT id FROM (SELECT j.id FROM jobs_job j WHERE j.is_active "
        "ORDER BY j.posted_at DESC, j.id DESC LIMIT %s) AS newest"
    )
    params.append(POOL_NEWEST)
    return " UNION ".join(parts), params


# A preference for remote work admits these policies; a wanted level admits itself and the
# next one up (a senior may well take a lead role, not an entry one).
ACCEPTED_REMOTE = {"remote": ("remote",), "hybrid": ("hybrid", "remote"), "onsite": ("onsite", "hybrid")}
_LEVELS = ["entry", "mid", "senior", "lead", "executive"]
ACCEPTED_LEVELS = {level: tuple(_LEVELS[i:i + 2]) for i, level in enumerate(_LEVELS)}


def _recommend(inputs: dict, *, limit: int) -> list[dict]:
    skill_ids = [skill_id for skill_id, _ in inputs["skills"]]
    skill_names = dict(inputs["skills"])

    def flag(condition: Q | None):
        if condition is None:
            return Value(0)
        return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())

    place = None
    for location in inputs["locations"]:
        place = Q(location__icontains=location) if place is None else place | Q(location__icontains=location)
    # Remote work, level and pay are what the seeker asked for, not hints: a posting that
    # misses one is not shown (an unstated salary is shown, and said to be unstated).
    required = Q()
    if inputs["remote"] in ACCEPTED_REMOTE:
        required &= Q(remote_policy__in=ACCEPTED_REMOTE[inputs["remote"]])
    if inputs["experience"] in ACCEPTED_LEVELS:
        required &= Q(experience_level__in=ACCEPTED_LEVELS[inputs["experience"]])
    remote = Q(remote_policy=inputs["remote"]) if inputs["remote"] in Job.RemotePolicy.values else None
    level = Q(experience_level=inputs["experience"]) if inputs["experience"] else None
    pay = None
    if inputs["salary"]:
        # Compared in annual dollars (jobs/salaries.py), so a posting in another currency counts too.
        rates = {BASE_CURRENCY: 1} if inputs["currency"] == BASE_CURRENCY else current_rates()
        wanted = to_usd(inputs["salary"], inputs["currency"], rates)
        if wanted is not None:
            pay = Q(salary_max_usd__gte=wanted)
            required &= pay | Q(salary_max_usd__isnull=True)

    pool_sql, pool_params = _candidate_pool(inputs)
    jobs = list(
        Job.objects.active()
        .filter(id__in=RawSQL(pool_sql, pool_params))
        .exclude(id__in=inputs["hidden"])
        .filter(required)
        .annotate(
            skill_matches=Count("job_skills", filter=Q(job_skills__skill_id__in=skill_ids or [0])),
            place_match=flag(place), remote_match=flag(remote), level_match=flag(level), pay_match=flag(pay),
        )
        .annotate(affinity=3 * F("skill_matches") + 2 * F("place_match"))
        .annotate(score=F("affinity") + 2 * F("remote_match") + F("level_match") + F("pay_match"))
        # Something in common beyond the filters, when the profile says what (skills, places).
        .filter(**({"affinity__gt": 0} if inputs["skills"] or inputs["locations"] else {"score__gt": 0}))
        .select_related("company")
        .order_by("-score", "-posted_at", "-id")[:limit]
    )
    matched: dict[int, list[str]] = {}
    if jobs and skill_ids:
        pairs = JobSkill.objects.filter(job_id__in=[job.id for job in jobs], skill_id__in=skill_ids).values_list("job_id", "skill_id")
        for job_id, skill_id in pairs:
            matched.setdefault(job_id, []).append(skill_names[skill_id])
    return [_recommendation(job, inputs, sorted(matched.get(job.id, []))) for job in jobs]


def _recommendation(job, inputs: dict, skills: list[str]) -> dict:
    reasons, misses = [], []
    if skills:
        total = len(inputs["skills"])
        reasons.append(f"Matches {len(skills)} of your {total} skills: {', '.join(skills)}")
    elif inputs["skills"]:
        misses.append("None of your skills listed")
    if job.place_match:
        reasons.append(f"In {job.location}, one of your preferred locations")
    elif inputs["locations"]:
        misses.append(f"In {job.location or 'an unstated place'}, not one of your preferred locations")
    if job.remote_match:
        reasons.append(f"{job.get_remote_policy_display()}, as you prefer")
    elif inputs["remote"] in ACCEPTED_REMOTE:
        misses.append(f"{job.get_remote_policy_display()}, not {dict(Job.RemotePolicy.choices)[inputs['remote']].lower()}")
    if job.level_match:
        reasons.append(f"{job.get_experience_level_display()} level, as you want")
    elif inputs["experience"] in ACCEPTED_LEVELS:
        misses.append(f"{job.get_experience_level_display()} level, one above what you asked for")
    if job.pay_match:
        top = job.salary_max if job.salary_max is not None else job.salary_min
        if job.salary_currency == inputs["currency"]:
            reasons.append(f"Pays up to {top:,} {job.salary_currency}, at least your {inputs['salary']:,}")
        else:
            reasons.append(f"Pays up to {top:,} {job.salary_currency} (about {job.salary_max_usd:,} USD a year), "
                           f"at least your {inputs['salary']:,} {inputs['currency']}")
    elif inputs["salary"] and job.salary_max_usd is None:
        misses.append("Salary not stated")
    return {
        "id": job.id, "title": job.title, "company": job.company.name, "url": job.get_absolute_url(),
        "location": job.location, "remote": job.get_remote_policy_display(), "posted_at": job.posted_at,
        "salary_min": job.salary_min, "salary_max": job.salary_max, "currency": job.salary_currency,
        "score": job.score, "reasons": reasons, "misses": misses,
    }
