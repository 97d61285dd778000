from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django_ratelimit.decorators import ratelimit

from jobs import cache as jobs_cache
from jobs.forms import JobSearchForm
from jobs.models import Company, Job
from jobs.vocabulary import FEW_RESULTS, did_you_mean, suggest_terms
from jobs.selectors import SearchParams, SearchTimedOut, Sort, job_facets, job_for_detail, search_deadline, search_jobs, similar_jobs


# Outside the page cache: a stored page is cheap, but each search counts (a stored page
# answered early counts on the same key: jobs.cache.stored_page_response).
SEARCH_THROTTLE = {"key": "ip", "rate": lambda group, request: settings.THROTTLE_SEARCH}


@ratelimit(**SEARCH_THROTTLE, block=True)
@jobs_cache.cache_anonymous_page("list", jobs_cache.LIST_PAGE_TIMEOUT, params=tuple(JobSearchForm.base_fields),
                                 throttle=SEARCH_THROTTLE)
def job_list(request: HttpRequest) -> HttpResponse:
    form = JobSearchForm(request.GET)
    context = {"form": form, **jobs_cache.shared_page_context(request)}
    if not form.is_valid():
        return render(request, "jobs/list.html", context, status=400)
    params = form.params()
    context["params"] = params
    try:
        with search_deadline():
            results = search_jobs(params)
            context.update(results=results, facets=job_facets(params, candidates=results.candidates, total=results.total))
            if params.q and context["results"].total.count < FEW_RESULTS and not context["results"].total.is_estimate:
                context["did_you_mean"] = did_you_mean(params.q)
    except SearchTimedOut:
        response = render(request, "jobs/list.html", {**context, "timed_out": True}, status=503)
        response["Retry-After"] = "10"
        return response
    return render(request, "jobs/list.html", context)


def job_redirect(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.only("slug"), pk=pk)
    return HttpResponsePermanentRedirect(job.get_absolute_url())


@jobs_cache.cache_anonymous_page("detail", jobs_cache.DETAIL_PAGE_TIMEOUT, posting="pk")
def job_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    try:
        job = job_for_detail(pk)
    except Job.DoesNotExist:
        raise Http404("No such job posting.") from None
    if job.slug != slug:
        return HttpResponsePermanentRedirect(job.get_absolute_url())
    context = {
        "job": job,
        "similar": similar_jobs(job) if job.is_open else [],
        **jobs_cache.shared_page_context(request),
    }
    return render(request, "jobs/detail.html", context)


@jobs_cache.cache_anonymous_page("company", jobs_cache.COMPANY_PAGE_TIMEOUT, params=("page", "cursor"))
def company_detail(request: HttpRequest, slug: str) -> HttpResponse:
    company = get_object_or_404(Company, slug=slug)
    form = JobSearchForm({"page": request.GET.get("page", ""), "cursor": request.GET.get("cursor", "")})
    context = {"company": company, "form": form, **jobs_cache.shared_page_context(request)}
    if not form.is_valid():
        return render(request, "jobs/company.html", context, status=400)
    chosen = form.params()
    context["results"] = search_jobs(SearchParams(company=company.slug, sort=Sort.NEWEST, page=chosen.page, cursor=chosen.cursor))
    return render(request, "jobs/company.html", context)


def job_suggest(request: HttpRequest) -> HttpResponse:
    """Titles, companies and skills starting with what was typed: JSON, or the datalist for htmx.

    Not a cached page (the two answers share a URL): suggest_terms caches the data itself."""
    suggestions = suggest_terms(request.GET.get("q", "")[:100])
    if request.headers.get("HX-Request"):
        return render(request, "jobs/_suggestions.html", {"suggestions": suggestions})
    return JsonResponse({"suggestions": [{"term": s.term, "kind": s.kind} for s in suggestions]})
