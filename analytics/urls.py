from django.urls import path

from analytics import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("recommendations/", views.recommendations, name="recommendations"),
]
