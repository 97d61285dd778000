from django.apps import AppConfig
from django.db.models.signals import post_delete


class ApplicationsConfig(AppConfig):
    name = "applications"

    def ready(self) -> None:
        from applications.models import Document
        from applications.receivers import remove_document_file

        post_delete.connect(remove_document_file, sender=Document, dispatch_uid="applications.remove_document_file")
