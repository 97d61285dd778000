from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from analytics.signals import metrics_ready
        from applications.signals import applications_imported
        from jobs.signals import postings_imported
        from jobs.cache import read_on_every_seeker_page
        from notifications import receivers
        from notifications.inbox import unread_key

        applications_imported.connect(receivers.notify_applications_imported, dispatch_uid="notifications-applications-imported")
        metrics_ready.connect(receivers.notify_metrics_ready, dispatch_uid="notifications-metrics-ready")
        user_logged_in.connect(receivers.warm_bell, dispatch_uid="notifications-warm-bell")
        postings_imported.connect(receivers.notify_postings_imported, dispatch_uid="notifications-postings-imported")
        read_on_every_seeker_page(unread_key)  # the bell, in the round trip of a page's own reads
