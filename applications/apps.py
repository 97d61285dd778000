from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ApplicationsConfig(AppConfig):
    name = "applications"

    def ready(self) -> None:
        from applications.models import Application, Document, Interview
        from applications.receivers import forget_schedule, remove_document_file

        post_delete.connect(remove_document_file, sender=Document, dispatch_uid="applications.remove_document_file")
        for model in (Application, Interview):
            post_save.connect(forget_schedule, sender=model, dispatch_uid=f"applications.forget_schedule.save.{model.__name__}")
            post_delete.connect(forget_schedule, sender=model, dispatch_uid=f"applications.forget_schedule.delete.{model.__name__}")
