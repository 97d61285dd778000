from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from accounts.time_zones import DEFAULT as DEFAULT_TIME_ZONE
from accounts.time_zones import is_time_zone
from jobs.models import Job


def validate_time_zone(value: str) -> None:
    if not is_time_zone(value):
        raise ValidationError("Pick a time zone from the list, for example Europe/Berlin.")


class Profile(models.Model):
    """What the seeker is looking for; drives recommendations."""

    class RemotePreference(models.TextChoices):
        ANY = "any", "No preference"
        ONSITE = "onsite", "On-site"
        HYBRID = "hybrid", "Hybrid"
        REMOTE = "remote", "Remote only"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    headline = models.CharField(max_length=200, blank=True)
    skills = models.ManyToManyField("jobs.Skill", related_name="profiles", blank=True)
    preferred_locations = models.JSONField(default=list, blank=True)
    remote_preference = models.CharField(max_length=10, choices=RemotePreference.choices, default=RemotePreference.ANY)
    desired_experience = models.CharField(max_length=10, choices=Job.ExperienceLevel.choices, blank=True)
    desired_salary = models.PositiveIntegerField(null=True, blank=True)
    salary_currency = models.CharField(max_length=3, default="USD")
    time_zone = models.CharField(
        max_length=64, default=DEFAULT_TIME_ZONE, validators=[validate_time_zone],
        help_text="Every date and time you see is shown in this zone.",
    )
    # Email per kind (notifications sends them; each email's one-click unsubscribe turns its kind off).
    email_alerts = models.BooleanField("Email me new matches of my saved searches", default=True, db_default=True)
    email_reminders = models.BooleanField("Email me my follow-ups and interviews each morning", default=True, db_default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"
