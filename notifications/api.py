"""REST API views for saved searches and the inbox; mounted under /api/v1/ by careercopilot/api_urls.py.

As for applications: every object comes through `get_saved_search_for` (404 for anyone else's),
every list is the authenticated seeker's own. Reading and deleting only: a search is saved from
/jobs/, where its query is checked and normalised.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api import ApplicationPagination
from notifications import services
from notifications.models import Notification, SavedSearch
from notifications.selectors import get_saved_search_for


class SavedSearchSerializer(serializers.ModelSerializer):
    new_matches = serializers.IntegerField(source="unseen_count", read_only=True)
    newest_job_ids = serializers.ListField(source="latest_job_ids", child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = SavedSearch
        fields = ["id", "name", "query", "sort", "frequency", "new_matches", "newest_job_ids", "seen_at", "created_at"]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class SavedSearchList(generics.ListAPIView):
    """GET: my saved searches (at most 50, by name) with the count of new matches since I last looked."""

    permission_classes = [IsAuthenticated]
    serializer_class = SavedSearchSerializer
    pagination_class = None

    def get_queryset(self):
        return SavedSearch.objects.of(self.request.user)


class SavedSearchDetail(APIView):
    """GET one of my saved searches; DELETE it (its alerts stop)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SavedSearchSerializer)
    def get(self, request, pk: int):
        return Response(SavedSearchSerializer(get_saved_search_for(request.user, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.saved_search_delete(saved_search=get_saved_search_for(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationList(generics.ListAPIView):
    """GET: my inbox, newest first, 50 a page."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    pagination_class = ApplicationPagination

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user)


urlpatterns = [
    path("saved-searches/", SavedSearchList.as_view(), name="api_saved_search_list"),
    path("saved-searches/<int:pk>/", SavedSearchDetail.as_view(), name="api_saved_search_detail"),
    path("notifications/", NotificationList.as_view(), name="api_notification_list"),
]
