"""Builders for analytics tests: postings with skills, and applications with a given history."""

from __future__ import annotations

import itertools
import os
import uuid
from datetime import datetime, timezone

import pytest
from django.conf import settings

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


@pytest.fixture
def worker():
    """A real Celery worker taking analytics' tasks from the Redis broker, on a queue of its own."""
    if not settings.REDIS_URL:
        if os.environ.get("REQUIRE_FULL_STACK") == "1":
            pytest.fail("the broker tests need REDIS_URL")
        pytest.skip("the broker tests need REDIS_URL (the embedded filesystem broker is not tested here)")
    from celery.contrib.testing.worker import start_worker

    from analytics.tasks import refresh_user_metrics

    app = refresh_user_metrics.app  # the project's Celery app, without reaching up for it

    assert app.conf.broker_url.startswith("redis://")
    # A queue of the test's own: the worker takes nothing a developer's running site queued
    # on the same Redis, and leaves nothing behind for a real worker.
    queue = f"test-analytics-{uuid.uuid4().hex[:8]}"
    _route_analytics_tasks(app, {"analytics.tasks.*": {"queue": queue}})
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, queues=[queue]) as running:
            yield running
    finally:
        app.conf.task_always_eager = True
        _route_analytics_tasks(app, None)
        with app.connection_for_write() as connection:
            channel = connection.default_channel
            channel.queue_delete(queue)
            # kombu's Redis transport keeps the queue's exchange bindings; they name only this queue.
            channel.client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def _route_analytics_tasks(app, routes):
    app.conf.task_routes = routes
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)  # a cached property built from the old routes
