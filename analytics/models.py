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
    # The status counts above leave out archived applications (off the board); this counts those.
    # Everything below (funnel, rates, weeks, top lists) includes them: archiving must not rewrite history.
    archived = models.PositiveIntegerField(default=0)
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

    @property
    def funnel(self) -> list[dict]:
        """Each stage with how many reached it and the share of the previous stage that did."""
        stages = [
            ("Saved", self.total),
            ("Applied", self.reached_applied),
            ("Interviewing", self.reached_interviewing),
            ("Offer", self.reached_offer),
            ("Accepted", self.reached_accepted),
        ]
        steps, previous = [], None
        for label, count in stages:
            conversion = None if previous is None else (count / previous if previous else None)
            steps.append({"label": label, "count": count, "conversion": conversion})
            previous = count
        return steps


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


class TrendingJob(models.Model):
    """The postings seekers track most in the last days; rank 1 is the hottest."""

    rank = models.PositiveSmallIntegerField(unique=True)
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="+")
    applications = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return f"#{self.rank}: job {self.job_id}"


class TrendingSkill(models.Model):
    """Skills of the postings seekers tracked in the last days, most tracked first."""

    rank = models.PositiveSmallIntegerField(unique=True)
    skill = models.ForeignKey("jobs.Skill", on_delete=models.CASCADE, related_name="+")
    applications = models.PositiveIntegerField()
    postings = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return f"#{self.rank}: skill {self.skill_id}"


class Checkpoint(models.Model):
    """When a periodic job last finished, so the next run only looks at what changed since."""

    name = models.CharField(max_length=60, unique=True)
    ran_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.ran_at:%Y-%m-%d %H:%M}"


class NotInterested(models.Model):
    """A posting a seeker asked not to be recommended again ("Not interested"), until undone."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "not interested"
        verbose_name_plural = "not interested"
        constraints = [models.UniqueConstraint(fields=["user", "job"], name="notinterested_unique_user_job")]
        # The seeker's own list, newest first; the unique (user, job) index serves the exclusion.
        indexes = [models.Index(fields=["user", "-created_at"], name="notinterested_user_recent_idx")]

    def __str__(self) -> str:
        return f"user {self.user_id} not interested in job {self.job_id}"
