from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from analytics import charts
from analytics.selectors import recommendations_for, user_metrics_for


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The seeker's figures, read from the stored snapshot through the cache: no aggregation here."""
    metrics = user_metrics_for(request.user.id)
    context = {"metrics": metrics}
    if metrics is not None:
        context["funnel"] = charts.funnel(metrics)
        context["weekly"] = charts.weekly_activity(metrics)
        context["response"] = charts.response_rate(metrics)
    return render(request, "analytics/dashboard.html", context)


@login_required
def recommendations(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/recommendations.html", {"recommendations": recommendations_for(request.user)})
