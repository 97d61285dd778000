import os

from celery import Celery
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careercopilot.settings")


class Task(DjangoTask):
    """Celery's Django task, whose on-commit publishing never turns a saved change into an error.

    The change is committed when these run: a broker that is down or frozen costs the request at
    most the bounded publish time (CELERY_BROKER_TRANSPORT_OPTIONS' socket timeouts and
    CELERY_TASK_PUBLISH_RETRY_POLICY) and is logged (Django's robust on_commit), not raised. The
    beat jobs catch up on whatever was not enqueued.
    """

    def delay_on_commit(self, *args, **kwargs) -> None:
        self._on_commit(self.delay, "delay", *args, **kwargs)

    def apply_async_on_commit(self, *args, **kwargs) -> None:
        self._on_commit(self.apply_async, "apply_async", *args, **kwargs)

    def _on_commit(self, send, how: str, *args, **kwargs) -> None:
        from django.db import transaction

        def publish() -> None:
            send(*args, **kwargs)

        # Django's robust on_commit names the callback by __qualname__ when it logs (a partial has none).
        publish.__qualname__ = f"{self.name}.{how}"
        transaction.on_commit(publish, robust=True)


app = Celery("careercopilot", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
