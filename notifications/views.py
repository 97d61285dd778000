from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications import inbox, services
from notifications.forms import SavedSearchForm
from notifications.models import SavedSearch
from notifications.queries import describe, normalise, search_url_query
from notifications.selectors import get_saved_search_for, recent_matches


@login_required
def saved_search_list(request: HttpRequest) -> HttpResponse:
    searches = list(SavedSearch.objects.of(request.user))
    for search in searches:
        search.summary = describe(search.query)
        search.form = SavedSearchForm(initial={"name": search.name, "frequency": search.frequency}, auto_id=f"id_{search.pk}_%s")
    return render(request, "notifications/saved_searches.html", {"searches": searches})


@login_required
def saved_search_create(request: HttpRequest) -> HttpResponse:
    """GET /searches/new/?<the /jobs/ query>: name it and choose the emails; POST saves it."""
    normalised = normalise(request.GET)
    if normalised is None:
        return render(request, "notifications/saved_search_new.html", {"invalid": True}, status=400)
    query, sort = normalised
    form = SavedSearchForm(request.POST or None, initial={"name": (query.get("q") or "My search")[:100]})
    if request.method == "POST" and form.is_valid():
        try:
            search = services.saved_search_create(user=request.user, query=query, sort=sort, **form.cleaned_data)
        except services.SavedSearchError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved “{search.name}”. New matches will show here and on the bell.")
            return redirect("saved_search_list")
    context = {"form": form, "summary": describe(query), "query_string": request.GET.urlencode()}
    return render(request, "notifications/saved_search_new.html", context, status=400 if form.errors else 200)


@login_required
def saved_search_detail(request: HttpRequest, pk: int) -> HttpResponse:
    search = get_saved_search_for(request.user, pk)
    context = {
        "search": search, "summary": describe(search.query), "matches": recent_matches(search),
        "search_url": "/jobs/?" + search_url_query(search.query, search.sort),
    }
    response = render(request, "notifications/saved_search_detail.html", context)
    services.saved_search_mark_seen(saved_search=search)
    return response


@login_required
@require_POST
def saved_search_edit(request: HttpRequest, pk: int) -> HttpResponse:
    search = get_saved_search_for(request.user, pk)
    form = SavedSearchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the search a name and pick how often to email.")
        return redirect("saved_search_list")
    services.saved_search_update(saved_search=search, **form.cleaned_data)
    messages.success(request, f"Saved “{search.name}”.")
    return redirect("saved_search_list")


@login_required
@require_POST
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    search = get_saved_search_for(request.user, pk)
    services.saved_search_delete(saved_search=search)
    messages.success(request, f"Deleted “{search.name}”.")
    return redirect("saved_search_list")


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/list.html", {"notifications": inbox.notifications_of(request.user)})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read and go where it points (404 for someone else's)."""
    from django.http import Http404

    notification = inbox.notification_mark_read(user=request.user, notification_id=pk)
    if notification is None:
        raise Http404
    return redirect(notification.url or "notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = inbox.notifications_mark_all_read(user=request.user)
    messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} read.")
    return redirect("notification_list")
