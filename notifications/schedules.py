"""Alerts' beat schedules; `manage.py setup_periodic_tasks` writes them."""

PERIODIC_TASKS = [
    {
        "name": "notifications: match new postings against saved searches",
        "task": "notifications.tasks.match_new_postings",
        "interval": {"every": 5, "period": "minutes"},
        "description": "Set-wise: each distinct saved query once against the new postings; instant emails.",
    },
    {
        "name": "notifications: morning digests and reminders by time zone",
        "task": "notifications.tasks.send_morning_emails",
        "crontab": {"minute": "10", "hour": "*"},
        "description": "Seekers whose local clock reads NOTIFICATIONS_MORNING_HOUR: the daily digest and reminders.",
    },
    {
        "name": "notifications: forget read notifications and finished deliveries after 30 days",
        "task": "notifications.tasks.prune_old_notifications",
        "crontab": {"minute": "40", "hour": "3"},
        "description": "Chunked deletes, at most 90 s a run; a run with rows left queues the next.",
    },
]
