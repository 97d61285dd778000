"""What applications tells the layers above it; it never imports them.

`application_changed` is sent once the transaction that changed a seeker's applications has
committed (never for a rolled-back change), with the owner's id. Analytics listens to it to
refresh that seeker's figures; anything else above applications may listen too.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

application_changed = Signal()  # kwargs: user_id
# A seeker's CSV import has committed; kwargs: user_id, count, source.
applications_imported = Signal()


def announce_change(*, user_id: int) -> None:
    """Send `application_changed` for this seeker after the surrounding transaction commits."""
    transaction.on_commit(lambda: application_changed.send(sender=announce_change, user_id=user_id))
