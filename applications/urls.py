from django.urls import path

from applications import views

urlpatterns = [
    path("applications/", views.application_list, name="application_list"),
    path("applications/board/", views.application_board, name="application_board"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/export.csv", views.application_export, name="application_export"),
    path("applications/export.zip", views.application_export_zip, name="application_export_zip"),
    path("applications/import/", views.application_import, name="application_import"),
    path("applications/deleted/", views.application_deletions, name="application_deletions"),
    path("applications/track/<int:job_id>/", views.application_track, name="application_track"),
    path("applications/track/<int:job_id>/applied/", views.application_mark_applied_view, name="application_mark_applied"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/delete/", views.application_delete_view, name="application_delete"),
    path("applications/<int:pk>/archive/", views.application_archive_view, name="application_archive"),
    path("applications/<int:pk>/status/", views.application_change_status_view, name="application_change_status"),
    path("applications/<int:pk>/undo/", views.application_undo_view, name="application_undo"),
    path("applications/<int:pk>/reopen/", views.application_reopen_view, name="application_reopen"),
    path("applications/<int:pk>/notes/", views.application_add_note_view, name="application_add_note"),
    path("applications/<int:pk>/follow-up/", views.application_set_follow_up_view, name="application_set_follow_up"),
    path("applications/<int:pk>/interviews/", views.interview_add, name="interview_add"),
    path("applications/<int:pk>/contacts/", views.contact_add_view, name="contact_add"),
    path("applications/<int:pk>/documents/", views.document_attach_view, name="document_attach"),
    path("applications/<int:pk>/documents/<int:document_pk>/detach/", views.document_detach_view, name="document_detach"),
    path("applications/interviews/<int:pk>/", views.interview_edit, name="interview_edit"),
    path("applications/interviews/<int:pk>/delete/", views.interview_delete_view, name="interview_delete"),
    path("applications/contacts/<int:pk>/", views.contact_edit, name="contact_edit"),
    path("applications/contacts/<int:pk>/delete/", views.contact_delete_view, name="contact_delete"),
    path("applications/documents/", views.document_library, name="document_library"),
    path("applications/documents/<int:pk>/download/", views.document_download, name="document_download"),
    path("applications/documents/<int:pk>/delete/", views.document_delete_view, name="document_delete"),
    path("applications/calendar/", views.calendar_settings, name="calendar_settings"),
    # No login: a calendar app fetches it, and the secret token is the key (reset on the page above).
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar_feed"),
]
