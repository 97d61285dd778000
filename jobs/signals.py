"""Stale-cache switch for every ORM write to the catalogue.

Receivers rather than explicit calls because admin forms and inlines, which this app
does not drive, save jobs, companies and skills too. Bulk writes (QuerySet.update,
bulk_create) send no signals; the services doing them call catalogue_changed() themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from jobs.cache import catalogue_changed
from jobs.models import Company, Job, JobSkill, SearchAlias, Skill


def _changed(sender, **kwargs) -> None:
    catalogue_changed()


def connect() -> None:
    for model in (Job, Company, Skill, JobSkill, SearchAlias):
        post_save.connect(_changed, sender=model, dispatch_uid=f"jobs-catalogue-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"jobs-catalogue-delete-{model.__name__}")
    m2m_changed.connect(_changed, sender=Job.skills.through, dispatch_uid="jobs-catalogue-skills")
