"""One seeker with many applications (`seed_demo --heavy-seeker N`), so the logged-in pages can
be measured at the size a busy seeker reaches: the pipeline, board, dashboard and export of a
seeker with 2,000 applications. Written through the services, as a seeker's own clicks would."""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model

from applications.models import Application, Status
from applications.services import application_change_status, application_create
from jobs.models import Job

HEAVY_USERNAME = "heavy"

# Where a busy seeker's applications stand: mostly applied and waiting, some further along.
PATHS = [
    ([], 15),
    ([Status.APPLIED], 45),
    ([Status.APPLIED, Status.INTERVIEWING], 12),
    ([Status.APPLIED, Status.REJECTED], 15),
    ([Status.APPLIED, Status.GHOSTED], 8),
    ([Status.APPLIED, Status.INTERVIEWING, Status.OFFER], 3),
    ([Status.WITHDRAWN], 2),
]


def seed_heavy_seeker(count: int, *, password: str, seed: int) -> tuple[object, int]:
    """The `heavy` seeker (created if missing, password set only then) brought up to `count`
    applications on open postings; returns the user and how many were added."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=HEAVY_USERNAME, defaults={"email": "heavy@seed.example.com"})
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    have = Application.objects.filter(user=user).count()
    wanted = max(0, count - have)
    if not wanted:
        return user, 0
    rng = random.Random(seed)
    taken = set(Application.objects.filter(user=user, job__isnull=False).values_list("job_id", flat=True))
    top = Job.objects.active().order_by("-id").values_list("id", flat=True).first() or 0
    # Open postings spread over the catalogue, by id ranges (no ORDER BY random() over a million rows).
    candidates = list(Job.objects.active().filter(id__gt=rng.randrange(max(1, top - wanted * 50)))
                      .order_by("id").values_list("id", flat=True)[: wanted * 3])
    rng.shuffle(candidates)
    jobs = Job.objects.in_bulk([pk for pk in candidates if pk not in taken][:wanted])
    paths, weights = zip(*PATHS)
    added = 0
    for job in jobs.values():
        application = application_create(user=user, job=job)
        for status in rng.choices(paths, weights)[0]:
            application = application_change_status(application=application, to_status=status, by=user)
        added += 1
    return user, added
