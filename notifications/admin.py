from django.contrib import admin

from notifications.models import Delivery, Notification, SavedSearch


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "frequency", "unseen_count", "mark_posted_at", "created_at")
    list_filter = ("frequency",)
    raw_id_fields = ("user",)
    search_fields = ("name", "user__username")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("user",)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("kind", "user", "day", "run", "status", "sent_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("user",)
