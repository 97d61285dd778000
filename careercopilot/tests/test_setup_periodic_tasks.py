from __future__ import annotations

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from analytics.schedules import PERIODIC_TASKS
from careercopilot.celery import app
from careercopilot.management.commands.setup_periodic_tasks import declared_periodic_tasks

pytestmark = pytest.mark.django_db


def test_it_leaves_exactly_one_periodic_task_per_job_when_run_twice():
    call_command("setup_periodic_tasks", stdout=None)
    call_command("setup_periodic_tasks", stdout=None)

    for job in PERIODIC_TASKS:
        assert PeriodicTask.objects.filter(task=job["task"]).count() == 1, job["task"]
    assert PeriodicTask.objects.filter(task__startswith="analytics.").count() == len(PERIODIC_TASKS) == 6
    # One schedule row per distinct schedule any app declares, however often the command runs.
    declared = declared_periodic_tasks()
    intervals = {tuple(sorted(job["interval"].items())) for job in declared if "interval" in job}
    crontabs = {tuple(sorted(job["crontab"].items())) for job in declared if "crontab" in job}
    assert IntervalSchedule.objects.count() == len(intervals) and CrontabSchedule.objects.count() == len(crontabs)


def test_it_schedules_only_tasks_the_worker_knows():
    app.loader.import_default_modules()
    declared = declared_periodic_tasks()
    assert {job["task"].split(".")[0] for job in declared} >= {"analytics", "notifications", "jobs", "careercopilot"}
    for job in declared:
        assert job["task"] in app.tasks, job["task"]


def test_it_puts_back_what_someone_changed_by_hand_and_removes_renamed_copies():
    call_command("setup_periodic_tasks", stdout=None)
    job = PERIODIC_TASKS[0]
    PeriodicTask.objects.filter(name=job["name"]).update(enabled=False)
    PeriodicTask.objects.create(name="old name of the same job", task=job["task"], interval=IntervalSchedule.objects.first())

    call_command("setup_periodic_tasks", stdout=None)

    (task,) = PeriodicTask.objects.filter(task=job["task"])
    assert task.name == job["name"] and task.enabled
    assert (task.interval.every, task.interval.period) == (10, "minutes")
    assert task.expire_seconds == 600


def test_it_runs_ghosting_daily_and_the_full_recompute_weekly():
    call_command("setup_periodic_tasks", stdout=None)

    ghosting = PeriodicTask.objects.get(task="analytics.tasks.mark_ghosted_applications")
    weekly = PeriodicTask.objects.get(task="analytics.tasks.recompute_all_user_metrics")
    assert (ghosting.crontab.hour, ghosting.crontab.minute, ghosting.crontab.day_of_week) == ("3", "15", "*")
    assert weekly.crontab.day_of_week == "1"


def test_the_search_vocabulary_is_rebuilt_daily_by_beat():
    (job,) = [job for job in declared_periodic_tasks() if job["task"] == "jobs.tasks.refresh_vocabulary"]
    assert job["crontab"]["hour"] != "*" and job["crontab"].get("day_of_week", "*") == "*"
