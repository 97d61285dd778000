from django.contrib import admin, messages

from analytics.models import Checkpoint, NotInterested, PlatformDailyStats, TrendingJob, TrendingSkill, UserMetrics
from analytics.services import user_metrics_recompute


@admin.register(UserMetrics)
class UserMetricsAdmin(admin.ModelAdmin):
    list_display = ("user", "total", "applied", "interviewing", "offer", "response_rate", "follow_ups_due", "computed_at")
    list_select_related = ("user",)
    search_fields = ("^user__username",)
    raw_id_fields = ("user",)
    readonly_fields = [field.name for field in UserMetrics._meta.fields]
    show_full_result_count = False
    actions = ["recompute"]

    def has_add_permission(self, request) -> bool:
        return False  # snapshots are computed, never typed in

    @admin.action(description="Recompute the selected users' metrics now")
    def recompute(self, request, queryset):
        done = user_metrics_recompute(user_ids=queryset.values_list("user_id", flat=True))
        self.message_user(request, f"Recomputed metrics of {done} user(s).", messages.SUCCESS)


@admin.register(PlatformDailyStats)
class PlatformDailyStatsAdmin(admin.ModelAdmin):
    list_display = ("day", "postings", "active_postings", "applications", "new_users", "computed_at")
    date_hierarchy = "day"
    readonly_fields = [field.name for field in PlatformDailyStats._meta.fields]


@admin.register(TrendingJob)
class TrendingJobAdmin(admin.ModelAdmin):
    list_display = ("rank", "job", "applications", "computed_at")
    list_select_related = ("job",)
    raw_id_fields = ("job",)
    readonly_fields = ("rank", "job", "applications", "computed_at")


@admin.register(TrendingSkill)
class TrendingSkillAdmin(admin.ModelAdmin):
    list_display = ("rank", "skill", "applications", "postings", "computed_at")
    list_select_related = ("skill",)
    readonly_fields = ("rank", "skill", "applications", "postings", "computed_at")


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ("name", "ran_at")
    readonly_fields = ("name", "ran_at")


@admin.register(NotInterested)
class NotInterestedAdmin(admin.ModelAdmin):
    list_display = ("user", "job", "created_at")
    list_select_related = ("user", "job")
    search_fields = ("^user__username",)
    raw_id_fields = ("user", "job")
    show_full_result_count = False
