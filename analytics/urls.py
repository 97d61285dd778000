from django.urls import path

from analytics import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("recommendations/", views.recommendations, name="recommendations"),
    path("recommendations/<int:job_id>/not-interested/", views.recommendation_not_interested,
         name="recommendation_not_interested"),
    path("recommendations/<int:job_id>/not-interested/undo/", views.recommendation_undo_not_interested,
         name="recommendation_undo_not_interested"),
]
