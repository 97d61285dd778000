from django.contrib import admin

from accounts.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "headline", "remote_preference", "desired_salary", "updated_at")
    list_filter = ("remote_preference", "desired_experience")
    list_select_related = ("user",)
    search_fields = ("^user__username", "^user__email")
    raw_id_fields = ("user",)
    autocomplete_fields = ("skills",)
    show_full_result_count = False
