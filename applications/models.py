from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q, Value, Window
from django.db.models.functions import Coalesce, NullIf, RowNumber
from django.urls import reverse
from django.utils import timezone

from jobs.dates import validate_date_range


class Status(models.TextChoices):
    SAVED = "saved", "Saved"
    APPLIED = "applied", "Applied"
    INTERVIEWING = "interviewing", "Interviewing"
    OFFER = "offer", "Offer"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    GHOSTED = "ghosted", "Ghosted"


CLOSED_STATUSES = frozenset({Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN, Status.GHOSTED})

# The one place the pipeline's rules live: status -> statuses it may move to.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SAVED: frozenset({Status.APPLIED, Status.WITHDRAWN}),
    Status.APPLIED: frozenset({Status.INTERVIEWING, Status.OFFER, Status.REJECTED, Status.WITHDRAWN, Status.GHOSTED}),
    Status.INTERVIEWING: frozenset({Status.OFFER, Status.REJECTED, Status.WITHDRAWN, Status.GHOSTED}),
    Status.OFFER: frozenset({Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN}),
    Status.ACCEPTED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.WITHDRAWN: frozenset({Status.SAVED}),
    # A ghosting employer sometimes writes back after all.
    Status.GHOSTED: frozenset({Status.INTERVIEWING, Status.OFFER, Status.REJECTED}),
}


# The date each status stamps on the application. Interview and offer keep their first
# date (the analytics count time to first response); closing takes the latest.
STATUS_DATE_FIELD: dict[str, str] = {
    Status.APPLIED: "applied_at",
    Status.INTERVIEWING: "interview_at",
    Status.OFFER: "offer_at",
    Status.ACCEPTED: "closed_at",
    Status.REJECTED: "closed_at",
    Status.WITHDRAWN: "closed_at",
    Status.GHOSTED: "closed_at",
}

# Notes are typed by people; anything bigger is a paste gone wrong and would bloat every export.
NOTE_MAX_CHARS = 5_000
NOTES_MAX_CHARS = 50_000

SORTS: dict[str, tuple[str, ...]] = {
    "updated": ("-updated_at", "-id"),
    "oldest": ("updated_at", "id"),
    "created": ("-created_at", "-id"),
    "applied": ("-applied_at", "-id"),
    "company": ("company_label", "title_label", "id"),
    "title": ("title_label", "company_label", "id"),
    "status": ("status", "-updated_at", "-id"),
    "follow_up": ("next_follow_up", "id"),
}
DATE_FIELDS = {"created": "created_at", "applied": "applied_at", "updated": "updated_at"}


class ApplicationQuerySet(models.QuerySet):
    def of(self, user) -> ApplicationQuerySet:
        return self.filter(user=user)

    def for_display(self) -> ApplicationQuerySet:
        # The posting's long text is never shown in a list; leave it in the database.
        return self.select_related("job__company").defer(
            "job__description", "job__search_vector", "job__company__description"
        )

    def with_names(self) -> ApplicationQuerySet:
        """Annotate company_label and title_label: the application's own, else its posting's.

        The services copy a tracked posting's names onto the application, but rows written in
        bulk (demo data, older rows) may leave them blank and rely on the posting.
        """
        if "company_label" in self.query.annotations:
            return self
        return self.annotate(
            company_label=Coalesce(NullIf(F("company_name"), Value("")), F("job__company__name"), Value("")),
            title_label=Coalesce(NullIf(F("title"), Value("")), F("job__title"), Value("")),
        )

    def with_status(self, status: str) -> ApplicationQuerySet:
        return self.filter(status=status) if status else self

    def at_company(self, company: str) -> ApplicationQuerySet:
        return self.with_names().filter(company_label__icontains=company) if company else self

    def search(self, text: str) -> ApplicationQuerySet:
        """Plain substring match: one seeker's pipeline is hundreds of rows, found by the user index."""
        if not text:
            return self
        return self.with_names().filter(
            Q(title_label__icontains=text) | Q(company_label__icontains=text) | Q(notes__icontains=text)
        )

    def between(self, field: str, since=None, until=None) -> ApplicationQuerySet:
        """Rows whose date `field` (created, applied, updated) falls within [since, until] as days."""
        column = DATE_FIELDS.get(field, "created_at")
        qs = self
        if since:
            qs = qs.filter(**{f"{column}__date__gte": since})
        if until:
            qs = qs.filter(**{f"{column}__date__lte": until})
        return qs

    def sorted_by(self, sort: str) -> ApplicationQuerySet:
        ordering = SORTS.get(sort, SORTS["updated"])
        if any("label" in key for key in ordering):
            return self.with_names().order_by(*ordering)
        return self.order_by(*ordering)

    def similar_to(self, *, company_name: str, title: str) -> ApplicationQuerySet:
        """Applications for what looks like the same posting: same company and title, any case."""
        return self.with_names().filter(company_label__iexact=company_name.strip(), title_label__iexact=title.strip())

    def board_slots(self, *, per_column: int):
        """(id, status, cards in that status) of the newest `per_column` cards of every status.

        One narrow query: the window functions rank and count only ids, statuses and dates, so
        a seeker with thousands of applications does not drag every row through the sort.
        """
        column = {"partition_by": F("status")}
        return (
            self.annotate(
                column_rank=Window(RowNumber(), order_by=[F("updated_at").desc(), F("id").desc()], **column),
                column_count=Window(Count("id"), **column),
            )
            .filter(column_rank__lte=per_column)
            .values_list("id", "status", "column_count")
        )

    def counts_by_status(self) -> dict[str, int]:
        rows = self.order_by().values_list("status").annotate(n=Count("id"))
        return {status: n for status, n in rows}


class Application(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications")
    # Null for an application entered by hand for a posting that is not in the catalogue.
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="applications")
    company_name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SAVED)
    applied_at = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    interview_at = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    offer_at = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    closed_at = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    next_follow_up = models.DateField(null=True, blank=True, validators=[validate_date_range])
    notes = models.TextField(blank=True)
    # Not auto_now: imports and demo data carry their own history.
    created_at = models.DateTimeField(default=timezone.now, validators=[validate_date_range])
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "job"], condition=Q(job__isnull=False), name="application_one_per_user_job"),
        ]
        indexes = [
            models.Index(fields=["user", "status", "-updated_at"], name="application_user_status_idx"),
            models.Index(fields=["user", "-updated_at"], name="application_user_updated_idx"),
            models.Index(fields=["job", "-created_at"], name="application_job_created_idx"),
            models.Index(fields=["user", "next_follow_up"], condition=Q(next_follow_up__isnull=False), name="application_follow_up_idx"),
            models.Index(fields=["status", "updated_at"], condition=Q(status="applied"), name="application_awaiting_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.display_title} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("application_detail", args=[self.pk])

    @property
    def display_title(self) -> str:
        """A hand-entered title wins over the posting's, so the seeker's wording is kept."""
        if self.title:
            return self.title
        return self.job.title if self.job_id else ""

    @property
    def display_company(self) -> str:
        if self.company_name:
            return self.company_name
        return self.job.company.name if self.job_id else ""

    def can_move_to(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS.get(self.status, frozenset())

    @property
    def next_statuses(self) -> list[tuple[str, str]]:
        """(value, label) of the statuses this application may move to, in pipeline order."""
        allowed = ALLOWED_TRANSITIONS.get(self.status, frozenset())
        return [(value, label) for value, label in Status.choices if value in allowed]

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class ApplicationEvent(models.Model):
    """Append-only timeline entry. Never updated or deleted by the application."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS_CHANGED = "status_changed", "Status changed"
        NOTE_ADDED = "note_added", "Note added"
        FOLLOW_UP_SET = "follow_up_set", "Follow-up set"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)
    follow_up = models.DateField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["application", "created_at", "id"], name="event_application_time_idx")]

    def __str__(self) -> str:
        if self.kind == self.Kind.STATUS_CHANGED:
            return f"{self.from_status} → {self.to_status}"
        return self.get_kind_display()
