"""Stale-cache switches for every ORM write to the catalogue.

Receivers rather than explicit calls because admin forms and inlines, which this app
does not drive, save jobs, companies and skills too. Bulk writes (QuerySet.update,
bulk_create) send no signals; the services doing them call catalogue_changed() themselves.

One posting saved or deleted evicts its own page and similar jobs, and the lists only when
a list shows what changed (jobs.cache.LISTED_FIELDS); a company or skill changes many
postings' pages at once, so it makes the whole catalogue stale.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import Signal

from jobs.cache import LISTED_FIELDS, catalogue_changed, posting_changed
from jobs.models import Company, Job, JobSkill, SearchAlias, Skill

# Sent by `manage.py import_jobs` when a file has been imported (its writes committed), for the
# apps above jobs (notifications tells the staff). Arguments: source, created, updated, unchanged, bad.
postings_imported = Signal()

# Past this many postings in one skill change, one catalogue-wide bump beats a bump per posting.
MANY_POSTINGS = 100


def _changed(sender, **kwargs) -> None:
    catalogue_changed()


def _job_saving(sender, instance: Job, raw: bool = False, update_fields=None, **kwargs) -> None:
    """Whether this save changes what a list shows: one query for the stored row, only on
    saves of a single posting (admin, services), never on the bulk paths."""
    if instance._state.adding or instance.pk is None:
        instance._jobs_listed_change = True
        return
    fields = [f.attname for f in Job._meta.concrete_fields if f.name in LISTED_FIELDS or f.attname in LISTED_FIELDS]
    if update_fields is not None:
        fields = [name for name in fields if name in update_fields or name.removesuffix("_id") in update_fields]
    if not fields:
        instance._jobs_listed_change = False
        return
    stored = Job.objects.filter(pk=instance.pk).values(*fields).first()
    instance._jobs_listed_change = stored is None or any(stored[name] != getattr(instance, name) for name in fields)


def _job_saved(sender, instance: Job, **kwargs) -> None:
    posting_changed(instance.pk, listed=getattr(instance, "_jobs_listed_change", True))


def _job_deleted(sender, instance: Job, **kwargs) -> None:
    posting_changed(instance.pk)


def _job_skill_changed(sender, instance: JobSkill, **kwargs) -> None:
    posting_changed(instance.job_id)


def _skills_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:  # job.skills.add(...): one posting
        posting_changed(instance.pk)
    elif pk_set is not None and len(pk_set) <= MANY_POSTINGS:  # skill.jobs.add(...): these postings
        for job_id in pk_set:
            posting_changed(job_id)
    else:
        catalogue_changed()


def connect() -> None:
    # A search alias changes what every search finds (jobs.search.current_aliases).
    for model in (Company, Skill, SearchAlias):
        post_save.connect(_changed, sender=model, dispatch_uid=f"jobs-catalogue-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"jobs-catalogue-delete-{model.__name__}")
    pre_save.connect(_job_saving, sender=Job, dispatch_uid="jobs-posting-saving")
    post_save.connect(_job_saved, sender=Job, dispatch_uid="jobs-posting-save")
    post_delete.connect(_job_deleted, sender=Job, dispatch_uid="jobs-posting-delete")
    post_save.connect(_job_skill_changed, sender=JobSkill, dispatch_uid="jobs-posting-skill-save")
    post_delete.connect(_job_skill_changed, sender=JobSkill, dispatch_uid="jobs-posting-skill-delete")
    m2m_changed.connect(_skills_changed, sender=Job.skills.through, dispatch_uid="jobs-catalogue-skills")
