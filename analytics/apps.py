from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self) -> None:
        from accounts.signals import time_zone_changed
        from analytics.receivers import refresh_metrics_on_change
        from applications.signals import application_changed

        application_changed.connect(refresh_metrics_on_change, dispatch_uid="analytics.refresh_metrics_on_change")
        # Weeks and due follow-ups follow the seeker's calendar: a new zone moves them.
        time_zone_changed.connect(refresh_metrics_on_change, dispatch_uid="analytics.refresh_metrics_on_zone_change")
