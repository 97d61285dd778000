from django.urls import path

from notifications import views

urlpatterns = [
    path("searches/", views.saved_search_list, name="saved_search_list"),
    path("searches/new/", views.saved_search_create, name="saved_search_create"),
    path("searches/<int:pk>/", views.saved_search_detail, name="saved_search_detail"),
    path("searches/<int:pk>/edit/", views.saved_search_edit, name="saved_search_edit"),
    path("searches/<int:pk>/delete/", views.saved_search_delete, name="saved_search_delete"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
]
urlpatterns += [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("reminders/<str:token>/", views.reminder_action, name="reminder_action"),
    path("follow-ups/<int:pk>/<str:action>/", views.follow_up_action, name="follow_up_action"),
]
