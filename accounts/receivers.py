from __future__ import annotations

from accounts.models import Profile
from accounts.time_zones import DEFAULT, remember_time_zone


def remember_time_zone_at_log_in(sender, request, user, **kwargs) -> None:
    """One query at log-in so that no page afterwards needs one to know the seeker's zone."""
    if request is None or not hasattr(request, "session"):
        return
    zone = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    remember_time_zone(request, zone or DEFAULT)
