"""The account's part of the seeker's JSON export (careercopilot/views.py assembles the whole)."""

from __future__ import annotations

from django.utils import timezone

from accounts.services import profile_for


def account_data(user) -> dict:
    """Who the seeker is and what they look for: two queries (profile, its skills)."""
    profile = profile_for(user)
    return {
        "username": user.get_username(),
        "email": user.email,
        "date_joined": timezone.localtime(user.date_joined).isoformat(),
        "profile": {
            "headline": profile.headline,
            "skills": list(profile.skills.order_by("name").values_list("name", flat=True)),
            "preferred_locations": list(profile.preferred_locations),
            "remote_preference": profile.remote_preference,
            "desired_experience": profile.desired_experience,
            "desired_salary": profile.desired_salary,
            "salary_currency": profile.salary_currency,
            "time_zone": profile.time_zone,
        },
    }
