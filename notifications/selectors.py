"""Reads behind the saved-search pages; one access helper per private object."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from jobs.models import Job
from notifications.models import Delivery, SavedSearch


def get_saved_search_for(user, pk: int) -> SavedSearch:
    """The seeker's own saved search, or 404: someone else's looks like one that does not exist."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(SavedSearch.objects.of(user), pk=pk)


def latest_jobs(searches: list[SavedSearch]) -> dict[int, Job]:
    """The postings the searches keep as their newest matches, by id, with their companies (one
    query). A posting deleted since is simply missing."""
    ids = {job_id for search in searches for job_id in search.latest_job_ids}
    if not ids:
        return {}
    jobs = (Job.objects.filter(pk__in=ids).select_related("company")
            .defer("description", "search_vector", "search_title", "company__description"))
    return {job.pk: job for job in jobs}


def recent_matches(saved_search: SavedSearch) -> list[dict]:
    """The search's newest matches, newest first; the first `unseen_count` are new to the seeker."""
    jobs = latest_jobs([saved_search])
    return [{"job": jobs[job_id], "new": i < saved_search.unseen_count}
            for i, job_id in enumerate(saved_search.latest_job_ids) if job_id in jobs]


def pending_searches_for(delivery: Delivery) -> list[SavedSearch]:
    """The seeker's searches whose matches this email tells of (daily ones for a digest, instant
    ones for an instant alert), locked until the email is sent or given up."""
    if delivery.kind == Delivery.Kind.REMINDERS:
        return []
    frequency = SavedSearch.Frequency.DAILY if delivery.kind == Delivery.Kind.DIGEST else SavedSearch.Frequency.INSTANT
    return list(SavedSearch.objects.select_for_update().filter(user_id=delivery.user_id, frequency=frequency, pending_count__gt=0)
                .order_by("name", "id"))
