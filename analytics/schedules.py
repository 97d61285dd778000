"""Analytics' beat schedules, the one place they are defined; `manage.py setup_periodic_tasks`
writes them to django-celery-beat's tables (and any other app's `schedules.PERIODIC_TASKS`)."""

PERIODIC_TASKS = [
    {
        "name": "analytics: refresh metrics of active users",
        "task": "analytics.tasks.refresh_active_user_metrics",
        "interval": {"every": 10, "period": "minutes"},
        "description": "Users with an application changed, or a follow-up fallen due, since the last run.",
    },
    {
        "name": "analytics: refresh trending postings and skills",
        "task": "analytics.tasks.refresh_trending",
        "interval": {"every": 15, "period": "minutes"},
        "description": "Applications of the last 7 days, by posting and by skill.",
    },
    {
        "name": "analytics: refresh platform daily stats",
        "task": "analytics.tasks.refresh_platform_stats",
        "crontab": {"minute": "5", "hour": "*"},
        "description": "Postings, live postings, applications and sign-ups per day, last 30 days.",
    },
    {
        "name": "analytics: mark silent applications ghosted",
        "task": "analytics.tasks.mark_ghosted_applications",
        "crontab": {"minute": "15", "hour": "3"},
        "description": "Applied with no reply for ANALYTICS_GHOST_AFTER_DAYS days → ghosted, with a timeline event.",
    },
    {
        "name": "analytics: refresh metrics at each seeker's local midnight",
        "task": "analytics.tasks.refresh_metrics_at_local_midnight",
        "crontab": {"minute": "2", "hour": "*"},
        "description": "Seekers whose day just began in their own time zone: due follow-ups, the new week.",
    },
    {
        "name": "analytics: recompute every user's metrics",
        "task": "analytics.tasks.recompute_all_user_metrics",
        "crontab": {"minute": "30", "hour": "0", "day_of_week": "1"},
        "description": "Weekly, a full pass as a safety net behind the local-midnight refresh.",
    },
]
