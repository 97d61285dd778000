"""What analytics tells the layers above it (notifications), never by import.

`metrics_ready` is sent once a seeker's figures were recomputed after a change of theirs (the
refresh task has committed them). Arguments: user_ids.
"""

from django.dispatch import Signal

metrics_ready = Signal()
