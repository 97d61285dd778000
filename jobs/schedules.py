"""The catalogue's beat schedules; `manage.py setup_periodic_tasks` writes them."""

PERIODIC_TASKS = [
    {
        "name": "jobs: rebuild the search vocabulary",
        "task": "jobs.tasks.refresh_vocabulary",
        "crontab": {"minute": "50", "hour": "2"},
        "description": "Suggestions and 'Did you mean' from the open postings' titles, companies and skills (16 s at 1M postings).",
    },
]
