from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from analytics import charts
from analytics.selectors import hidden_recommendations, recommendations_for, user_metrics_for
from analytics.services import recommendation_hide, recommendation_unhide
from applications.selectors import upcoming_interviews
from jobs.models import Job


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The seeker's figures, read from the stored snapshot through the cache: no aggregation here.

    The upcoming interviews are read live (one LIMITed query on the (user, starts_at) index):
    they change with the clock, which no stored snapshot follows.
    """
    metrics = user_metrics_for(request.user.id)
    context = {"metrics": metrics, "upcoming": upcoming_interviews(request.user)}
    if metrics is not None:
        context["funnel"] = charts.funnel(metrics)
        context["weekly"] = charts.weekly_activity(metrics)
        context["response"] = charts.response_rate(metrics)
    return render(request, "analytics/dashboard.html", context)


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
