"""Saved searches and their alerts, the in-app inbox, and the record of every email sent.

A saved search remembers a query as the /jobs/ form reads it (`query`, normalised) and two
positions on the catalogue's (posted_at, id) order: `mark` (the newest posting already
matched, so a run never alerts twice nor skips one) and `seen` (where the seeker last looked).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

class SavedSearchQuerySet(models.QuerySet):
    def of(self, user) -> SavedSearchQuerySet:
        return self.filter(user=user)


class SavedSearch(models.Model):
    class Frequency(models.TextChoices):
        OFF = "off", "No email"
        DAILY = "daily", "Daily digest"
        INSTANT = "instant", "Instantly"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=100)
    # The /jobs/ form's fields that decide the set (q, filters; no page): notifications.queries.
    query = models.JSONField(default=dict)
    # sha1 of the canonical query: saved searches with the same one are matched together.
    query_key = models.CharField(max_length=40, db_index=True)
    sort = models.CharField(max_length=12, default="newest")
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    # High-water mark: every posting at or before (mark_posted_at, mark_job_id) was matched already.
    mark_posted_at = models.DateTimeField()
    mark_job_id = models.BigIntegerField(default=0)
    # Where the seeker last looked, and how many matches arrived since (exact; the rows kept are capped).
    seen_at = models.DateTimeField(default=timezone.now)
    unseen_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SavedSearchQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["user", "name"], name="savedsearch_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"

    def get_absolute_url(self) -> str:
        return reverse("saved_search_detail", args=[self.pk])

    @property
    def emails(self) -> bool:
        return self.frequency != self.Frequency.OFF


class AlertMatch(models.Model):
    """A new posting a saved search matched. At most MATCHES_KEPT per search and run are kept
    (the count is exact on the saved search); `delivery` is the email that told of it, once one did."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="matches")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="+")
    posted_at = models.DateTimeField()
    matched_at = models.DateTimeField(default=timezone.now)
    delivery = models.ForeignKey("Delivery", null=True, blank=True, on_delete=models.SET_NULL, related_name="matches")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["saved_search", "job"], name="alertmatch_unique")]
        indexes = [
            models.Index(fields=["saved_search", "-posted_at", "-job"], name="alertmatch_search_idx"),
            # What the next digest takes: a user's matches no email told of yet.
            models.Index(fields=["user"], condition=Q(delivery__isnull=True), name="alertmatch_undelivered_idx"),
        ]


class Delivery(models.Model):
    """One email, keyed so it is built and sent once: (user, kind, day) for the daily digest and
    the morning reminders, (user, kind, run) for instant alerts. Sent is set in the transaction
    that hands the message to the mail server; a worker killed mid-batch leaves the rest pending."""

    class Kind(models.TextChoices):
        DIGEST = "digest", "Daily digest of new matches"
        INSTANT = "instant", "Instant alert of new matches"
        REMINDERS = "reminders", "Morning reminders"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    day = models.DateField()
    # 0 for the once-a-day kinds; the matcher run's number for instant alerts.
    run = models.BigIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "day", "run"], name="delivery_unique_key")]
        indexes = [models.Index(fields=["id"], condition=Q(status="pending"), name="delivery_pending_idx")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id} on {self.day} ({self.status})"


class Notification(models.Model):
    class Kind(models.TextChoices):
        MATCHES = "matches", "New matches"
        REMINDER = "reminder", "Reminder"
        SYSTEM = "system", "System message"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_idx"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.user_id})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
