"""A URLconf that puts postings elsewhere (test_job_cards: addresses follow ROOT_URLCONF)."""

from django.urls import path

from jobs import views

urlpatterns = [
    path("elsewhere/<int:pk>/<str:slug>/", views.job_detail, name="job_detail"),
    path("firms/<slug:slug>/", views.company_detail, name="company_detail"),
]
