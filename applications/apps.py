from django.apps import AppConfig
from django.db.models.signals import post_delete


class ApplicationsConfig(AppConfig):
    name = "applications"

    def ready(self) -> None:
        from applications.models import Document
        from applications.receivers import forget_schedule, remove_document_file
        from applications.signals import application_changed

        post_delete.connect(remove_document_file, sender=Document, dispatch_uid="applications.remove_document_file")
        application_changed.connect(forget_schedule, dispatch_uid="applications.forget_schedule")
