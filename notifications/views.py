from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Profile
from applications.models import Application
from applications.selectors import get_application_for
from applications.services import ApplicationError

from notifications import inbox, services, tokens
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


# --- Links from emails: signed, no log-in, one action -------------------------------------

KIND_NAMES = {"alerts": "new matches of your saved searches", "reminders": "follow-up and interview reminders"}


@csrf_exempt  # the signed token is the credential; mail clients POST the one-click unsubscribe (RFC 8058) without a cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners must not unsubscribe anyone); POST turns that kind of email off."""
    try:
        user_id, kind = tokens.read_unsubscribe_token(token)
    except tokens.BadLink:
        return render(request, "notifications/bad_link.html", status=400)
    context = {"kind_name": KIND_NAMES[kind], "token": token}
    if request.method == "POST":
        services.email_unsubscribe(user_id=user_id, kind=kind)
        return render(request, "notifications/unsubscribed.html", context)
    return render(request, "notifications/unsubscribe.html", context)


@csrf_exempt  # as above: the token authorises exactly this action on exactly this follow-up
@require_http_methods(["GET", "POST"])
def reminder_action(request: HttpRequest, token: str) -> HttpResponse:
    try:
        application_id, user_id, due, action = tokens.read_reminder_token(token)
    except tokens.BadLink:
        return render(request, "notifications/bad_link.html", status=400)
    application = Application.objects.filter(pk=application_id, user_id=user_id).select_related("user").first()
    if application is None:
        return render(request, "notifications/bad_link.html", status=400)
    context = {"application": application, "action": action, "token": token, "due": due}
    if application.next_follow_up != due:
        # Done, snoozed or moved since the email went: the link acts once, on what it named.
        return render(request, "notifications/reminder_done.html", {**context, "stale": True})
    if request.method == "POST":
        _follow_up_action(application, action, by=application.user)
        return render(request, "notifications/reminder_done.html", context)
    return render(request, "notifications/reminder_confirm.html", context)


def _follow_up_action(application, action: str, *, by) -> None:
    if action == "done":
        services.follow_up_done(application=application, by=by)
    else:
        services.follow_up_snooze(application=application, by=by, today=timezone.localdate(timezone=_zone_of(by)))


def _zone_of(user):
    profile = Profile.objects.filter(user=user).only("time_zone").first()
    return zoneinfo.ZoneInfo(profile.time_zone if profile else "UTC")


@login_required
@require_POST
def follow_up_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The dashboard's follow-up list: the same done/snooze as the email's links, logged in."""
    if action not in tokens.REMINDER_ACTIONS:
        raise Http404
    application = get_application_for(request.user, pk)
    try:
        _follow_up_action(application, action, by=request.user)
    except ApplicationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Follow-up done." if action == "done" else "Snoozed until tomorrow.")
    return redirect("dashboard")
