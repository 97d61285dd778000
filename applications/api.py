"""REST API views for applications; mounted under /api/v1/ by careercopilot/api_urls.py.

Every object comes through `get_application_for`, every list through `Application.objects.of`,
so a seeker only ever reaches their own rows. There is no owner field to write: the owner is
the authenticated user, always.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.models import Application, ApplicationEvent, Status
from applications.selectors import get_application_for, timeline_for
from applications.services import (
    AlreadyTracked,
    ApplicationError,
    IllegalTransition,
    LimitReached,
    application_change_status,
    application_create,
    application_update,
)
from jobs.dates import validate_date_range
from jobs.models import Job

# Keys a client may send by mistake, with the reason they are refused rather than silently dropped.
REFUSED_KEYS = {
    "user": "The owner of an application is whoever is logged in; it cannot be set or changed.",
    "owner": "The owner of an application is whoever is logged in; it cannot be set or changed.",
    "status": "Change the status with POST /api/v1/applications/<id>/status/.",
}


def _refuse_keys(data, keys) -> None:
    errors = {key: [REFUSED_KEYS[key]] for key in keys if hasattr(data, "keys") and key in data}
    if errors:
        raise ValidationError(errors)


class ApplicationSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="display_company", read_only=True)
    title = serializers.CharField(source="display_title", read_only=True)
    # Not a URI field: an application entered without a link has "" (the schema said "uri").
    url = serializers.CharField(read_only=True, help_text='The posting\'s web address, or "" when none was given.')
    allowed_statuses = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = (
            "id", "job", "company_name", "title", "url", "status", "allowed_statuses", "created_at", "updated_at",
            "applied_at", "interview_at", "offer_at", "closed_at", "next_follow_up", "notes",
        )
        read_only_fields = fields

    def get_allowed_statuses(self, application: Application) -> list[str]:
        return [value for value, _ in application.next_statuses]


class ApplicationCreateSerializer(serializers.Serializer):
    job = serializers.PrimaryKeyRelatedField(
        queryset=Job.objects.select_related("company"), required=False, allow_null=True,
        error_messages={"does_not_exist": "There is no job {pk_value} in the catalogue."},
    )
    company_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    status = serializers.ChoiceField(
        choices=Status.choices, default=Status.SAVED, error_messages={"invalid_choice": "“{input}” is not a status."}
    )

    def to_internal_value(self, data):
        _refuse_keys(data, ("user", "owner"))
        return super().to_internal_value(data)

    def validate(self, attrs):
        if not attrs.get("job") and not (attrs.get("company_name", "").strip() and attrs.get("title", "").strip()):
            raise ValidationError("Give either a job from the catalogue, or a company_name and a title.")
        return attrs


class ApplicationUpdateSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    next_follow_up = serializers.DateField(required=False, allow_null=True, validators=[validate_date_range])
    applied_at = serializers.DateTimeField(required=False, allow_null=True, validators=[validate_date_range])
    interview_at = serializers.DateTimeField(required=False, allow_null=True, validators=[validate_date_range])
    offer_at = serializers.DateTimeField(required=False, allow_null=True, validators=[validate_date_range])
    closed_at = serializers.DateTimeField(required=False, allow_null=True, validators=[validate_date_range])

    def to_internal_value(self, data):
        _refuse_keys(data, ("user", "owner", "status"))
        return super().to_internal_value(data)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Status.choices, error_messages={"invalid_choice": "“{input}” is not a status."}
    )


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True, allow_null=True,
                                  help_text="Who made the change; null once that user is deleted.")
    # Blank on events that are not status changes (the schema had only the statuses).
    from_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    to_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ApplicationEvent
        fields = ("id", "kind", "from_status", "to_status", "note", "follow_up", "actor", "created_at")
        read_only_fields = fields


ConflictSerializer = inline_serializer("Conflict", {
    "detail": serializers.CharField(),
    "application": serializers.IntegerField(required=False, help_text="The application you already have for this posting."),
})


class ApplicationPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        """A malformed page is the caller's mistake (400); only a page past the end is a 404."""
        raw = request.query_params.get(self.page_query_param) or 1
        if raw in self.last_page_strings:
            return raw
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise ValidationError({"page": ["A page is a whole number from 1."]}) from None
        if number < 1:
            raise ValidationError({"page": ["A page is a whole number from 1."]})
        return number


def _refused(exc: ApplicationError) -> Response:
    """A refused change as 409 (the application's state forbids it) or 400 (the input is wrong)."""
    if isinstance(exc, AlreadyTracked):
        return Response({"detail": exc.message, "application": exc.application.pk}, status=status.HTTP_409_CONFLICT)
    code = status.HTTP_409_CONFLICT if isinstance(exc, (IllegalTransition, LimitReached)) else status.HTTP_400_BAD_REQUEST
    body = {"detail": exc.message}
    if exc.field:
        body[exc.field] = [exc.message]
    return Response(body, status=code)


class ApplicationListCreate(generics.ListAPIView):
    """GET: my applications, newest change first (filter with ?status=). POST: track a job or add one by hand."""

    permission_classes = [IsAuthenticated]
    serializer_class = ApplicationSerializer
    pagination_class = ApplicationPagination

    def get_queryset(self):
        wanted = self.request.query_params.get("status", "")
        if wanted and wanted not in Status.values:
            raise ValidationError({"status": [f"“{wanted[:40]}” is not a status."]})
        return Application.objects.of(self.request.user).with_status(wanted).for_display().sorted_by("updated")

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer, 409: ConflictSerializer})
    def post(self, request):
        incoming = ApplicationCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            application = application_create(user=request.user, **incoming.validated_data)
        except ApplicationError as exc:
            return _refused(exc)
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class ApplicationDetail(APIView):
    """GET one of my applications; PATCH its notes and dates."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ApplicationSerializer)
    def get(self, request, pk: int):
        return Response(ApplicationSerializer(get_application_for(request.user, pk)).data)

    @extend_schema(request=ApplicationUpdateSerializer, responses={200: ApplicationSerializer})
    def patch(self, request, pk: int):
        application = get_application_for(request.user, pk)
        incoming = ApplicationUpdateSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        try:
            application_update(application=application, by=request.user, **incoming.validated_data)
        except ApplicationError as exc:
            return _refused(exc)
        return Response(ApplicationSerializer(application).data)


class ApplicationStatusChange(APIView):
    """POST {"status": "..."}: move the application along the pipeline (409 when the move is not allowed)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=StatusChangeSerializer, responses={200: ApplicationSerializer, 409: ConflictSerializer})
    def post(self, request, pk: int):
        application = get_application_for(request.user, pk)
        incoming = StatusChangeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            application_change_status(application=application, to_status=incoming.validated_data["status"], by=request.user)
        except ApplicationError as exc:
            return _refused(exc)
        return Response(ApplicationSerializer(application).data)


class ApplicationEvents(generics.ListAPIView):
    """The application's timeline, oldest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = EventSerializer
    pagination_class = ApplicationPagination

    def get_queryset(self):
        return timeline_for(get_application_for(self.request.user, self.kwargs["pk"]))


urlpatterns = [
    path("applications/", ApplicationListCreate.as_view(), name="api_application_list"),
    path("applications/<int:pk>/", ApplicationDetail.as_view(), name="api_application_detail"),
    path("applications/<int:pk>/status/", ApplicationStatusChange.as_view(), name="api_application_status"),
    path("applications/<int:pk>/events/", ApplicationEvents.as_view(), name="api_application_events"),
]
