from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jobs.models import Job


def home(request: HttpRequest) -> HttpResponse:
    newest = Job.objects.active().select_related("company").order_by("-posted_at", "-id")[:10]
    return render(request, "home.html", {"newest": newest})
