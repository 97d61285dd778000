"""row_filter (a posting's row tested in memory) agrees with filtered_jobs (SQL) on every filter
but the text query: the alerts matcher relies on it to match exactly what /jobs/ shows."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from jobs.models import Job, JobSkill
from jobs.selectors import ROW_FILTER_FIELDS, SearchParams, filtered_jobs, row_filter
from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    python, rust = SkillFactory(name="Python"), SkillFactory(name="Rust")
    acme, globex = CompanyFactory(name="Acme"), CompanyFactory(name="Globex")
    shapes = itertools.product(("remote", "hybrid", "onsite"), ("full_time", "contract"), ("mid", "senior"),
                               (None, (40_000, 60_000), (90_000, 150_000)), ("Berlin", "München", ""))
    for n, (remote, job_type, level, pay, location) in enumerate(shapes):
        job = JobFactory(remote_policy=remote, job_type=job_type, experience_level=level, location=location,
                         company=(acme, globex)[n % 2], salary_min=pay[0] if pay else None, salary_max=pay[1] if pay else None,
                         posted_at=timezone.now() - timedelta(days=n % 10))
        job.skills.set([python, rust][: n % 3])


PARAMS = [
    SearchParams(), SearchParams(location="berlin"), SearchParams(location="MÜNCHEN"), SearchParams(remote=("remote", "hybrid")),
    SearchParams(job_type=("contract",), experience=("senior",)), SearchParams(salary_min=50_000),
    SearchParams(salary_max=70_000), SearchParams(salary_min=55_000, salary_max=95_000), SearchParams(company="acme"),
    SearchParams(company="nobody"), SearchParams(skills=("python",)), SearchParams(skills=("python", "rust")),
    SearchParams(skills=("cobol",)), SearchParams(posted_within=3), SearchParams(remote=("onsite",), location="ber", skills=("rust",)),
]


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: p.filters_key())
def test_row_filter_matches_what_filtered_jobs_finds(catalogue, params):
    if connection.vendor != "postgresql" and not params.location.isascii():
        pytest.skip("SQLite's LIKE folds the case of ASCII letters only (PostgreSQL's upper() folds München's too)")
    rows = {row["id"]: {**row, "skill_ids": set()} for row in Job.objects.active().values(*ROW_FILTER_FIELDS)}
    for job_id, skill_id in JobSkill.objects.values_list("job_id", "skill_id"):
        rows[job_id]["skill_ids"].add(skill_id)
    in_sql = set(filtered_jobs(params).values_list("pk", flat=True))
    in_memory = {job_id for job_id, row in rows.items() if row_filter(params)(row)}
    assert in_memory == in_sql
    assert PARAMS[0] == params or len(in_sql) < len(rows)  # each case does filter something out
