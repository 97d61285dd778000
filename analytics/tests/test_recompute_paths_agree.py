"""The PostgreSQL statement and the Python reference give the same figures on varied data."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection

from accounts.models import Profile
from analytics import snapshots
from analytics.models import UserMetrics
from analytics.tests.conftest import at

NOW = at("2026-03-18", hour=9)
pytestmark = pytest.mark.django_db

# (status, the dates its history stamped), including the shapes the tracker added: a recruiter's
# call (saved → interviewing, never applied), a rejection reopened (closed date cleared, interview
# kept), an undone offer (back to interviewing, no offer date), a ghosting that was answered.
HISTORIES = [
    ("saved", ()),
    ("applied", ("applied",)),
    ("interviewing", ("applied", "interview")),
    ("interviewing", ("interview",)),
    ("interviewing", ("applied", "interview")),
    ("offer", ("applied", "interview", "offer")),
    ("offer", ("interview", "offer")),
    ("accepted", ("applied", "interview", "offer", "closed")),
    ("rejected", ("applied", "closed")),
    ("rejected", ("interview", "closed")),
    ("withdrawn", ("closed",)),
    ("ghosted", ("applied", "closed")),
]


# Seekers on both sides of UTC, on half-hour offsets, and without a profile (the default zone).
ZONES = [None, "UTC", "Asia/Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata", "America/New_York"]


def _random_search(django_user_model, make_job, rng: random.Random) -> list[int]:
    from applications.models import Application

    jobs = [make_job(f"Role {i}", f"Company {i % 4}", tuple(f"Skill {s}" for s in rng.sample(range(6), 3))) for i in range(8)]
    user_ids, apps = [], []
    for u in range(25):
        user = django_user_model.objects.create_user(username=f"seeker{u}")
        user_ids.append(user.id)
        zone = rng.choice(ZONES)
        if zone is not None:
            Profile.objects.create(user=user, time_zone=zone)
        untracked = rng.sample(jobs, len(jobs))  # one application per posting and seeker
        for _ in range(rng.choice([0, 1, 3, 8, 15])):
            status, steps = rng.choice(HISTORIES)
            moment = NOW - timedelta(days=rng.randint(0, 250), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
            dates = {"created_at": moment}
            for step in steps:
                moment += timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
                dates[f"{step}_at"] = moment
            job = untracked.pop() if untracked and rng.random() < 0.6 else None
            apps.append(Application(
                user=user, job=job, status=status, updated_at=moment,
                company_name=rng.choice(["", "Acme", "acme", "Zeta", "Émile & Co"]) if job else rng.choice(["Acme", "Zeta"]),
                next_follow_up=(NOW + timedelta(days=rng.randint(-10, 10))).date() if rng.random() < 0.3 else None,
                archived_at=moment if rng.random() < 0.2 else None,
                **dates,
            ))
    Application.objects.bulk_create(apps)
    return user_ids


def _snapshot(user_id: int) -> dict:
    row = UserMetrics.objects.get(user_id=user_id)
    return {f.name: getattr(row, f.name) for f in UserMetrics._meta.concrete_fields if f.name not in ("user", "computed_at")}


def _assert_same(left, right, where: str):
    if isinstance(left, dict):
        assert left.keys() == right.keys(), where
        for key in left:
            _assert_same(left[key], right[key], f"{where}.{key}")
    elif isinstance(left, list):
        assert len(left) == len(right), where
        for i, (a, b) in enumerate(zip(left, right)):
            _assert_same(a, b, f"{where}[{i}]")
    elif isinstance(left, float) or isinstance(right, float):
        assert left == pytest.approx(right, rel=1e-9), where
    else:
        assert left == right, where


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's")
def test_it_computes_the_same_figures_in_sql_as_the_python_reference(django_user_model, make_job):
    user_ids = _random_search(django_user_model, make_job, random.Random(5))

    snapshots._compute_batch_in_sql(user_ids, now=NOW)
    from_sql = {user_id: _snapshot(user_id) for user_id in user_ids}
    UserMetrics.objects.all().delete()
    snapshots._compute_batch_in_python(user_ids, now=NOW)
    from_python = {user_id: _snapshot(user_id) for user_id in user_ids}

    assert sum(snapshot["total"] for snapshot in from_sql.values()) > 100
    assert sum(snapshot["archived"] for snapshot in from_sql.values()) > 10  # the archived path was exercised
    for user_id in user_ids:
        _assert_same(from_sql[user_id], from_python[user_id], f"user {user_id}")
