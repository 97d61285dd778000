"""Reads for applications that views and API views share."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from applications.models import Application, ApplicationEvent, Status

BOARD_COLUMN_LIMIT = 30


def get_application_for(user, pk) -> Application:
    """The user's own application, or 404: someone else's looks exactly like one that does not exist."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Application.objects.of(user).for_display(), pk=pk)


def applications_filtered(user, filters: dict):
    """The seeker's applications narrowed by the table's filters (cleaned form data), sorted."""
    return (
        Application.objects.of(user)
        .with_status(filters.get("status") or "")
        .at_company((filters.get("company") or "").strip())
        .search((filters.get("q") or "").strip())
        .between(filters.get("date_field") or "created", filters.get("since"), filters.get("until"))
        .sorted_by(filters.get("sort") or "updated")
    )


def board_for(user, *, per_column: int = BOARD_COLUMN_LIMIT) -> list[dict]:
    """One column per status, newest cards first, each with its full count: two queries."""
    slots = list(Application.objects.of(user).board_slots(per_column=per_column))
    counts = {status: count for _, status, count in slots}
    columns = {status: [] for status in Status.values}
    cards = Application.objects.filter(pk__in=[pk for pk, _, _ in slots]).for_display().order_by("-updated_at", "-id")
    for application in cards:
        columns[application.status].append(application)
    return [
        {
            "status": status,
            "label": label,
            "cards": columns[status],
            "count": counts.get(status, 0),
            "hidden": counts.get(status, 0) - len(columns[status]),
        }
        for status, label in Status.choices
    ]


def timeline_for(application: Application):
    return ApplicationEvent.objects.filter(application=application).select_related("actor").order_by("created_at", "id")


def similar_applications(user, *, company_name: str, title: str, exclude_pk=None):
    if not company_name.strip() or not title.strip():
        return Application.objects.none()
    qs = Application.objects.of(user).similar_to(company_name=company_name, title=title)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("-updated_at")


def tracked_keys(user) -> set[tuple[str, str]]:
    """(company, title) of everything the seeker tracks, case-folded: what an import checks against."""
    rows = Application.objects.of(user).with_names().values_list("company_label", "title_label")
    return {(company.strip().casefold(), title.strip().casefold()) for company, title in rows}
