"""Reads behind the saved-search pages; one access helper per private object."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from notifications.models import AlertMatch, SavedSearch


def get_saved_search_for(user, pk: int) -> SavedSearch:
    """The seeker's own saved search, or 404: someone else's looks like one that does not exist."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(SavedSearch.objects.of(user), pk=pk)


def recent_matches(saved_search: SavedSearch, *, limit: int = 50) -> list[AlertMatch]:
    """The newest kept matches with their postings and companies (one query)."""
    return list(
        AlertMatch.objects.filter(saved_search=saved_search)
        .select_related("job__company")
        .defer("job__description", "job__search_vector", "job__search_title", "job__company__description")
        .order_by("-posted_at", "-job_id")[:limit]
    )
