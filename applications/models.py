from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Status(models.TextChoices):
    SAVED = "saved", "Saved"
    APPLIED = "applied", "Applied"
    INTERVIEWING = "interviewing", "Interviewing"
    OFFER = "offer", "Offer"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    GHOSTED = "ghosted", "Ghosted"


CLOSED_STATUSES = frozenset({Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN, Status.GHOSTED})

# The one place the pipeline's rules live: status -> statuses it may move to.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SAVED: frozenset({Status.APPLIED, Status.WITHDRAWN}),
    Status.APPLIED: frozenset({Status.INTERVIEWING, Status.OFFER, Status.REJECTED, Status.WITHDRAWN, Status.GHOSTED}),
    Status.INTERVIEWING: frozenset({Status.OFFER, Status.REJECTED, Status.WITHDRAWN, Status.GHOSTED}),
    Status.OFFER: frozenset({Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN}),
    Status.ACCEPTED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.WITHDRAWN: frozenset({Status.SAVED}),
    # A ghosting employer sometimes writes back after all.
    Status.GHOSTED: frozenset({Status.INTERVIEWING, Status.OFFER, Status.REJECTED}),
}


class ApplicationQuerySet(models.QuerySet):
    def of(self, user) -> ApplicationQuerySet:
        return self.filter(user=user)


class Application(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications")
    # Null for an application entered by hand for a posting that is not in the catalogue.
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="applications")
    company_name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SAVED)
    applied_at = models.DateTimeField(null=True, blank=True)
    interview_at = models.DateTimeField(null=True, blank=True)
    offer_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    next_follow_up = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # Not auto_now: imports and demo data carry their own history.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "job"], condition=Q(job__isnull=False), name="application_one_per_user_job"),
        ]
        indexes = [
            models.Index(fields=["user", "status", "-updated_at"], name="application_user_status_idx"),
            models.Index(fields=["user", "-updated_at"], name="application_user_updated_idx"),
            models.Index(fields=["job", "-created_at"], name="application_job_created_idx"),
            models.Index(fields=["user", "next_follow_up"], condition=Q(next_follow_up__isnull=False), name="application_follow_up_idx"),
            models.Index(fields=["status", "updated_at"], condition=Q(status="applied"), name="application_awaiting_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.display_title} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("application_detail", args=[self.pk])

    @property
    def display_title(self) -> str:
        """A hand-entered title wins over the posting's, so the seeker's wording is kept."""
        if self.title:
            return self.title
        return self.job.title if self.job_id else ""

    @property
    def display_company(self) -> str:
        if self.company_name:
            return self.company_name
        return self.job.company.name if self.job_id else ""

    def can_move_to(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS.get(self.status, frozenset())


class ApplicationEvent(models.Model):
    """Append-only timeline entry. Never updated or deleted by the application."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS_CHANGED = "status_changed", "Status changed"
        NOTE_ADDED = "note_added", "Note added"
        FOLLOW_UP_SET = "follow_up_set", "Follow-up set"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)
    follow_up = models.DateField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["application", "created_at", "id"], name="event_application_time_idx")]

    def __str__(self) -> str:
        if self.kind == self.Kind.STATUS_CHANGED:
            return f"{self.from_status} → {self.to_status}"
        return self.get_kind_display()
