from django import forms
from django.contrib import admin

from applications.models import (
    NOTES_MAX_CHARS,
    Application,
    ApplicationDeletion,
    ApplicationEvent,
    Contact,
    Document,
    Interview,
)
from applications.services import application_update


class ApplicationEventInline(admin.TabularInline):
    """The timeline is append-only: shown, never edited here."""

    model = ApplicationEvent
    fields = ("created_at", "kind", "from_status", "to_status", "note", "follow_up", "detail", "actor")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at", "id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ApplicationAdminForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ("next_follow_up", "notes")

    def clean_notes(self) -> str:
        notes = self.cleaned_data["notes"]
        if len(notes) > NOTES_MAX_CHARS:
            raise forms.ValidationError(f"Notes can hold at most {NOTES_MAX_CHARS:,} characters (these have {len(notes):,}).")
        return notes


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Support staff read the pipeline and correct notes and follow-ups.

    The status and its dates are read-only: a status change made here would write no event and
    break the timeline's from → to chain. Applications are created by their seekers (the site,
    the API, an import), never here. A save goes through `application_update`, so it leaves
    an event and refreshes the seeker's analytics like any other change.
    """

    list_display = ("__str__", "user", "status", "applied_at", "next_follow_up", "updated_at", "archived_at")
    list_filter = ("status", ("archived_at", admin.EmptyFieldListFilter))
    list_select_related = ("user", "job", "job__company")
    search_fields = ("^user__username", "^company_name", "^title")
    raw_id_fields = ("user", "job")
    inlines = (ApplicationEventInline,)
    form = ApplicationAdminForm
    fields = (
        "user", "job", "company_name", "title", "url", "location", "salary_min", "salary_max", "salary_currency",
        "status", "archived_at", "created_at", "updated_at", "applied_at", "interview_at", "offer_at", "closed_at",
        "next_follow_up", "notes",
    )
    readonly_fields = tuple(name for name in fields if name not in ("next_follow_up", "notes"))
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        current = Application.objects.get(pk=obj.pk)
        application_update(
            application=current, by=request.user,
            notes=form.cleaned_data["notes"], next_follow_up=form.cleaned_data["next_follow_up"],
        )


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(admin.ModelAdmin):
    list_display = ("application", "kind", "from_status", "to_status", "created_at")
    list_filter = ("kind",)
    list_select_related = ("application", "application__job", "application__job__company")
    raw_id_fields = ("application", "actor")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class _ReadOnly(admin.ModelAdmin):
    """Seekers' own records: support staff read them; changes go through the seeker's pages and API."""

    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Interview)
class InterviewAdmin(_ReadOnly):
    list_display = ("__str__", "user", "application", "outcome")
    list_select_related = ("user", "application")
    raw_id_fields = ("user", "application")


@admin.register(Contact)
class ContactAdmin(_ReadOnly):
    list_display = ("name", "role", "user", "application")
    list_select_related = ("user", "application")
    raw_id_fields = ("user", "application")


@admin.register(Document)
class DocumentAdmin(_ReadOnly):
    """Names and sizes only: the files themselves are the seeker's, downloaded by them alone."""

    list_display = ("name", "kind", "file_type", "size", "user", "created_at")
    list_select_related = ("user",)
    fields = ("user", "name", "kind", "file_type", "original_filename", "size", "created_at")
    raw_id_fields = ("user",)


@admin.register(ApplicationDeletion)
class ApplicationDeletionAdmin(_ReadOnly):
    list_display = ("title", "company_name", "status", "user", "deleted_at")
    list_select_related = ("user",)
    raw_id_fields = ("user", "deleted_by")
