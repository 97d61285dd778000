"""REST API views for applications; mounted under /api/v1/ by careercopilot/api_urls.py.

Every object comes through `get_application_for`, every list through `Application.objects.of`,
so a seeker only ever reaches their own rows. There is no owner field to write: the owner is
the authenticated user, always.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.documents import DOCUMENT_MAX_BYTES
from applications.models import Application, ApplicationDeletion, ApplicationEvent, Contact, Document, Interview, Status
from applications.selectors import (
    attached_documents,
    contacts_for,
    deletions_for,
    documents_for,
    get_application_for,
    get_contact_for,
    get_document_for,
    get_interview_for,
    interviews_for,
    timeline_for,
)
from applications.services import (
    AlreadyTracked,
    ApplicationError,
    IllegalTransition,
    LimitReached,
    application_archive,
    application_change_status,
    application_create,
    application_delete,
    application_reopen,
    application_unarchive,
    application_undo_status_change,
    application_update,
    calendar_feed_ensure,
    calendar_feed_reset,
    contact_add,
    contact_delete,
    contact_update,
    document_attach,
    document_delete,
    document_detach,
    document_update,
    document_upload,
    interview_delete,
    interview_schedule,
    interview_update,
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
    location = serializers.CharField(source="display_location", read_only=True)
    # Not a URI field: an application entered without a link has "" (the schema said "uri").
    url = serializers.CharField(read_only=True, help_text='The posting\'s web address, or "" when none was given.')
    allowed_statuses = serializers.SerializerMethodField()
    reopen_statuses = serializers.SerializerMethodField()
    is_archived = serializers.BooleanField(read_only=True)

    class Meta:
        model = Application
        fields = (
            "id", "job", "company_name", "title", "url", "location", "salary_min", "salary_max", "salary_currency",
            "status", "allowed_statuses", "reopen_statuses", "is_archived", "archived_at", "created_at", "updated_at",
            "applied_at", "interview_at", "offer_at", "closed_at", "next_follow_up", "notes",
        )
        read_only_fields = fields

    def get_allowed_statuses(self, application: Application) -> list[str]:
        return [value for value, _ in application.next_statuses]

    def get_reopen_statuses(self, application: Application) -> list[str]:
        """Where POST …/reopen/ may take it (rejected and accepted only; a reason is required)."""
        return [value for value, _ in application.reopen_statuses]


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
    title = serializers.CharField(required=False, max_length=200)
    company_name = serializers.CharField(required=False, max_length=200)
    url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    salary_min = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    salary_max = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    salary_currency = serializers.CharField(required=False, allow_blank=True, max_length=3)
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


class UndoSerializer(serializers.Serializer):
    change = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1,
        help_text="The id of the status_changed event you mean to undo; refused (409) if another change came since.",
    )


class ReopenSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, error_messages={"invalid_choice": "“{input}” is not a status."})
    reason = serializers.CharField(max_length=500)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True, allow_null=True,
                                  help_text="Who made the change; null once that user is deleted.")
    # Blank on events that are not status changes (the schema had only the statuses).
    from_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    to_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ApplicationEvent
        fields = ("id", "kind", "from_status", "to_status", "note", "follow_up", "detail", "actor", "created_at")
        read_only_fields = fields


ConflictSerializer = inline_serializer("Conflict", {
    "detail": serializers.CharField(),
    "application": serializers.IntegerField(required=False, help_text="The application you already have for this posting."),
})


class InterviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Interview
        fields = (
            "id", "application", "starts_at", "duration_minutes", "kind", "with_whom", "location", "notes", "outcome",
            "created_at", "updated_at",
        )
        read_only_fields = ("id", "application", "created_at", "updated_at")
        extra_kwargs = {"outcome": {"allow_blank": True}, "starts_at": {"validators": [validate_date_range]}}


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ("id", "application", "name", "role", "email", "phone", "profile_url", "notes", "created_at")
        read_only_fields = ("id", "application", "created_at")


class DocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ("id", "name", "kind", "file_type", "original_filename", "size", "created_at", "download_url")
        read_only_fields = ("id", "file_type", "original_filename", "size", "created_at", "download_url")

    def get_download_url(self, document: Document) -> str:
        return reverse("api_document_download", args=[document.pk])


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, DOCX or plain text, at most 5 MB; the type is read from the content.")
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    kind = serializers.ChoiceField(choices=Document.Kind.choices, default=Document.Kind.RESUME)


class AttachSerializer(serializers.Serializer):
    document = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The id of one of your documents.")


class DeletionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationDeletion
        fields = ("application_id", "title", "company_name", "status", "events", "interviews", "contacts",
                  "created_at", "deleted_at")
        read_only_fields = fields


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Your private iCalendar address: interviews and follow-ups.")


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
    """GET one of my applications; PATCH its details, notes and dates; DELETE it with its timeline,
    interviews and contacts (the deletion log keeps its name; a second DELETE is a 404)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ApplicationSerializer)
    def get(self, request, pk: int):
        return Response(ApplicationSerializer(get_application_for(request.user, pk)).data)

    @extend_schema(request=ApplicationUpdateSerializer, responses={200: ApplicationSerializer, 409: ConflictSerializer})
    def patch(self, request, pk: int):
        application = get_application_for(request.user, pk)
        incoming = ApplicationUpdateSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        try:
            application_update(application=application, by=request.user, **incoming.validated_data)
        except ApplicationError as exc:
            return _refused(exc)
        return Response(ApplicationSerializer(application).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        application_delete(application=get_application_for(request.user, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


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


class ApplicationArchive(APIView):
    """POST archives (off the board and the pipeline counts; still listed here and exported); DELETE unarchives."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    def post(self, request, pk: int):
        application = application_archive(application=get_application_for(request.user, pk), by=request.user)
        return Response(ApplicationSerializer(application).data)

    @extend_schema(request=None, responses={200: ApplicationSerializer})
    def delete(self, request, pk: int):
        application = application_unarchive(application=get_application_for(request.user, pk), by=request.user)
        return Response(ApplicationSerializer(application).data)


class ApplicationUndo(APIView):
    """POST: undo the last status change (status and its dates); the timeline keeps both events. 409 if none."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=UndoSerializer, responses={200: ApplicationSerializer, 409: ConflictSerializer})
    def post(self, request, pk: int):
        application = get_application_for(request.user, pk)
        incoming = UndoSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            application_undo_status_change(application=application, by=request.user,
                                           change_id=incoming.validated_data.get("change"))
        except ApplicationError as exc:
            return _refused(exc)
        return Response(ApplicationSerializer(application).data)


class ApplicationReopen(APIView):
    """POST {"status", "reason"}: reopen a rejected or accepted application (409 for any other)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReopenSerializer, responses={200: ApplicationSerializer, 409: ConflictSerializer})
    def post(self, request, pk: int):
        application = get_application_for(request.user, pk)
        incoming = ReopenSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            application_reopen(application=application, to_status=incoming.validated_data["status"],
                               reason=incoming.validated_data["reason"], by=request.user)
        except ApplicationError as exc:
            return _refused(exc)
        return Response(ApplicationSerializer(application).data)


class ApplicationDeletions(generics.ListAPIView):
    """What I deleted and when (names and counts only)."""

    permission_classes = [IsAuthenticated]
    serializer_class = DeletionSerializer
    pagination_class = None

    def get_queryset(self):
        return deletions_for(self.request.user)


class ApplicationInterviews(APIView):
    """GET the application's interviews, soonest first; POST schedule one (`starts_at` with an offset, or
    read in your profile's time zone)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=InterviewSerializer(many=True))
    def get(self, request, pk: int):
        return Response(InterviewSerializer(interviews_for(get_application_for(request.user, pk)), many=True).data)

    @extend_schema(request=InterviewSerializer, responses={201: InterviewSerializer})
    def post(self, request, pk: int):
        application = get_application_for(request.user, pk)
        incoming = InterviewSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            interview = interview_schedule(application=application, by=request.user, **incoming.validated_data)
        except ApplicationError as exc:
            return _refused(exc)
        return Response(InterviewSerializer(interview).data, status=status.HTTP_201_CREATED)


class InterviewDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=InterviewSerializer)
    def get(self, request, pk: int):
        return Response(InterviewSerializer(get_interview_for(request.user, pk)).data)

    @extend_schema(request=InterviewSerializer, responses=InterviewSerializer)
    def patch(self, request, pk: int):
        interview = get_interview_for(request.user, pk)
        incoming = InterviewSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        try:
            interview_update(interview=interview, by=request.user, **incoming.validated_data)
        except ApplicationError as exc:
            return _refused(exc)
        return Response(InterviewSerializer(interview).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        interview_delete(interview=get_interview_for(request.user, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApplicationContacts(APIView):
    """GET the application's contacts; POST add one."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ContactSerializer(many=True))
    def get(self, request, pk: int):
        return Response(ContactSerializer(contacts_for(get_application_for(request.user, pk)), many=True).data)

    @extend_schema(request=ContactSerializer, responses={201: ContactSerializer})
    def post(self, request, pk: int):
        application = get_application_for(request.user, pk)
        incoming = ContactSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            contact = contact_add(application=application, by=request.user, **incoming.validated_data)
        except ApplicationError as exc:
            return _refused(exc)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class ContactDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ContactSerializer)
    def get(self, request, pk: int):
        return Response(ContactSerializer(get_contact_for(request.user, pk)).data)

    @extend_schema(request=ContactSerializer, responses=ContactSerializer)
    def patch(self, request, pk: int):
        contact = get_contact_for(request.user, pk)
        incoming = ContactSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        try:
            contact_update(contact=contact, by=request.user, **incoming.validated_data)
        except ApplicationError as exc:
            return _refused(exc)
        return Response(ContactSerializer(contact).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        contact_delete(contact=get_contact_for(request.user, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentList(APIView):
    """GET my document library, newest first; POST (multipart) upload a PDF, DOCX or text file up to 5 MB."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request):
        return Response(DocumentSerializer(documents_for(request.user), many=True).data)

    @extend_schema(request={"multipart/form-data": DocumentUploadSerializer}, responses={201: DocumentSerializer})
    def post(self, request):
        if int(request.META.get("CONTENT_LENGTH") or 0) > DOCUMENT_MAX_BYTES + 64 * 1024:
            # Refused before the body is parsed, so a huge upload is never spooled to disk.
            limit = DOCUMENT_MAX_BYTES // 1024 // 1024
            return Response({"file": [f"The file is larger than the {limit} MB limit for documents."]},
                            status=status.HTTP_400_BAD_REQUEST)
        incoming = DocumentUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            document = document_upload(user=request.user, upload=data["file"], name=data.get("name", ""), kind=data["kind"])
        except ApplicationError as exc:
            return _refused(exc)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetail(APIView):
    """GET, PATCH (name, kind) or DELETE one of my documents (DELETE detaches it everywhere)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(responses=DocumentSerializer)
    def get(self, request, pk: int):
        return Response(DocumentSerializer(get_document_for(request.user, pk)).data)

    @extend_schema(request=DocumentSerializer, responses=DocumentSerializer)
    def patch(self, request, pk: int):
        document = get_document_for(request.user, pk)
        incoming = DocumentSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        try:
            document_update(document=document, **incoming.validated_data)
        except ApplicationError as exc:
            return _refused(exc)
        return Response(DocumentSerializer(document).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        document_delete(document=get_document_for(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentDownload(APIView):
    """The file itself, as an attachment."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={
        (200, content_type.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY, description="The file, as an attachment.")
        for content_type in Document.CONTENT_TYPES.values()
    })
    def get(self, request, pk: int):
        document = get_document_for(request.user, pk)
        try:
            handle = document.file.open("rb")
        except FileNotFoundError:
            raise Http404("The file of this document is missing.") from None
        response = FileResponse(handle, as_attachment=True, filename=document.download_name, content_type=document.content_type)
        response["Cache-Control"] = "private, no-store"
        return response


class ApplicationDocuments(APIView):
    """GET the documents attached to the application; POST {"document": id} attaches one of mine."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=DocumentSerializer(many=True))
    def get(self, request, pk: int):
        return Response(DocumentSerializer(attached_documents(get_application_for(request.user, pk)), many=True).data)

    @extend_schema(request=AttachSerializer, responses={201: DocumentSerializer})
    def post(self, request, pk: int):
        application = get_application_for(request.user, pk)
        incoming = AttachSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        document = get_document_for(request.user, incoming.validated_data["document"])
        document_attach(application=application, document=document, by=request.user)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class ApplicationDocumentDetach(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, document_pk: int):
        application = get_application_for(request.user, pk)
        document_detach(application=application, document=get_document_for(request.user, document_pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _feed_url(request, feed) -> str:
    return request.build_absolute_uri(reverse("calendar_feed", args=[feed.token]))


class CalendarFeedView(APIView):
    """GET my private iCalendar address (made on first ask)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CalendarFeedSerializer)
    def get(self, request):
        return Response({"url": _feed_url(request, calendar_feed_ensure(user=request.user))})


class CalendarFeedReset(APIView):
    """POST: a new address; the old one stops working at once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=CalendarFeedSerializer)
    def post(self, request):
        return Response({"url": _feed_url(request, calendar_feed_reset(user=request.user))})


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
    path("applications/<int:pk>/archive/", ApplicationArchive.as_view(), name="api_application_archive"),
    path("applications/<int:pk>/undo/", ApplicationUndo.as_view(), name="api_application_undo"),
    path("applications/<int:pk>/reopen/", ApplicationReopen.as_view(), name="api_application_reopen"),
    path("applications/<int:pk>/interviews/", ApplicationInterviews.as_view(), name="api_application_interviews"),
    path("applications/<int:pk>/contacts/", ApplicationContacts.as_view(), name="api_application_contacts"),
    path("applications/<int:pk>/documents/", ApplicationDocuments.as_view(), name="api_application_documents"),
    path("applications/<int:pk>/documents/<int:document_pk>/", ApplicationDocumentDetach.as_view(),
         name="api_application_document_detach"),
    path("applications/deletions/", ApplicationDeletions.as_view(), name="api_application_deletions"),
    path("interviews/<int:pk>/", InterviewDetail.as_view(), name="api_interview_detail"),
    path("contacts/<int:pk>/", ContactDetail.as_view(), name="api_contact_detail"),
    path("documents/", DocumentList.as_view(), name="api_document_list"),
    path("documents/<int:pk>/", DocumentDetail.as_view(), name="api_document_detail"),
    path("documents/<int:pk>/download/", DocumentDownload.as_view(), name="api_document_download"),
    path("calendar/", CalendarFeedView.as_view(), name="api_calendar_feed"),
    path("calendar/reset/", CalendarFeedReset.as_view(), name="api_calendar_feed_reset"),
]
