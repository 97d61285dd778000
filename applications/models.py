from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import Coalesce, NullIf, RowNumber, Upper
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
    # Interviewing straight from saved: a recruiter called before the seeker applied.
    Status.SAVED: frozenset({Status.APPLIED, Status.INTERVIEWING, Status.WITHDRAWN}),
    Status.APPLIED: frozenset({Status.INTERVIEWING, Status.OFFER, Status.REJECTED, Status.WITHDRAWN, Status.GHOSTED}),
    Status.INTERVIEWING: frozenset({Status.OFFER, Status.REJECTED, Status.WITHDRAWN, Status.GHOSTED}),
    Status.OFFER: frozenset({Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN}),
    Status.ACCEPTED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.WITHDRAWN: frozenset({Status.SAVED}),
    # A ghosting employer sometimes writes back after all.
    Status.GHOSTED: frozenset({Status.INTERVIEWING, Status.OFFER, Status.REJECTED}),
}

# Rejected and accepted are final for an ordinary move; reopening one takes a reason, which the
# timeline keeps (the company came back, the offer was withdrawn before the start date).
REOPEN_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REJECTED: frozenset({Status.APPLIED, Status.INTERVIEWING, Status.OFFER}),
    Status.ACCEPTED: frozenset({Status.INTERVIEWING, Status.OFFER}),
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

    def active(self) -> ApplicationQuerySet:
        """Not archived: what the board, its counts and the pipeline figures show."""
        return self.filter(archived_at__isnull=True)

    def archived(self) -> ApplicationQuerySet:
        return self.filter(archived_at__isnull=False)

    def with_archived(self, choice: str) -> ApplicationQuerySet:
        """The table's archive filter: "active" (the default), "only", or "include" for both."""
        if choice == "include":
            return self
        return self.archived() if choice == "only" else self.active()

    def with_next_interview(self, now) -> ApplicationQuerySet:
        """Annotate next_interview_at and next_interview_kind: the first round still to come.

        Two correlated subqueries on the (application, starts_at) index, inside the cards'
        own query, so a board of 240 cards still costs no extra query.
        """
        upcoming = Interview.objects.filter(application=OuterRef("pk"), starts_at__gte=now).order_by("starts_at", "id")
        return self.annotate(
            next_interview_at=Subquery(upcoming.values("starts_at")[:1]),
            next_interview_kind=Subquery(upcoming.values("kind")[:1]),
        )

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
        """Applications for what looks like the same posting: same company and title, any case.

        Compared on the application's own names first: the services copy them onto every row, so
        only rows that left one blank (bulk-written) need the posting's, and only those are joined
        to it. Joining every row cost a seeker with 2,000 applications ~100 ms on a cold cache.
        """
        company, title = company_name.strip(), title.strip()
        blank = (
            self.filter(Q(company_name="") | Q(title="")).with_names()
            .filter(company_label__iexact=company, title_label__iexact=title).values("pk")
        )
        # One set of ids (a union), not an OR with a subquery: each half is then an index lookup
        # (application_user_names_idx, application_blank_names_idx) whatever the seeker's history.
        named = self.filter(company_name__iexact=company, title__iexact=title).order_by().values("pk")
        return self.filter(pk__in=named.union(blank.order_by()))

    def board_slots(self, *, per_column: int, per_closed_column: int | None = None):
        """(id, status, cards in that status) of the newest `per_column` cards of every status
        (`per_closed_column` of a closed one).

        One narrow query: the window functions rank and count only ids, statuses and dates, so
        a seeker with thousands of applications does not drag every row through the sort.
        """
        column = {"partition_by": F("status")}
        closed = per_column if per_closed_column is None else per_closed_column
        return (
            self.annotate(
                column_rank=Window(RowNumber(), order_by=[F("updated_at").desc(), F("id").desc()], **column),
                column_count=Window(Count("id"), **column),
                column_limit=Case(When(status__in=CLOSED_STATUSES, then=Value(closed)), default=Value(per_column)),
            )
            .filter(column_rank__lte=F("column_limit"))
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
    # A database default too, so bulk writers that name their columns (seed_demo's COPY, raw SQL)
    # need not know about these.
    location = models.CharField(max_length=200, blank=True, default="", db_default="")
    # What the seeker was told or negotiated, a yearly amount in `salary_currency` (ISO 4217).
    salary_min = models.PositiveIntegerField(null=True, blank=True)
    salary_max = models.PositiveIntegerField(null=True, blank=True)
    salary_currency = models.CharField(max_length=3, blank=True, default="", db_default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SAVED)
    applied_at = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    interview_at = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    offer_at = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    closed_at = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    next_follow_up = models.DateField(null=True, blank=True, validators=[validate_date_range])
    notes = models.TextField(blank=True)
    # Archived: off the board and the pipeline counts, still in the table's search and in exports.
    archived_at = models.DateTimeField(null=True, blank=True)
    # Not auto_now: imports and demo data carry their own history.
    created_at = models.DateTimeField(default=timezone.now, validators=[validate_date_range])
    updated_at = models.DateTimeField(default=timezone.now)
    documents = models.ManyToManyField("Document", through="ApplicationDocument", related_name="applications", blank=True)

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
            # similar_to (the application page's "you also track"): an index lookup, not a scan of
            # every application the seeker has; rows that left a name to their posting are few.
            models.Index(F("user"), Upper("company_name"), Upper("title"), name="application_user_names_idx"),
            models.Index(fields=["user"], condition=Q(company_name="") | Q(title=""), name="application_blank_names_idx"),
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

    @property
    def display_location(self) -> str:
        if self.location:
            return self.location
        return self.job.location if self.job_id else ""

    @property
    def display_salary(self) -> str:
        """"EUR 70,000–80,000": the seeker's own figures, else the posting's."""
        low, high, currency = self.salary_min, self.salary_max, self.salary_currency
        if low is None and high is None and self.job_id:
            low, high, currency = self.job.salary_min, self.job.salary_max, self.job.salary_currency
        if low is None and high is None:
            return ""
        amounts = "–".join(f"{value:,}" for value in (low, high) if value is not None)
        if low is not None and high is not None and low == high:
            amounts = f"{low:,}"
        return f"{currency} {amounts}".strip()

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def reopen_statuses(self) -> list[tuple[str, str]]:
        allowed = REOPEN_TRANSITIONS.get(self.status, frozenset())
        return [(value, label) for value, label in Status.choices if value in allowed]

    @property
    def takes_follow_up(self) -> bool:
        """A closed application takes no follow-up until it is reopened."""
        return not self.is_closed

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
        STATUS_UNDONE = "status_undone", "Status change undone"
        NOTE_ADDED = "note_added", "Note added"
        FOLLOW_UP_SET = "follow_up_set", "Follow-up set"
        EDITED = "edited", "Details edited"
        ARCHIVED = "archived", "Archived"
        UNARCHIVED = "unarchived", "Unarchived"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)
    follow_up = models.DateField(null=True, blank=True)
    # What the change replaced, so it can be shown and undone: {"prior": {field: old value}} for a
    # status change (the dates it wrote), {"changes": {field: [old, new]}} for an edit,
    # {"undoes": event id, "prior": {...}} for an undo.
    detail = models.JSONField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["application", "created_at", "id"], name="event_application_time_idx")]

    def __str__(self) -> str:
        if self.kind in (self.Kind.STATUS_CHANGED, self.Kind.STATUS_UNDONE):
            return f"{self.from_status} → {self.to_status}"
        return self.get_kind_display()

    @property
    def changes(self) -> list[tuple[str, str, str]]:
        """(field label, old, new) of an edit, for the timeline."""
        changed = (self.detail or {}).get("changes", {})
        return [(EDIT_LABELS.get(name, name), old, new) for name, (old, new) in changed.items()]


STATUS_EVENT_KINDS = (ApplicationEvent.Kind.STATUS_CHANGED, ApplicationEvent.Kind.STATUS_UNDONE)
EDIT_LABELS = {
    "title": "Title", "company_name": "Company", "url": "Link", "location": "Location",
    "salary_min": "Salary from", "salary_max": "Salary to", "salary_currency": "Currency",
}


def last_undoable_change(events) -> ApplicationEvent | None:
    """The status change an undo would revert, from the timeline (oldest first), or None.

    Only the latest status event counts, and only if it is a change rather than an undo: one
    step back, never an undo of an undo (which would be the change again, better made as one).
    """
    last = None
    for event in events:
        if event.kind in STATUS_EVENT_KINDS:
            last = event
    if last is not None and last.kind == ApplicationEvent.Kind.STATUS_CHANGED and last.from_status:
        return last
    return None


class Interview(models.Model):
    """One scheduled round of an application. `user` repeats the owner for the per-user index and access."""

    class Kind(models.TextChoices):
        PHONE_SCREEN = "phone_screen", "Phone screen"
        VIDEO = "video", "Video call"
        TECHNICAL = "technical", "Technical"
        TAKE_HOME = "take_home", "Take-home review"
        ONSITE = "onsite", "On-site"
        PANEL = "panel", "Panel"
        FINAL = "final", "Final round"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        PENDING = "", "Not yet known"
        PASSED = "passed", "Passed"
        DECLINED = "declined", "Not passed"
        CANCELLED = "cancelled", "Cancelled"
        RESCHEDULED = "rescheduled", "Rescheduled"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interviews")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="interviews")
    starts_at = models.DateTimeField(validators=[validate_date_range])
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.VIDEO)
    with_whom = models.CharField(max_length=200, blank=True)
    location = models.CharField("where or link", max_length=500, blank=True)
    notes = models.TextField(blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        # With the id, the index is in the (starts_at, id) order every read asks for, so "the next
        # five" and "the next one per card" stop after a few rows instead of sorting them all.
        indexes = [
            models.Index(fields=["application", "starts_at", "id"], name="interview_application_idx"),
            models.Index(fields=["user", "starts_at", "id"], name="interview_user_starts_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def location_is_link(self) -> bool:
        return self.location.startswith(("https://", "http://"))


class Contact(models.Model):
    """Someone the seeker deals with about one application."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    profile_url = models.URLField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["application", "created_at"], name="contact_application_idx")]

    def __str__(self) -> str:
        return self.name


def document_storage():
    """The "documents" storage (README, Configuration): the filesystem by default, S3 when set."""
    return storages["documents"]


def document_path(document: "Document", filename: str) -> str:
    # Never the uploaded name: a random one per file, under the owner, with the checked type's extension.
    return f"documents/{document.user_id}/{secrets.token_hex(16)}{Document.EXTENSIONS[document.file_type]}"


class Document(models.Model):
    """A résumé or cover-letter version, uploaded once and attached to any number of applications."""

    class Kind(models.TextChoices):
        RESUME = "resume", "Résumé"
        COVER_LETTER = "cover_letter", "Cover letter"
        OTHER = "other", "Other"

    class FileType(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"
        TXT = "txt", "Plain text"

    EXTENSIONS = {"pdf": ".pdf", "docx": ".docx", "txt": ".txt"}
    CONTENT_TYPES = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "txt": "text/plain; charset=utf-8",
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.RESUME)
    name = models.CharField(max_length=200, help_text="Which version this is, e.g. “Backend, March”.")
    file = models.FileField(upload_to=document_path, storage=document_storage, max_length=200)
    file_type = models.CharField(max_length=4, choices=FileType.choices)
    original_filename = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="document_user_created_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def download_name(self) -> str:
        """The name it was uploaded with, ending in the extension of what it really is."""
        stem = self.original_filename.rsplit(".", 1)[0] if "." in self.original_filename else self.original_filename
        return f"{stem or 'document'}{self.EXTENSIONS[self.file_type]}"

    @property
    def content_type(self) -> str:
        return self.CONTENT_TYPES[self.file_type]


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="attachments")
    attached_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "document"], name="document_attached_once")]
        indexes = [models.Index(fields=["document"], name="attachment_document_idx")]

    def __str__(self) -> str:
        return f"{self.document_id} on {self.application_id}"


class ApplicationDeletion(models.Model):
    """What the seeker deleted and when: names and counts only, never the content.

    Deleting an application removes it with its timeline, interviews and contacts; this row
    lets the owner see afterwards what went (from any browser, the API or a script using their
    token), which a one-off message would not. It goes with the account.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="application_deletions")
    application_id = models.BigIntegerField()
    title = models.CharField(max_length=200)
    company_name = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices)
    events = models.PositiveIntegerField(default=0)
    interviews = models.PositiveIntegerField(default=0)
    contacts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(help_text="When the application was added.")
    deleted_at = models.DateTimeField(default=timezone.now)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-deleted_at", "-id"]
        indexes = [models.Index(fields=["user", "-deleted_at"], name="deletion_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.title} at {self.company_name} (deleted)"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret that makes a seeker's iCalendar URL; resetting it retires every copy of the old URL."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of user {self.user_id}"
