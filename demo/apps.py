from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data that spans every app (catalogue, seekers, pipelines); only `manage.py seed_demo` uses it."""

    name = "demo"
