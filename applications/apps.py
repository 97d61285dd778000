from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ApplicationsConfig(AppConfig):
    name = "applications"

    def ready(self) -> None:
        from applications.models import Application, ApplicationDocument, Contact, Document, Interview
        from applications.receivers import forget_attachment, forget_schedule, remove_document_file

        post_delete.connect(remove_document_file, sender=Document, dispatch_uid="applications.remove_document_file")
        for model in (Application, Interview, Contact, Document):
            post_save.connect(forget_schedule, sender=model, dispatch_uid=f"applications.forget_schedule.save.{model.__name__}")
            post_delete.connect(forget_schedule, sender=model, dispatch_uid=f"applications.forget_schedule.delete.{model.__name__}")
        post_save.connect(forget_attachment, sender=ApplicationDocument, dispatch_uid="applications.forget_attachment.save")
        post_delete.connect(forget_attachment, sender=ApplicationDocument, dispatch_uid="applications.forget_attachment.delete")
