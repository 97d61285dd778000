"""REST API for jobs; mounted under /api/v1/ by careercopilot/api_urls.py.

The list takes exactly the /jobs/ page's parameters (one form validates both) and answers
{items, total, total_is_estimate, page, page_size, total_pages, has_next, has_prev,
next_cursor, prev_cursor}. Past COUNT_CAP matches the total is the planner's estimate.
"""

from __future__ import annotations

from django import forms
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from jobs import cache as jobs_cache
from jobs.forms import JobSearchForm
from jobs.models import Company, Job
from jobs.selectors import (
    COUNT_CAP, MAX_PAGE_SIZE, SearchPage, SearchTimedOut, job_for_detail, search_deadline, search_jobs, similar_jobs,
)


class CompanySerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Company
        fields = ("name", "slug", "url")


class JobSerializer(serializers.ModelSerializer):
    company = CompanySerializer(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    skills = serializers.SerializerMethodField()
    snippet = serializers.SerializerMethodField(help_text="HTML: the text is escaped, matches are wrapped in <mark>.")

    class Meta:
        model = Job
        fields = ("id", "title", "slug", "url", "company", "location", "remote_policy", "job_type", "experience_level",
                  "salary_min", "salary_max", "salary_currency", "salary_period", "salary_min_usd", "salary_max_usd",
                  "posted_at", "apply_url", "skills", "snippet")

    def get_skills(self, job: Job) -> list[str]:
        # Search results carry skill_list; a single posting has its skills prefetched.
        skills = getattr(job, "skill_list", None)
        return [skill.name for skill in (job.skills.all() if skills is None else skills)]

    def get_snippet(self, job: Job) -> str:
        return str(getattr(job, "snippet_html", ""))


class JobDetailSerializer(JobSerializer):
    is_open = serializers.BooleanField(read_only=True)

    class Meta(JobSerializer.Meta):
        fields = tuple(name for name in JobSerializer.Meta.fields if name != "snippet") + ("description", "expires_at", "is_open")


class SimilarJobSerializer(JobSerializer):
    class Meta(JobSerializer.Meta):
        # Similar postings come from one raw query of the columns a card shows.
        fields = tuple(name for name in JobSerializer.Meta.fields
                       if name not in ("skills", "snippet", "apply_url", "salary_period", "salary_min_usd", "salary_max_usd"))


def _parameters(form_class: type[forms.Form]) -> list[OpenApiParameter]:
    """The form is the one definition of the query parameters; the schema is read off it."""
    parameters = []
    for name, form_field in form_class.base_fields.items():
        choices = [value for value, _ in getattr(form_field, "choices", []) if value != ""] or None
        kind = OpenApiTypes.INT if isinstance(form_field, (forms.IntegerField, forms.TypedChoiceField)) else OpenApiTypes.STR
        description = str(form_field.help_text or form_field.label or name.replace("_", " ").capitalize())
        if name == "page_size":
            description = f"Rows per page, 1 to {MAX_PAGE_SIZE} (larger values are capped). Default 20."
        elif name == "cursor":
            description = "next_cursor or prev_cursor from a previous page (newest-first order only)."
        parameters.append(OpenApiParameter(
            name, kind, OpenApiParameter.QUERY, required=False, description=description,
            enum=[int(c) for c in choices] if choices and kind == OpenApiTypes.INT else choices,
            many=isinstance(form_field, forms.MultipleChoiceField), explode=True,
        ))
    return parameters


JobPageSerializer = inline_serializer("JobPage", {
    "items": JobSerializer(many=True),
    "total": serializers.IntegerField(help_text=f"Exact up to {COUNT_CAP:,}; an estimate beyond (see total_is_estimate)."),
    "total_is_estimate": serializers.BooleanField(),
    "page": serializers.IntegerField(),
    "page_size": serializers.IntegerField(),
    "total_pages": serializers.IntegerField(),
    "has_next": serializers.BooleanField(),
    "has_prev": serializers.BooleanField(),
    "next_cursor": serializers.CharField(allow_null=True),
    "prev_cursor": serializers.CharField(allow_null=True),
})
ErrorSerializer = inline_serializer("SearchErrors", {
    "detail": serializers.CharField(),
    "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
})


def _page_payload(page: SearchPage, request: Request) -> dict:
    return {
        "items": JobSerializer(page.items, many=True, context={"request": request}).data,
        "total": page.total.count,
        "total_is_estimate": page.total.is_estimate,
        "page": page.page,
        "page_size": page.page_size,
        "total_pages": page.total_pages,
        "has_next": page.has_next,
        "has_prev": page.has_prev,
        "next_cursor": page.next_cursor,
        "prev_cursor": page.prev_cursor,
    }


SEARCH_TIMED_OUT = "This search took too long to answer. Try again in a moment, or narrow it with a filter or a more specific word."


class JobListAPI(APIView):
    throttle_classes = [AnonRateThrottle, UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "search"

    @extend_schema(operation_id="jobs_list", parameters=_parameters(JobSearchForm),
                   responses={200: JobPageSerializer, 400: ErrorSerializer, 503: ErrorSerializer},
                   description="Search and filter active postings. Same parameters as the /jobs/ page.")
    def get(self, request: Request) -> Response:
        form = JobSearchForm(request.query_params)
        if not form.is_valid():
            errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
            return Response({"detail": "Invalid search parameters.", "errors": errors}, status=400)
        try:
            with search_deadline(search=request.get_full_path()):
                page = search_jobs(form.params())
        except SearchTimedOut:
            # Never marked public: a slow moment is not worth keeping in a proxy.
            return Response({"detail": SEARCH_TIMED_OUT}, status=503, headers={"Retry-After": "10"})
        return _answer(request, _page_payload(page, request))


def _answer(request: Request, data: dict) -> Response:
    """Anonymous answers are the same for everyone: browsers and nginx may keep them a while."""
    response = Response(data)
    if jobs_cache.shared_request(request._request):
        jobs_cache.mark_public(response)
    return response


def _job_or_404(pk: int) -> Job:
    try:
        return job_for_detail(pk)
    except Job.DoesNotExist:
        raise NotFound("No such job posting.") from None


class JobDetailAPI(APIView):
    @extend_schema(operation_id="jobs_retrieve", responses={200: JobDetailSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return _answer(request, JobDetailSerializer(_job_or_404(pk), context={"request": request}).data)


class SimilarJobsAPI(APIView):
    @extend_schema(operation_id="jobs_similar",
                   responses={200: inline_serializer("SimilarJobs", {"items": SimilarJobSerializer(many=True)})})
    def get(self, request: Request, pk: int) -> Response:
        job = _job_or_404(pk)
        items = similar_jobs(job) if job.is_open else []
        return _answer(request, {"items": SimilarJobSerializer(items, many=True, context={"request": request}).data})


urlpatterns = [
    path("jobs/", JobListAPI.as_view(), name="api_job_list"),
    path("jobs/<int:pk>/", JobDetailAPI.as_view(), name="api_job_detail"),
    path("jobs/<int:pk>/similar/", SimilarJobsAPI.as_view(), name="api_job_similar"),
]
