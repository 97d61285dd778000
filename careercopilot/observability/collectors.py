"""Values read when Prometheus scrapes, from the shared services rather than from one process:
the Celery queue's length and its oldest message's age, and how old the stored snapshots are."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)


def _queue_names(app) -> list[str]:
    return sorted({app.conf.task_default_queue or "celery", *(app.amqp.queues or {}).keys()})


def _redis_queues(app) -> list[tuple[str, int, float | None]]:
    found = []
    with app.connection_for_read() as conn:
        client = conn.default_channel.client
        now = time.time()
        for queue in _queue_names(app):
            length = client.llen(queue)
            age = None
            if length:
                # kombu pushes on the left and takes from the right: the oldest is last.
                oldest = client.lindex(queue, -1)
                try:
                    sent = json.loads(oldest).get("headers", {}).get("sent_at")
                    age = max(0.0, now - float(sent)) if sent else None
                except (TypeError, ValueError):
                    age = None
            found.append((queue, length, age))
    return found


def _filesystem_queue(app) -> list[tuple[str, int, float | None]]:
    folder = Path(app.conf.broker_transport_options.get("data_folder_in", ""))
    files = list(folder.glob("*.msg")) if folder.is_dir() else []
    oldest = min((f.stat().st_mtime for f in files), default=None)
    return [(app.conf.task_default_queue or "celery", len(files), time.time() - oldest if oldest else None)]


class ScrapeTimeCollector:
    def collect(self):
        yield from self._queues()
        yield from self._snapshots()

    def _queues(self):
        from careercopilot.celery import app

        length = GaugeMetricFamily("celery_queue_length", "Messages waiting in the broker's queue", labels=["queue"])
        age = GaugeMetricFamily("celery_queue_oldest_message_age_seconds",
                                "Age of the oldest message waiting in the queue (0 when empty)", labels=["queue"])
        try:
            url = app.conf.broker_url or ""
            rows = _redis_queues(app) if url.startswith(("redis://", "rediss://")) else _filesystem_queue(app)
        except Exception as exc:  # a scrape reports what it can; the broker's own health is /ready/
            logger.warning("queue metrics unavailable: %s", exc)
            return
        for queue, count, oldest in rows:
            length.add_metric([queue], count)
            age.add_metric([queue], oldest or 0.0)
        yield length
        yield age

    def _snapshots(self):
        from django.db.models import Max, Min

        from analytics.models import TrendingJob, UserMetrics

        try:
            oldest = UserMetrics.objects.aggregate(at=Min("computed_at"))["at"]
            trending = TrendingJob.objects.aggregate(at=Max("computed_at"))["at"]
        except Exception as exc:
            logger.warning("snapshot ages unavailable: %s", exc)
            return
        now = time.time()
        for name, doc, at in (
            ("analytics_user_metrics_oldest_age_seconds", "Age of the oldest stored per-user metrics snapshot", oldest),
            ("analytics_trending_age_seconds", "Age of the trending ranking", trending),
        ):
            if at is not None:
                yield GaugeMetricFamily(name, doc, value=max(0.0, now - at.timestamp()))
