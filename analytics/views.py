import time
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from analytics import charts
from analytics.selectors import (
    dashboard_reads, figures_updating, hidden_recommendations, kept_figures, recommendations_for, user_metrics_for,
)
from analytics.services import recommendation_hide, recommendation_unhide
from applications.selectors import upcoming_schedule
from jobs.models import Job

# While a change is not in the figures yet, the page asks every POLL_SECONDS whether it is
# (a 204 until then: one query, two cache reads, no HTML), for at most POLL_FOR_SECONDS.
POLL_SECONDS = 2
POLL_FOR_SECONDS = 60


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The seeker's figures, read from the stored snapshot through the cache: no aggregation here.

    The upcoming interviews move with the clock, which no stored snapshot follows: they come
    from their own cache entry, which expires when the first of them starts.

    After the seeker's own change the snapshot lags by a few seconds (a Celery task recomputes
    it): the page says the figures are updating and polls itself (htmx, the figures only) until
    the new snapshot lands, then swaps them in and announces it in the live region.
    """
    with dashboard_reads(request.user.id):  # the cached reads below, the bell's too, in two round trips
        metrics = user_metrics_for(request.user.id)
        updating = figures_updating(request.user.id, metrics)
        polling = updating is not None and time.time() - updating < POLL_FOR_SECONDS
        if request.htmx:
            if polling:
                return HttpResponse(status=204)  # not yet: htmx swaps nothing and asks again
            return render(request, "analytics/_figures.html", _figures_context(metrics, updating, polling))
        context = {"upcoming": upcoming_schedule(request.user), **_figures_context(metrics, updating, polling)}
        if metrics is not None and updating is None:
            context["figures_html"] = _kept_figures(request, context)
        return render(request, "analytics/dashboard.html", context)  # the header's bell is read ahead too


# Stands in for the CSRF token of the follow-ups' forms in the kept figures; letters only.
_CSRF_PLACEHOLDER = "figuresCsrfTokenPlaceholder"


def _kept_figures(request: HttpRequest, context: dict) -> str:
    """The settled figures, rendered once per snapshot (analytics.selectors.kept_figures) without
    anyone's CSRF token; this visitor's is put in here."""
    html = kept_figures(request.user.id, context["metrics"],
                        lambda: render_to_string("analytics/_figures.html", {**context, "csrf_token": _CSRF_PLACEHOLDER}))
    if _CSRF_PLACEHOLDER in html:
        html = html.replace(_CSRF_PLACEHOLDER, get_token(request))
    return mark_safe(html)  # noqa: S308 (our own rendered markup)


def _figures_context(metrics, updating, polling) -> dict:
    context = {"metrics": metrics, "updating": updating is not None, "polling": polling, "poll_seconds": POLL_SECONDS}
    if metrics is not None:
        context["funnel"] = charts.funnel(metrics)
        context["weekly"] = charts.weekly_activity(metrics)
        context["response"] = charts.response_rate(metrics)
    return context


@login_required
def recommendations(request: HttpRequest) -> HttpResponse:
    """Matches best first, each with Track (the applications' own button) and "Not interested";
    below them the postings hidden so far, each with an undo."""
    # Cached entries are plain dicts; the Track button reads `pk` and `title` off the card.
    cards = [SimpleNamespace(pk=found["id"], **found) for found in recommendations_for(request.user)]
    return render(request, "analytics/recommendations.html",
                  {"recommendations": cards, "hidden": hidden_recommendations(request.user)})


@login_required
@require_POST
def recommendation_not_interested(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.only("title"), pk=job_id)
    recommendation_hide(user=request.user, job=job)
    messages.success(request, f"{job.title} will not be recommended again. You can undo this under “Hidden postings”.")
    return redirect("recommendations")


@login_required
@require_POST
def recommendation_undo_not_interested(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job.objects.only("title"), pk=job_id)
    if recommendation_unhide(user=request.user, job=job):
        messages.success(request, f"{job.title} can be recommended again.")
    return redirect("recommendations")
