from django.urls import path

from jobs import views

urlpatterns = [
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/suggest/", views.job_suggest, name="job_suggest"),
    path("jobs/<int:pk>/", views.job_redirect, name="job_redirect"),
    path("jobs/<int:pk>/<str:slug>/", views.job_detail, name="job_detail"),
    path("companies/<slug:slug>/", views.company_detail, name="company_detail"),
]
