from django.conf import settings
from django.db import models


class UserMetrics(models.Model):
    """One precomputed snapshot of a seeker's search; pages read this, never raw rows."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="metrics")
    total = models.PositiveIntegerField(default=0)
    saved = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    interviewing = models.PositiveIntegerField(default=0)
    offer = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    ghosted = models.PositiveIntegerField(default=0)
    # Funnel: how many applications ever reached each stage (not only those sitting there now).
    reached_applied = models.PositiveIntegerField(default=0)
    reached_interviewing = models.PositiveIntegerField(default=0)
    reached_offer = models.PositiveIntegerField(default=0)
    reached_accepted = models.PositiveIntegerField(default=0)
    # Applications that reached applied and then heard back (interview, offer or rejection).
    responded = models.PositiveIntegerField(default=0)
    response_rate = models.FloatField(null=True, blank=True)
    interview_rate = models.FloatField(null=True, blank=True)
    offer_rate = models.FloatField(null=True, blank=True)
    median_days_to_response = models.FloatField(null=True, blank=True)
    stage_days = models.JSONField(default=dict, blank=True)
    weekly_applications = models.JSONField(default=list, blank=True)
    top_companies = models.JSONField(default=list, blank=True)
    top_skills = models.JSONField(default=list, blank=True)
    follow_ups_due = models.PositiveIntegerField(default=0)
    # The earliest open follow-ups (id, date, title, company), so the dashboard needs no query.
    follow_ups = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "user metrics"
        indexes = [models.Index(fields=["computed_at"], name="usermetrics_computed_idx")]

    def __str__(self) -> str:
        return f"Metrics of user {self.user_id}"


class PlatformDailyStats(models.Model):
    day = models.DateField(unique=True)
    postings = models.PositiveIntegerField(default=0)
    active_postings = models.PositiveIntegerField(default=0)
    applications = models.PositiveIntegerField(default=0)
    new_users = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]
        verbose_name_plural = "platform daily stats"

    def __str__(self) -> str:
        return str(self.day)
