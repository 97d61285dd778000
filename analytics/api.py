"""REST API views for analytics; mounted under /api/v1/ by careercopilot/api_urls.py."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.models import UserMetrics
from analytics.selectors import user_metrics_for


class FunnelStepSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()
    conversion = serializers.FloatField(allow_null=True, help_text="Share of the previous stage that reached this one.")


class SummarySerializer(serializers.ModelSerializer):
    funnel = FunnelStepSerializer(many=True, read_only=True)

    class Meta:
        model = UserMetrics
        exclude = ["user"]


class SummaryView(APIView):
    """The signed-in seeker's precomputed figures; `computed_at` says how fresh they are."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: SummarySerializer, 503: inline_serializer("SummaryPending", {"detail": serializers.CharField()})})
    def get(self, request: Request) -> Response:
        metrics = user_metrics_for(request.user.id)
        if metrics is None:
            return Response({"detail": "Your figures are being computed; try again in a moment."}, status=503,
                            headers={"Retry-After": "5"})
        return Response(SummarySerializer(metrics).data)


urlpatterns = [
    path("analytics/summary/", SummaryView.as_view(), name="api-analytics-summary"),
]
