from django.urls import path

from applications import views

urlpatterns = [
    path("applications/", views.application_list, name="application_list"),
    path("applications/board/", views.application_board, name="application_board"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/export.csv", views.application_export, name="application_export"),
    path("applications/export.zip", views.application_export_zip, name="application_export_zip"),
    path("applications/import/", views.application_import, name="application_import"),
    path("applications/track/<int:job_id>/", views.application_track, name="application_track"),
    path("applications/track/<int:job_id>/applied/", views.application_mark_applied_view, name="application_mark_applied"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/status/", views.application_change_status_view, name="application_change_status"),
    path("applications/<int:pk>/notes/", views.application_add_note_view, name="application_add_note"),
    path("applications/<int:pk>/follow-up/", views.application_set_follow_up_view, name="application_set_follow_up"),
]
