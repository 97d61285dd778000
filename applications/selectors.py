"""Reads for applications that views and API views share."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from applications.cards import Shown
from applications.cache import UPCOMING_TIMEOUT, lookup, schedule_generation, upcoming_key
from applications.models import (
    CLOSED_STATUSES as CLOSED,
    Application,
    ApplicationDeletion,
    ApplicationDocument,
    ApplicationEvent,
    CalendarFeed,
    Contact,
    Document,
    Interview,
    Status,
)

# The newest twenty of an open column (a column is a screen or two of cards), the rest a link to
# the table away ("12 more in the table"): every card shown costs its row and its cached markup,
# so the board's cost follows what it shows, not the seeker's history (150 cards were 30 ms of CPU).
BOARD_COLUMN_LIMIT = 20
# Closed columns start folded to their name and count; opened, their newest cards are enough,
# the rest are a link to the table away. A long history stays off the page.
BOARD_CLOSED_COLUMN_LIMIT = 10
# What a board card shows and is cached under (applications/cards.py), and nothing else, read as
# plain rows: a card is most often served from the cache, and building three model instances per
# card (and whole rows, thirteen dates each) was most of a cached board's time.
CARD_FIELDS = (
    "id", "job_id", "status", "title", "company_name", "salary_min", "salary_max", "salary_currency",
    "applied_at", "created_at", "updated_at", "next_follow_up",
    "job__title", "job__salary_min", "job__salary_max", "job__salary_currency", "job__salary_period",
    "job__company__name",
)
UPCOMING_LIMIT = 5
DELETIONS_SHOWN = 100
# The calendar feed: interviews from a month back (so last week's still show), follow-ups still open.
FEED_PAST_DAYS = 31
FEED_LIMIT = 500


def get_application_for(user, pk) -> Application:
    """The user's own application, or 404: someone else's looks exactly like one that does not exist."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(Application.objects.of(user).for_display(), pk=pk)


def _owned(model, user, pk):
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(model.objects.filter(user=user), pk=pk)


def get_interview_for(user, pk) -> Interview:
    return _owned(Interview, user, pk)


def get_contact_for(user, pk) -> Contact:
    return _owned(Contact, user, pk)


def get_document_for(user, pk) -> Document:
    return _owned(Document, user, pk)


# What a row of the table shows, as plain rows (a row's markup is cached like a card's,
# applications/cards.py): a page of 50 rows never loads the notes (up to 50,000 characters
# each), the dates it does not show, or a model instance.
TABLE_FIELDS = (
    "id", "job_id", "status", "title", "company_name", "archived_at", "created_at", "applied_at",
    "next_follow_up", "updated_at", "job__title", "job__company__name",
)


class TablePaginator(Paginator):
    """Counted and cut on the applications alone, in the table's order; only the page's ids are
    then read with their postings. One query fewer joins: for a seeker whose applications the
    planner under-counts (a few thousand, among seekers who have ten) a single query joined every
    one of them to its posting before sorting (130 ms for 2,000); now the 50 of the page (~1 ms).
    Still two queries: the count and the page (its ids a subquery)."""

    def __init__(self, user, filters: dict, per_page: int):
        self.user, self.filters = user, filters
        super().__init__(applications_filtered(user, filters).values("pk"), per_page)

    def _get_page(self, ids, number, paginator) -> Page:
        rows = applications_filtered(self.user, self.filters).filter(pk__in=ids).values(*TABLE_FIELDS)
        return Page([Shown(row) for row in rows], number, paginator)


def applications_filtered(user, filters: dict, *, archived: str = "active"):
    """The seeker's applications narrowed by the table's filters (cleaned form data), sorted.

    Archived ones are left out unless the filters (or `archived`, the caller's default) ask
    for them: the table hides them by default, the export keeps them.
    """
    return (
        Application.objects.of(user)
        .with_archived(filters.get("archived") or archived)
        .with_status(filters.get("status") or "")
        .at_company((filters.get("company") or "").strip())
        .search((filters.get("q") or "").strip())
        .between(filters.get("date_field") or "created", filters.get("since"), filters.get("until"))
        .sorted_by(filters.get("sort") or "updated")
    )


def board_for(user, *, per_column: int = BOARD_COLUMN_LIMIT, per_closed_column: int = BOARD_CLOSED_COLUMN_LIMIT) -> list[dict]:
    """One column per status of the active (not archived) applications, newest cards first, each
    with its full count and its next interview: two queries."""
    slots = list(Application.objects.of(user).active().board_slots(per_column=per_column, per_closed_column=per_closed_column))
    counts = {status: count for _, status, count in slots}
    columns = {status: [] for status in Status.values}
    cards = (
        Application.objects.filter(pk__in=[pk for pk, _, _ in slots]).with_next_interview(timezone.now())
        .order_by("-updated_at", "-id").values(*CARD_FIELDS, "next_interview_at", "next_interview_kind")
    )
    for row in cards:
        columns[row["status"]].append(Shown(row))
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


def interviews_for(application: Application):
    return Interview.objects.filter(application=application).order_by("starts_at", "id")


def contacts_for(application: Application):
    return Contact.objects.filter(application=application).order_by("created_at", "id")


def attached_documents(application: Application):
    return Document.objects.filter(attachments__application=application).order_by("-created_at", "-id")


def documents_for(user, *, application: Application | None = None):
    """The seeker's library, newest first; with `application`, each flagged `attached` to it (one query)."""
    documents = Document.objects.filter(user=user).order_by("-created_at", "-id")
    if application is not None:
        documents = documents.annotate(
            attached=Exists(ApplicationDocument.objects.filter(application=application, document=OuterRef("pk")))
        )
    return documents


def upcoming_interviews(user, *, limit: int = UPCOMING_LIMIT, now=None) -> list[Interview]:
    """The seeker's next interviews on active applications, soonest first: one query on (user, starts_at)."""
    return list(
        Interview.objects.filter(user=user, starts_at__gte=now or timezone.now(), application__archived_at__isnull=True)
        .select_related("application__job__company")
        .defer("application__job__description", "application__job__search_vector", "application__job__company__description")
        .order_by("starts_at", "id")[:limit]
    )


def upcoming_schedule(user, *, limit: int = UPCOMING_LIMIT) -> list[dict]:
    """The dashboard's upcoming interviews as plain rows, from the cache (no query when warm).

    Cached under the seeker's schedule generation (applications/cache.py) until the first of them
    starts; rows already started are dropped on reading, so a late expiry never shows a past one.
    """
    key = upcoming_key(user.pk, schedule_generation(user.pk), limit)
    rows = lookup(key, layer="upcoming")
    now = timezone.now()
    if rows is None:
        rows = [
            {
                "starts_at": interview.starts_at, "kind": interview.get_kind_display(), "with_whom": interview.with_whom,
                "url": interview.application.get_absolute_url(), "title": interview.application.display_title,
                "company": interview.application.display_company,
            }
            for interview in upcoming_interviews(user, limit=limit, now=now)
        ]
        until_first = (rows[0]["starts_at"] - now).total_seconds() if rows else UPCOMING_TIMEOUT
        cache.set(key, rows, max(1, min(UPCOMING_TIMEOUT, int(until_first))))
    return [row for row in rows if row["starts_at"] >= now]


def deletions_for(user):
    return ApplicationDeletion.objects.filter(user=user).select_related("deleted_by").order_by("-deleted_at", "-id")[:DELETIONS_SHOWN]


def calendar_feed_by_token(token: str) -> CalendarFeed:
    """The feed a calendar app asks for with its secret URL; 404 for any other token."""
    return get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)


def calendar_items(user, *, now=None) -> tuple[list[Interview], list[Application]]:
    """What the calendar feed shows: recent and future interviews, and open follow-ups (two queries)."""
    now = now or timezone.now()
    interviews = list(
        Interview.objects.filter(user=user, starts_at__gte=now - timedelta(days=FEED_PAST_DAYS))
        .select_related("application__job__company")
        .defer("application__job__description", "application__job__search_vector", "application__job__company__description")
        .order_by("starts_at", "id")[:FEED_LIMIT]
    )
    follow_ups = list(
        Application.objects.of(user).active().exclude(status__in=CLOSED).filter(next_follow_up__isnull=False)
        .for_display().order_by("next_follow_up", "id")[:FEED_LIMIT]
    )
    return interviews, follow_ups


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
