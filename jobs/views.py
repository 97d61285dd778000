from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from jobs import cache as jobs_cache
from jobs.forms import JobSearchForm
from jobs.search import aliases_read_once
from jobs.models import Company, Job
from jobs.vocabulary import FEW_RESULTS, did_you_mean, suggest_terms
from jobs.selectors import SearchParams, SearchTimedOut, Sort, job_facets, search_deadline, search_jobs
from jobs.similar import job_page


# Outside the page cache: a stored page is cheap, but each search counts (a stored page
# answered early counts on the same key: jobs.cache.stored_page_response). django-ratelimit's
# key, limit and 429, counted in one Redis round trip (jobs.cache.ratelimit); logged in, in the
# kept block's read, the first thing the view does for them (_kept_seeker_list).
SEARCH_THROTTLE = {"key": "ip", "rate": lambda group, request: settings.THROTTLE_SEARCH}


def _logged_in(request: HttpRequest) -> bool:
    return request.user.is_authenticated


@jobs_cache.ratelimit(counted_in_read_ahead=_logged_in, **SEARCH_THROTTLE)
@jobs_cache.cache_anonymous_page("list", jobs_cache.LIST_PAGE_TIMEOUT, params=tuple(JobSearchForm.base_fields),
                                 throttle=SEARCH_THROTTLE)
def job_list(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and (kept := _kept_seeker_list(request)) is not None:
        return kept
    form = JobSearchForm(request.GET)
    context = {"form": form, **jobs_cache.shared_page_context(request)}
    if not form.is_valid():
        return render(request, "jobs/list.html", context, status=400)
    params = form.params()
    context["params"] = params
    try:
        if request.user.is_authenticated:
            return _seeker_list(request, params, context)
        else:
            with search_deadline(search=request.get_full_path()), aliases_read_once():  # one read of the aliases for the page, the facets and did_you_mean
                results = search_jobs(params)
                context.update(results=results, facets=job_facets(params, candidates=results.candidates, total=results.total))
                if params.q and context["results"].total.count < FEW_RESULTS and not context["results"].total.is_estimate:
                    context["did_you_mean"] = did_you_mean(params.q)
    except SearchTimedOut:
        response = render(request, "jobs/list.html", {**context, "timed_out": True}, status=503)
        response["Retry-After"] = "10"
        return response
    if getattr(request, "jobs_shared_page", False):
        return _shared_page(request, "jobs/_list_parts.html", context)
    return render(request, "jobs/list.html", context)


# Logged in, the page is built for the visitor (their Track buttons, their CSRF token), but the
# results block is everyone's: it is kept rendered (below) for as long as an anonymous page (60 s,
# and a new catalogue generation makes a new key), so a seeker's search costs the page's own
# queries (who they are, what they track), not the search's. The block is built from a search
# made afresh; its total and facets come from their own caches (jobs.selectors). The rows were
# also kept as plain data under the canonical query, for a miss of the block with another
# spelling of the same query (`?q=x&utm=…`): written on every miss and read almost never, that
# copy cost a tenth of a logged-in miss's CPU (rows to plain data, MessagePack, a SET).
SEEKER_RESULTS_TIMEOUT = jobs_cache.LIST_PAGE_TIMEOUT


def _seeker_search(request: HttpRequest, params, context: dict) -> None:
    """The results and facets of a logged-in search, under its deadline."""
    # One scope for the search and its facets, as the anonymous page has: the aliases read
    # once, and the set of matches built once (jobs.selectors.filtered_jobs).
    with search_deadline(search=request.get_full_path()), aliases_read_once():
        results = search_jobs(params)
        facets = job_facets(params, candidates=results.candidates, total=results.total)
    context.update(results=results, facets=facets)
    if params.q and results.total.count < FEW_RESULTS and not results.total.is_estimate:
        with search_deadline(search=request.get_full_path()):
            context["did_you_mean"] = did_you_mean(params.q)


# Beyond the data, the results block itself (form, facets, notices, twenty cards: ~40 ms of CPU
# to render) is the same for every seeker asking the same query of the same catalogue, except
# for each seeker's own part: kept rendered for 60 s with slots where each card's Track button
# and form go (tracked or not, and the CSRF token the form carries) and for the relative times.
# The page fills them in per request (applications' `seeker_marks` tag: one query), so the
# stored markup never holds anyone's token or marks.
def _fresh_kept(key: str) -> dict | None:
    """The kept block under `key` if it was built under the catalogue's current generation."""
    kept = None if settings.CACHE_BYPASS else jobs_cache.cache_get(key)
    fresh = isinstance(kept, dict) and kept.get("generation") == jobs_cache.catalogue_generation()
    jobs_cache.count_lookup("seeker_search", fresh)
    return kept if fresh else None


def _build_kept(request: HttpRequest, params, context: dict, key: str) -> dict:
    """The results block of this query built for every seeker and kept under `key` (the
    catalogue's generation in the value, jobs.cache.seeker_search_key)."""
    generation = jobs_cache.catalogue_generation()
    _seeker_search(request, params, context)
    html = render_to_string("jobs/_search.html", {**context, "keep": True}, request).encode()
    kept = {"generation": generation, "html": html, "q": params.q,
            "jobs": [[job.pk, job.title] for job in context["results"].items]}
    if not settings.CACHE_BYPASS:
        cache.set(key, kept, SEEKER_RESULTS_TIMEOUT)
    return kept


def _seeker_search_key(request: HttpRequest) -> str:
    return jobs_cache.seeker_search_key(request.path, request.META.get("QUERY_STRING", ""))


def _seeker_reads(request: HttpRequest, *keys: str):
    """The catalogue's generation, `keys` and what the header reads for the visitor (the bell),
    in one round trip."""
    return jobs_cache.seeker_read_ahead(request.user.pk, [jobs_cache.GENERATION_KEY, *keys])


def _kept_seeker_list(request: HttpRequest) -> HttpResponse | None:
    """A seeker's search page from its kept block, or None when there is none (the view then
    validates the query and builds it). A block is kept only for a query string whose form was
    valid, so a kept one needs no form: the page's title and heading read the search terms the
    block was built for (each form field's markup is in the block)."""
    key = _seeker_search_key(request)
    with _seeker_reads(request, key):
        kept = _fresh_kept(key)
        if kept is None or "q" not in kept:
            return None
        q = {"q": kept["q"]}
        return _seeker_page(request, {"kept": kept, "params": q, "form": {"cleaned_data": q}})


def _seeker_list(request: HttpRequest, params, context: dict) -> HttpResponse:
    """A seeker's search page whose block `_kept_seeker_list` did not find: built, kept, then
    filled for the visitor (the block is not looked up again: one lookup, one miss, a request)."""
    with _seeker_reads(request):
        context["kept"] = _build_kept(request, params, context, _seeker_search_key(request))
        return _seeker_page(request, context)


_KEPT_BLOCK_SLOT = jobs_cache.KEPT_BLOCK_SLOT.encode()


def _seeker_page(request: HttpRequest, context: dict) -> HttpResponse:
    """`render(request, "jobs/list.html", context)` for a page with a kept block: the template
    renders the page around it, the block's filled bytes (jobs.cache.FilledBlock, which the
    template's tags leave in `kept["filled"]`) go into the body where it put their slot. The
    last slot: only the template's own text follows the block (what a visitor typed is escaped
    before it, so no "<!--" of theirs precedes it either)."""
    page = render_to_string("jobs/list.html", context, request).encode()
    filled = context["kept"].get("filled")
    if filled is not None:
        head, slot, tail = page.rpartition(_KEPT_BLOCK_SLOT)
        if slot:
            page = b"".join((head, filled.body, tail))
    return HttpResponse(page)


def job_redirect(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.only("slug"), pk=pk)
    return HttpResponsePermanentRedirect(job.get_absolute_url())


@jobs_cache.cache_anonymous_page("detail", jobs_cache.DETAIL_PAGE_TIMEOUT, posting="pk")
def job_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    try:
        job, similar = job_page(pk)
    except Job.DoesNotExist:
        raise Http404("No such job posting.") from None
    if job.slug != slug:
        return HttpResponsePermanentRedirect(job.get_absolute_url())
    context = {"job": job, "similar": similar, **jobs_cache.shared_page_context(request)}
    if getattr(request, "jobs_shared_page", False):
        # A page built for everyone says already what the context processors would (an anonymous
        # visitor, no messages; the rest they add is for logged-in pages), so they are not run: ~4 %
        # of the page's render. test_posting_page holds the page equal to the one rendered with them.
        return _shared_page(request, "jobs/_detail_parts.html", context)
    return render(request, "jobs/detail.html", context)


# A page built for everyone (a posting's, an anonymous search's) is its own parts in the site's frame
# (base.html), and that frame is the same on every such page of the jobs section: the visitor is
# anonymous, with no messages and no CSRF token (shared_page_context), the header's section /jobs/.
# So the frame is rendered once per worker, with markers where the parts go (jobs/_shared_frame.html),
# and each page renders only its parts (jobs/_detail_parts.html, jobs/_list_parts.html: the blocks its
# whole template fills) and is put together from the two: the base template's blocks, tags and the
# inheritance walk were ~8 % of a posting page built on a miss. test_posting_page and
# test_search_page_parts hold the pages equal to the whole templates' (the first over postings of every
# shape with one frame: anything per page added to base.html outside its blocks fails it), and 150
# full-size postings and the searches of profile_pages.py --save-html are byte for byte the pages before.
_PART = "<!--part-->"
_BLOCKS = ("title", "description", "htmx", "content")
_SLOTS = tuple(f"<!--frame:{block}-->" for block in _BLOCKS)
_frames: dict[str, tuple[str, ...]] = {}


def _shared_page(request: HttpRequest, parts_template: str, context: dict) -> HttpResponse:
    """The page built for everyone: `parts_template`'s parts (split on its markers) in the frame."""
    context = {**context, "request": request}
    parts = render_to_string(parts_template, context).split(_PART, len(_BLOCKS) - 1)  # the last, the content, may hold anything
    frame = _shared_frame(context)
    pieces = [frame[0]]
    for part, after in zip(parts, frame[1:]):
        pieces += (part, after)
    return HttpResponse("".join(pieces))


def _shared_frame(context: dict) -> tuple[str, ...]:
    """base.html around a shared page's parts: the text before, between and after the four blocks,
    rendered once per worker (each time under DEBUG)."""
    frame = None if settings.DEBUG else _frames.get("jobs")
    if frame is None:
        slots = {block: mark_safe(slot) for block, slot in zip(_BLOCKS, _SLOTS)}  # noqa: S308 (markers)
        rest = render_to_string("jobs/_shared_frame.html", {**context, **slots})
        pieces = []
        for slot in _SLOTS:
            piece, rest = rest.split(slot, 1)
            pieces.append(piece)
        frame = (*pieces, rest)
        if not settings.DEBUG:
            _frames["jobs"] = frame
    return frame


@receiver(setting_changed)
def _forget_frame(*, setting: str, **kwargs) -> None:
    # What the frame holds depends on settings a running site never changes but tests do (static
    # files' names, templates, URLconf), as the header kept per worker (careercopilot/templatetags/ui.py).
    if setting in {"STORAGES", "STATIC_URL", "STATIC_ROOT", "ROOT_URLCONF", "TEMPLATES", "DEBUG"}:
        _frames.clear()


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
