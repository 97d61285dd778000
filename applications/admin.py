from django.contrib import admin

from applications.models import Application, ApplicationEvent


class ApplicationEventInline(admin.TabularInline):
    """The timeline is append-only: shown, never edited here."""

    model = ApplicationEvent
    fields = ("created_at", "kind", "from_status", "to_status", "note", "follow_up", "actor")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at", "id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "user", "status", "applied_at", "next_follow_up", "updated_at")
    list_filter = ("status",)
    list_select_related = ("user", "job", "job__company")
    search_fields = ("^user__username", "^company_name", "^title")
    raw_id_fields = ("user", "job")
    inlines = (ApplicationEventInline,)
    readonly_fields = ("created_at", "updated_at")
    show_full_result_count = False
    list_per_page = 50


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(admin.ModelAdmin):
    list_display = ("application", "kind", "from_status", "to_status", "created_at")
    list_filter = ("kind",)
    list_select_related = ("application", "application__job", "application__job__company")
    raw_id_fields = ("application", "actor")
    show_full_result_count = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
