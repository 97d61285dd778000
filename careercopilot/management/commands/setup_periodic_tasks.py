"""Write every app's beat schedules to the database scheduler; safe to run on every deploy."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

INTERVAL_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def declared_periodic_tasks() -> list[dict]:
    """`PERIODIC_TASKS` from the `schedules` module of every installed app that has one."""
    declared = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "schedules"):
            declared += getattr(import_module(f"{config.name}.schedules"), "PERIODIC_TASKS", [])
    return declared


def _interval(every: int, period: str) -> IntervalSchedule:
    found = IntervalSchedule.objects.filter(every=every, period=period).order_by("id").first()
    return found or IntervalSchedule.objects.create(every=every, period=period)


def _crontab(minute="*", hour="*", day_of_week="*", day_of_month="*", month_of_year="*") -> CrontabSchedule:
    fields = dict(minute=minute, hour=hour, day_of_week=day_of_week, day_of_month=day_of_month,
                  month_of_year=month_of_year, timezone="UTC")
    found = CrontabSchedule.objects.filter(**fields).order_by("id").first()
    return found or CrontabSchedule.objects.create(**fields)


@transaction.atomic
def setup_periodic_tasks(declared: list[dict]) -> tuple[int, int]:
    """Create or update one PeriodicTask per declared job (by name); returns (created, removed).

    A task of ours left under an old name is removed, so each job is scheduled exactly once.
    """
    created = 0
    for job in declared:
        interval = _interval(**job["interval"]) if "interval" in job else None
        crontab = _crontab(**job["crontab"]) if "crontab" in job else None
        # An interval run that is still queued when the next one is due is pointless: let it expire.
        expires = job["interval"]["every"] * INTERVAL_SECONDS[job["interval"]["period"]] if interval else None
        _, was_created = PeriodicTask.objects.update_or_create(
            name=job["name"],
            defaults={
                "task": job["task"], "interval": interval, "crontab": crontab, "kwargs": "{}", "args": "[]",
                "description": job.get("description", ""), "enabled": True, "one_off": False,
                "expire_seconds": expires,
            },
        )
        created += was_created
    ours = {job["task"] for job in declared}
    removed, _ = PeriodicTask.objects.filter(task__in=ours).exclude(name__in=[job["name"] for job in declared]).delete()
    return created, removed


class Command(BaseCommand):
    help = "Create or update the Celery beat schedules defined in code (idempotent)."

    def handle(self, *args, **options):
        declared = declared_periodic_tasks()
        created, removed = setup_periodic_tasks(declared)
        self.stdout.write(f"{len(declared)} periodic tasks defined: {created} created, "
                          f"{len(declared) - created} updated, {removed} stale removed.")
