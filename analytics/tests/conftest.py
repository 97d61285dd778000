"""Builders for analytics tests: postings with skills, and applications with a given history."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone

import pytest

UTC = timezone.utc
_serial = itertools.count(1)


def at(day: str, hour: int = 12) -> datetime:
    """A moment on `day` (YYYY-MM-DD), noon UTC by default, so gaps are whole days."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def make_job():
    from jobs.models import Company, Job, JobSkill, Skill

    def make(title: str, company: str, skills: tuple[str, ...] = (), **fields) -> Job:
        n = next(_serial)
        owner, _ = Company.objects.get_or_create(name=company, defaults={"slug": f"{company.lower()}-{n}"})
        job = Job.objects.create(
            company=owner, title=title, description=f"{title} at {company}", external_id=f"test-{n}", **fields
        )
        for name in skills:
            skill, _ = Skill.objects.get_or_create(name=name)
            JobSkill.objects.create(job=job, skill=skill)
        return job

    return make


@pytest.fixture
def make_application():
    from applications.models import Application

    def make(user, status: str, *, created: str, applied: str | None = None, interview: str | None = None,
             offer: str | None = None, closed: str | None = None, follow_up: str | None = None,
             company: str = "", job=None, title: str = "") -> Application:
        return Application.objects.create(
            user=user, job=job, company_name=company, title=title, status=status,
            created_at=at(created), updated_at=at(closed or offer or interview or applied or created),
            applied_at=at(applied) if applied else None, interview_at=at(interview) if interview else None,
            offer_at=at(offer) if offer else None, closed_at=at(closed) if closed else None,
            next_follow_up=datetime.fromisoformat(follow_up).date() if follow_up else None,
        )

    return make
