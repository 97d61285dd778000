"""Applications' own receivers: what the database cannot do when a row goes, and its own cache.

A document's file lives in storage, not in the row. However the row goes — the library's
delete, the admin, or the cascade when the seeker deletes their account — its file is removed
once the deletion has committed (a rolled-back deletion keeps it).
"""

from __future__ import annotations

import logging

from django.db import transaction

from applications.cache import bump_schedule

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


def forget_schedule(sender, *, user_id: int, **kwargs) -> None:
    """An application changed (a title, an archive, a deletion): the cached upcoming interviews name it."""
    bump_schedule(user_id)  # the cache never raises (careercopilot/cache_backends.py); the timeout bounds the rest
