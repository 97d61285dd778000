from django.apps import AppConfig


class CareerCopilotConfig(AppConfig):
    name = "careercopilot"
    verbose_name = "Career Copilot"

    def ready(self) -> None:
        # Observability hooks: every process (web, worker, command) counts its SQL, logs slow
        # statements and, in a Celery worker, its tasks (careercopilot/observability/).
        from celery import signals as celery_signals
        from django.core import signals as request_signals
        from django.db.backends.signals import connection_created

        from careercopilot.observability import metrics, slow_queries

        connection_created.connect(slow_queries.install, dispatch_uid="slow-queries")
        request_signals.request_started.connect(slow_queries.request_started, dispatch_uid="db-origin")
        request_signals.request_finished.connect(slow_queries.request_finished, dispatch_uid="db-origin")
        celery_signals.before_task_publish.connect(metrics.task_published, dispatch_uid="task-sent-at", weak=False)
        celery_signals.task_prerun.connect(metrics.task_started, dispatch_uid="task-metrics", weak=False)
        celery_signals.task_postrun.connect(metrics.task_finished, dispatch_uid="task-metrics", weak=False)
        celery_signals.worker_init.connect(metrics.worker_started, dispatch_uid="metrics-group", weak=False)
        celery_signals.worker_process_shutdown.connect(metrics.worker_child_exiting, dispatch_uid="metrics-dead", weak=False)

        # After the catalogue changes, rebuild the pages people hit first (careercopilot/cache_warming.py).
        from careercopilot import cache_warming
        from jobs.cache import catalogue_generation_bumped

        catalogue_generation_bumped.connect(cache_warming.schedule_warming, dispatch_uid="cache-warming")
