"""Signals accounts sends; higher apps connect to them in their AppConfig.ready."""

from django.dispatch import Signal

# Sent inside account_delete's transaction, before the user's rows go (they cascade with
# the user). For what the database cascade cannot reach: a receiver that keeps files in
# storage collects the user's file names here and removes them with transaction.on_commit,
# so a rolled-back deletion keeps them. Arguments: user.
account_deleting = Signal()

# Sent after a seeker's time zone change committed: figures that follow the seeker's calendar
# (weeks, due follow-ups) must be recomputed. Arguments: user_id.
time_zone_changed = Signal()
