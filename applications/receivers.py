"""Applications' own receivers: what the database cannot do when a row goes, and its own cache.

An application or an interview saved or deleted, however it is written (a service, the admin,
a shell, the cascade of an account deletion), makes its seeker's kept pages stale once the
write commits: the board, the table, the upcoming interviews, the application page
(applications/cache.py); so does a contact, a document or an attachment (the application page
lists them). The
one place that bumps for single writes; bulk writes send no signals and bump themselves.
Each service write saves one application or one interview (its events are not watched), so it
bumps once, as before; a deleted account's rows bump nothing (no one will see the pages).

A document's file lives in storage, not in the row. However the row goes — the library's
delete, the admin, or the cascade when the seeker deletes their account — its file is removed
once the deletion has committed (a rolled-back deletion keeps it).
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction

from applications.cache import schedule_changed

log = logging.getLogger(__name__)


def remove_document_file(sender, instance, **kwargs) -> None:
    storage, name = instance.file.storage, instance.file.name
    if not name:
        return

    def remove() -> None:
        try:
            storage.delete(name)
        except Exception:  # the row is gone either way; a stray file is logged, not a 500
            log.warning("could not remove the file %s of a deleted document", name, exc_info=True)

    transaction.on_commit(remove)


def forget_schedule(sender, instance, raw: bool = False, origin=None, **kwargs) -> None:
    """An application or an interview was written: its seeker's board, table and upcoming
    interviews show it. Fixtures being loaded (`raw`) have no pages kept yet."""
    if raw or isinstance(origin, get_user_model()):
        return
    schedule_changed(instance.user_id)


def forget_attachment(sender, instance, raw: bool = False, origin=None, **kwargs) -> None:
    """A document attached or detached: the application page lists it. The row names no seeker;
    the document does (one query). Deleting the document or the application bumps by itself."""
    from applications.models import Application, Document

    if raw or isinstance(origin, (get_user_model(), Application, Document)):
        return
    user_id = Document.objects.filter(pk=instance.document_id).values_list("user_id", flat=True).first()
    if user_id is not None:
        schedule_changed(user_id)
