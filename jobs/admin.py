from django.contrib import admin, messages

from jobs.models import Company, ExchangeRate, Job, JobSkill, SearchAlias, Skill
from jobs.services import jobs_set_active


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "headquarters", "updated_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    show_full_result_count = False


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


class JobSkillInline(admin.TabularInline):
    model = JobSkill
    autocomplete_fields = ("skill",)
    extra = 1


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("title", "company", "location", "remote_policy", "job_type", "experience_level", "is_active", "posted_at")
    list_filter = ("is_active", "remote_policy", "job_type", "experience_level", "source")
    list_select_related = ("company",)
    # Prefix search keeps the admin's LIKE queries able to use the index on big tables.
    search_fields = ("^title", "^company__name", "=external_id")
    autocomplete_fields = ("company",)
    inlines = (JobSkillInline,)
    date_hierarchy = "posted_at"
    readonly_fields = ("salary_min_usd", "salary_max_usd", "created_at", "updated_at")
    exclude = ("search_vector",)
    show_full_result_count = False
    list_per_page = 50
    actions = ("activate_jobs", "deactivate_jobs")

    @admin.action(description="Activate selected jobs", permissions=["change"])
    def activate_jobs(self, request, queryset):
        changed = jobs_set_active(jobs=queryset, is_active=True)
        self.message_user(request, f"{changed} job(s) activated.", messages.SUCCESS)

    @admin.action(description="Deactivate selected jobs", permissions=["change"])
    def deactivate_jobs(self, request, queryset):
        changed = jobs_set_active(jobs=queryset, is_active=False)
        self.message_user(request, f"{changed} job(s) deactivated.", messages.SUCCESS)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Read-only: a changed rate must recompute every posting, which `manage.py refresh_exchange_rates` does."""

    list_display = ("currency", "per_usd", "as_of")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SearchAlias)
class SearchAliasAdmin(admin.ModelAdmin):
    """Words seekers type for another ("golang" for Go); a save takes effect at once (new generation)."""

    list_display = ("term", "expansion", "kind")
    list_filter = ("kind",)
    search_fields = ("term", "expansion")
