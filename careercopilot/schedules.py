"""The project's own beat schedules (`manage.py setup_periodic_tasks` writes them)."""

PERIODIC_TASKS = [
    {
        "name": "careercopilot: prune old silk records",
        "task": "careercopilot.tasks.prune_silk_records",
        "crontab": {"minute": "40", "hour": "4"},
        "description": "Silk's requests older than SILK_KEEP_DAYS (nothing when silk is off).",
    },
]
