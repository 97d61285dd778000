from django.contrib import admin

from analytics.models import PlatformDailyStats, UserMetrics


@admin.register(UserMetrics)
class UserMetricsAdmin(admin.ModelAdmin):
    list_display = ("user", "total", "applied", "interviewing", "offer", "response_rate", "computed_at")
    list_select_related = ("user",)
    search_fields = ("^user__username",)
    raw_id_fields = ("user",)
    readonly_fields = [field.name for field in UserMetrics._meta.fields]
    show_full_result_count = False


@admin.register(PlatformDailyStats)
class PlatformDailyStatsAdmin(admin.ModelAdmin):
    list_display = ("day", "postings", "active_postings", "applications", "new_users", "computed_at")
    date_hierarchy = "day"
