"""Saved searches and their alerts, the in-app inbox, and the record of every email sent.

A saved search remembers a query as the /jobs/ form reads it (`query`, normalised), a position
on the catalogue's (posted_at, id) order, `mark` (the newest posting already matched, so a run
never alerts twice nor skips one), and what its readers need of the matches: two exact counts
(since the seeker last looked; since an email last told of them) and the newest few postings.
No row per match: the matches of one day number millions (5,000 postings x 89,000 searches
matched ten million times at full size), and every reader wants only a count and a few.
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
    # Where the seeker last looked, and how many matches arrived since (exact).
    seen_at = models.DateTimeField(default=timezone.now)
    unseen_count = models.PositiveIntegerField(default=0)
    # Matches no email told of yet (exact; emailing searches only): the next digest or instant
    # alert tells of them and sets it back to 0 in the transaction that sends it.
    pending_count = models.PositiveIntegerField(default=0)
    # The newest matched postings, newest first, at most matcher.MATCHES_KEPT: what the page and
    # an email list (the newest `pending_count` of them are the ones no email told of).
    latest_job_ids = models.JSONField(default=list, blank=True)
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
    # New-matches notifications only: the matches it tells of and the saved searches they are for.
    # A seeker has at most one unread new-matches notification: a matcher run folds its matches
    # into it (the count, the text, and the time, so it goes back to the top) instead of adding
    # another; once read, the next run starts a fresh one.
    match_count = models.PositiveIntegerField(default=0)
    search_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_idx"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(kind="matches", read_at__isnull=True),
                                    name="notification_one_unread_matches"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.user_id})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
