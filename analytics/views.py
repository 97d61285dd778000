from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from analytics import charts
from analytics.selectors import recommendations_for, user_metrics_for
from applications.selectors import upcoming_interviews


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
    return render(request, "analytics/recommendations.html", {"recommendations": recommendations_for(request.user)})
