"""Observability: Prometheus metrics that add up across processes, the slow-query log.

- multiprocess.py: one scrape sums every gunicorn worker and every Celery worker process
  (prometheus_client's multiprocess mode, a directory per server process group).
- metrics.py: the project's own metrics beyond django-prometheus's, and the signal handlers
  that feed them (Celery tasks, the database pool).
- collectors.py: values read at scrape time (queue length and age, snapshot ages).
- slow_queries.py: statements over SLOW_QUERY_MS, logged without their parameters.
"""
