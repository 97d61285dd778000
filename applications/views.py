from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from applications import exports
from applications.calendar import calendar_bytes
from applications.cache import pipeline_reads
from applications.cards import CSRF_PLACEHOLDER, DETAIL_TEMPLATE, application_page, board_columns, table_page
from applications.documents import DOCUMENT_MAX_BYTES
from applications.forms import (
    ApplicationEditForm,
    AttachForm,
    ContactForm,
    DocumentUploadForm,
    FilterForm,
    FollowUpForm,
    ImportConfirmForm,
    ImportUploadForm,
    InterviewForm,
    ManualApplicationForm,
    NoteForm,
    ReopenForm,
    StatusChangeForm,
    UndoForm,
)
from applications.imports import IMPORT_MAX_BYTES, FIELDS, ImportPlan, ImportRefused, decode_upload, plan_import, read_table
from applications.models import Application, last_undoable_change
from applications.templatetags.applications_tags import track_button_html
from applications.selectors import (
    applications_filtered,
    board_for,
    calendar_feed_by_token,
    calendar_items,
    contacts_for,
    deletions_for,
    documents_for,
    get_application_for,
    get_contact_for,
    get_document_for,
    get_interview_for,
    interviews_for,
    similar_applications,
    TablePaginator,
    timeline_for,
    tracked_keys,
)
from applications.services import (
    AlreadyTracked,
    ApplicationError,
    application_add_note,
    application_archive,
    application_change_status,
    application_create,
    application_delete,
    application_mark_applied,
    application_reopen,
    application_set_follow_up,
    application_unarchive,
    application_undo_status_change,
    application_update,
    applications_import,
    calendar_feed_ensure,
    calendar_feed_reset,
    contact_add,
    contact_delete,
    contact_update,
    document_attach,
    document_delete,
    document_detach,
    document_upload,
    interview_delete,
    interview_schedule,
    interview_update,
)
from jobs.models import Job

TABLE_PAGE_SIZE = 50
# The confirm step posts the checked file back as text, which can grow when re-encoded as UTF-8.
IMPORT_REQUEST_MAX_BYTES = 3 * IMPORT_MAX_BYTES


@lru_cache(maxsize=512)
def _filters_markup(data: tuple[tuple[str, str], ...]) -> str:
    return render_to_string("applications/_filters.html", {"form": FilterForm(dict(data))})


def _filters_html(form: FilterForm) -> str:
    """The table's filter form. Rendered through Django's widget templates it was some forty
    template renders a request; with no errors its markup depends only on the values typed, so
    each worker keeps the markup of the last few hundred combinations (no user data: the form
    has no CSRF token and the same values render the same markup for everyone)."""
    if form.errors:
        return render_to_string("applications/_filters.html", {"form": form})
    return _filters_markup(tuple((name, form.data[name]) for name in form.fields if name in form.data))


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET)
    with pipeline_reads(request.user.pk):  # the generations and the bell in one round trip
        table = table_page(request, form.filters(), request.GET.get("page"),
                           lambda user, filters: TablePaginator(user, filters, TABLE_PAGE_SIZE))
        # The pager needs only the count: the page's rows come assembled (applications/cards.py).
        page = Page(table["ids"], table["number"], Paginator(range(table["count"]), TABLE_PAGE_SIZE))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "applications/list.html", {
            "form": form, "filters": mark_safe(_filters_html(form)),  # noqa: S308 (our own rendered form)
            "page": page, "rows": table["rows"], "query": query.urlencode(),
        })


def _render_board(request: HttpRequest, *, error: str = "", notice: str = "", undo=None, status: int = 200) -> HttpResponse:
    """The board; `undo` is the change just made ("Moved to Offer. Undo"), as (application, event)."""
    template = "applications/_board.html" if request.htmx else "applications/board.html"
    with pipeline_reads(request.user.pk):  # the generations and the bell in one round trip
        columns, board_html = board_columns(request, board_for)
        context = {"columns": columns, "board_html": board_html, "error": error, "notice": notice, "undo": undo}
        return render(request, template, context, status=status)


@login_required
def application_board(request: HttpRequest) -> HttpResponse:
    undo = None
    moved = request.GET.get("moved", "")
    if moved.isdigit():
        # Back from a move without JavaScript: offer to undo it, if it is still the last change.
        application = Application.objects.of(request.user).filter(pk=moved).first()
        change = last_undoable_change(timeline_for(application)) if application else None
        if change is not None:
            undo = (application, change)
    return _render_board(request, undo=undo)


def _detail_context(request: HttpRequest, application: Application, **forms) -> dict:
    """The detail page's content: seven queries whatever the size of the timeline, interviews, contacts or library."""
    similar = similar_applications(
        request.user, company_name=application.display_company, title=application.display_title,
        exclude_pk=application.pk,
    )
    events = list(timeline_for(application))
    library = list(documents_for(request.user, application=application))
    return {
        "application": application,
        "events": events,
        "undoable": last_undoable_change(events),
        "similar": similar,
        "interviews": interviews_for(application),
        "contacts": contacts_for(application),
        "attached": [document for document in library if document.attached],
        "attachable": [document for document in library if not document.attached],
        "status_form": forms.get("status_form") or StatusChangeForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(initial={"next_follow_up": application.next_follow_up}),
        "interview_form": forms.get("interview_form") or InterviewForm(prefix="interview"),
        "contact_form": forms.get("contact_form") or ContactForm(prefix="contact"),
        "upload_form": forms.get("upload_form") or DocumentUploadForm(prefix="document"),
        "attach_error": forms.get("attach_error", ""),
    }


def _detail_title(application: Application) -> str:
    return f"{application.display_title} at {application.display_company}"


def _render_detail(request: HttpRequest, application: Application, status: int = 200, **forms) -> HttpResponse:
    """The page with what the visitor typed and its errors: rendered whole, never kept."""
    content = render_to_string(DETAIL_TEMPLATE, _detail_context(request, application, **forms), request=request)
    return render(request, "applications/detail.html", {"title": _detail_title(application), "content": content}, status=status)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    def read(pk: int) -> dict:
        application = get_application_for(request.user, pk)
        context = {**_detail_context(request, application), "csrf_token": CSRF_PLACEHOLDER}
        return {"title": _detail_title(application), "content": get_template(DETAIL_TEMPLATE).render(context)}

    with pipeline_reads(request.user.pk):  # the generations and the bell in one round trip
        return render(request, "applications/detail.html", application_page(request, pk, read))


def _safe_next(request: HttpRequest) -> str:
    """The page to go back to after a POST, if it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def application_track(request: HttpRequest, job_id: int) -> HttpResponse:
    """POST tracks the posting; GET asks first, so a login redirect lands somewhere sensible.

    From a search result card (htmx) the answer is the card's new button; without JavaScript
    the seeker goes back to the results (`next`) with a message.
    """
    job = get_object_or_404(Job.objects.select_related("company"), pk=job_id)
    if request.method == "GET":
        tracked = Application.objects.of(request.user).filter(job=job).first()
        return render(request, "applications/track.html", {"job": job, "tracked": tracked})
    back = _safe_next(request)
    try:
        application = application_create(user=request.user, job=job)
    except AlreadyTracked as exc:
        if request.htmx:
            return HttpResponse(track_button_html(job, tracked=True))
        messages.warning(request, exc.message)
        return redirect(back or exc.application.get_absolute_url())
    except ApplicationError as exc:  # the account is full (APPLICATIONS_PER_USER_MAX)
        if request.htmx:
            return HttpResponse(track_button_html(job, error=exc.message))
        return render(request, "applications/track.html", {"job": job, "tracked": None, "error": exc.message}, status=409)
    if request.htmx:
        return HttpResponse(track_button_html(job, tracked=True))
    messages.success(request, f"Tracking {job.title} at {job.company.name}.")
    if back:
        return redirect(back)
    if similar_applications(request.user, company_name=application.display_company, title=application.display_title,
                            exclude_pk=application.pk).exists():
        messages.warning(request, "You also track an application with the same company and title; see below.")
    return redirect(application)


@login_required
@require_POST
def application_mark_applied_view(request: HttpRequest, job_id: int) -> HttpResponse:
    """After applying on the employer's site: tracked and applied in one step, back on the job page."""
    job = get_object_or_404(Job.objects.select_related("company"), pk=job_id)
    application, changed = application_mark_applied(user=request.user, job=job)
    if changed:
        messages.success(request, f"Marked {job.title} at {job.company.name} as applied.")
    else:
        messages.info(request, f"You track it already; it is {application.get_status_display().lower()}.")
    return redirect(job.get_absolute_url())


@login_required
def application_new(request: HttpRequest) -> HttpResponse:
    """Add by hand a posting that is not in the catalogue; warns first about a same company and title."""
    form = ManualApplicationForm(request.POST or None)
    similar = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        similar = list(similar_applications(request.user, company_name=data["company_name"], title=data["title"])[:5])
        if not similar or data["confirm_duplicate"]:
            try:
                application = application_create(
                    user=request.user, company_name=data["company_name"], title=data["title"], url=data["url"],
                    status=data["status"],
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Added {application.title} at {application.company_name}.")
                return redirect(application)
        else:
            form.data = form.data.copy()
            form.data["confirm_duplicate"] = "1"
    status = 400 if form.errors else 200
    return render(request, "applications/new.html", {"form": form, "similar": similar}, status=status)


NEXT_PAGES = {"board": "application_board", "list": "application_list"}


@login_required
@require_POST
def application_change_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for(request.user, pk)
    next_page = request.POST.get("next", "")
    form = StatusChangeForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            application_change_status(application=application, to_status=form.cleaned_data["to_status"], by=request.user)
        except ApplicationError as exc:
            error = exc.message
            form.add_error("to_status", exc.message)
    else:
        error = " ".join(form.errors.get("to_status", ["Choose a status."]))
    moved = f"Moved {application.display_title} to {application.get_status_display().lower()}."
    if next_page == "board" and request.htmx:
        # 422 so the board's htmx config swaps the fragment in with the message.
        if error:
            return _render_board(request, error=error, status=422)
        return _render_board(request, notice=moved, undo=(application, application.events.order_by("-created_at", "-id")[0]))
    if error and next_page == "board":
        return _render_board(request, error=error, status=400)
    if error:
        return _render_detail(request, application, status=400, status_form=form)
    if next_page == "board":
        messages.success(request, moved)
        return redirect(f"{reverse('application_board')}?moved={application.pk}")
    messages.success(request, moved)
    if next_page in NEXT_PAGES:
        return redirect(NEXT_PAGES[next_page])
    return redirect(application)


@login_required
@require_POST
def application_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for(request.user, pk)
    form = UndoForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "That undo link is malformed; nothing was undone."
    else:
        try:
            application_undo_status_change(application=application, by=request.user, change_id=form.cleaned_data["change"])
        except ApplicationError as exc:
            error = exc.message
    done = f"Undone: {application.display_title} is {application.get_status_display().lower()} again."
    if request.POST.get("next") == "board":
        if request.htmx:
            return _render_board(request, error=error, notice="" if error else done, status=422 if error else 200)
        (messages.error if error else messages.success)(request, error or done)
        return redirect("application_board")
    (messages.error if error else messages.success)(request, error or done)
    return redirect(application)


@login_required
@require_POST
def application_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for(request.user, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            application_reopen(application=application, to_status=form.cleaned_data["to_status"],
                               reason=form.cleaned_data["reason"], by=request.user)
        except ApplicationError as exc:
            form.add_error("reason" if exc.field == "reason" else "to_status", exc.message)
        else:
            messages.success(request, f"Reopened as {application.get_status_display().lower()}.")
            return redirect(application)
    return _render_detail(request, application, status=400, reopen_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for(request.user, pk)
    initial = {
        "title": application.display_title, "company_name": application.display_company, "url": application.url,
        "location": application.display_location, "notes": application.notes, "salary_min": application.salary_min,
        "salary_max": application.salary_max, "salary_currency": application.salary_currency,
    }
    form = ApplicationEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            application_update(application=application, by=request.user, **changed)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Saved." if changed else "Nothing changed.")
            return redirect(application)
    return render(request, "applications/edit.html", {"application": application, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def application_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first (what goes with it); POST deletes. The deletion log keeps its name."""
    application = get_application_for(request.user, pk)
    if request.method == "POST":
        application_delete(application=application, by=request.user)
        messages.success(request, f"Deleted {application.display_title} at {application.display_company}.")
        return redirect("application_list")
    counts = {"events": application.events.count(), "interviews": application.interviews.count(),
              "contacts": application.contacts.count()}
    return render(request, "applications/delete.html", {"application": application, "counts": counts})


@login_required
@require_POST
def application_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for(request.user, pk)
    if request.POST.get("archived") == "0":
        application_unarchive(application=application, by=request.user)
        messages.success(request, "Back on the board.")
    else:
        application_archive(application=application, by=request.user)
        messages.success(request, "Archived: off the board, still in the table (Show: archived) and in exports.")
    return redirect(application)


@login_required
def application_deletions(request: HttpRequest) -> HttpResponse:
    return render(request, "applications/deleted.html", {"deletions": deletions_for(request.user)})


# --- Interviews and contacts ----------------------------------------------------------------

def _edit_page(request, *, form, item, application, title: str, status: int = 200) -> HttpResponse:
    return render(request, "applications/edit_item.html", {
        "form": form, "item": item, "application": application, "title": title,
    }, status=status)


@login_required
@require_POST
def interview_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for(request.user, pk)
    form = InterviewForm(request.POST, prefix="interview")
    if form.is_valid():
        try:
            interview_schedule(application=application, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Interview added.")
            return redirect(application)
    return _render_detail(request, application, status=400, interview_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def interview_edit(request: HttpRequest, pk: int) -> HttpResponse:
    interview = get_interview_for(request.user, pk)
    application = get_application_for(request.user, interview.application_id)
    initial = {name: getattr(interview, name) for name in InterviewForm.base_fields}
    form = InterviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            interview_update(interview=interview, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Interview saved.")
            return redirect(application)
    return _edit_page(request, form=form, item=interview, application=application, title="Edit interview",
                      status=400 if form.errors else 200)


@login_required
@require_POST
def interview_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    interview = get_interview_for(request.user, pk)
    interview_delete(interview=interview, by=request.user)
    messages.success(request, "Interview removed.")
    return redirect("application_detail", interview.application_id)


@login_required
@require_POST
def contact_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for(request.user, pk)
    form = ContactForm(request.POST, prefix="contact")
    if form.is_valid():
        try:
            contact_add(application=application, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Added {form.cleaned_data['name']}.")
            return redirect(application)
    return _render_detail(request, application, status=400, contact_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_contact_for(request.user, pk)
    application = get_application_for(request.user, contact.application_id)
    initial = {name: getattr(contact, name) for name in ContactForm.base_fields}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contact_update(contact=contact, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Contact saved.")
            return redirect(application)
    return _edit_page(request, form=form, item=contact, application=application, title="Edit contact",
                      status=400 if form.errors else 200)


@login_required
@require_POST
def contact_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_contact_for(request.user, pk)
    contact_delete(contact=contact, by=request.user)
    messages.success(request, f"Removed {contact.name}.")
    return redirect("application_detail", contact.application_id)


# --- Documents --------------------------------------------------------------------------------

DOCUMENT_REQUEST_MAX_BYTES = DOCUMENT_MAX_BYTES + 64 * 1024  # the file and the form around it


def _upload_too_big(request: HttpRequest) -> bool:
    # Refused before the body is read, so a huge upload is never spooled to disk.
    return int(request.META.get("CONTENT_LENGTH") or 0) > DOCUMENT_REQUEST_MAX_BYTES


TOO_BIG = f"The file is larger than the {DOCUMENT_MAX_BYTES // 1024 // 1024} MB limit for documents."


@login_required
@require_http_methods(["GET", "POST"])
def document_library(request: HttpRequest) -> HttpResponse:
    """The seeker's résumés and cover letters; uploading here adds to the library only."""
    refusal = TOO_BIG if request.method == "POST" and _upload_too_big(request) else ""
    if refusal:
        form = DocumentUploadForm(prefix="document")
    else:
        form = DocumentUploadForm(request.POST or None, request.FILES or None, prefix="document")
    if request.method == "POST" and not refusal and form.is_valid():
        data = form.cleaned_data
        try:
            document = document_upload(user=request.user, upload=data["file"], name=data["name"], kind=data["kind"])
        except ApplicationError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        else:
            messages.success(request, f"Added {document.name} to your documents.")
            return redirect("document_library")
    context = {"form": form, "documents": documents_for(request.user), "refusal": refusal}
    return render(request, "applications/documents.html", context, status=400 if form.errors or refusal else 200)


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file, to its owner only, always as a download: never shown inline on our origin."""
    document = get_document_for(request.user, pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file of this document is missing.") from None
    response = FileResponse(handle, as_attachment=True, filename=document.download_name, content_type=document.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def document_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_document_for(request.user, pk)
    document_delete(document=document)
    messages.success(request, f"Deleted {document.name}; it is gone from every application it was attached to.")
    return redirect("document_library")


@login_required
@require_POST
def document_attach_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a document from the library, or upload a new one and attach it in the same step."""
    application = get_application_for(request.user, pk)
    if _upload_too_big(request):
        return _render_detail(request, application, status=400, attach_error=TOO_BIG)
    if request.FILES:
        form = DocumentUploadForm(request.POST, request.FILES, prefix="document")
        if not form.is_valid():
            return _render_detail(request, application, status=400, upload_form=form)
        data = form.cleaned_data
        try:
            document = document_upload(user=request.user, upload=data["file"], name=data["name"], kind=data["kind"])
        except ApplicationError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
            return _render_detail(request, application, status=400, upload_form=form)
    else:
        form = AttachForm(request.POST)
        if not form.is_valid():
            return _render_detail(request, application, status=400, attach_error="Choose a document from your library.")
        document = get_document_for(request.user, form.cleaned_data["document"])
    document_attach(application=application, document=document, by=request.user)
    messages.success(request, f"Attached {document.name}.")
    return redirect(application)


@login_required
@require_POST
def document_detach_view(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    application = get_application_for(request.user, pk)
    document = get_document_for(request.user, document_pk)
    document_detach(application=application, document=document, by=request.user)
    messages.success(request, f"Detached {document.name}; it stays in your documents.")
    return redirect(application)


# --- Calendar feed ----------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """The seeker's secret feed URL, and the button that replaces it."""
    if request.method == "POST":
        calendar_feed_reset(user=request.user)
        messages.success(request, "New calendar address made; the old one no longer works.")
        return redirect("calendar_settings")
    feed = calendar_feed_ensure(user=request.user)
    url = request.build_absolute_uri(reverse("calendar_feed", args=[feed.token]))
    return render(request, "applications/calendar.html", {"feed": feed, "feed_url": url})


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed, for calendar apps: no session, the secret in the URL is the key."""
    feed = calendar_feed_by_token(token)
    interviews, follow_ups = calendar_items(feed.user)
    body = calendar_bytes(
        interviews=interviews, follow_ups=follow_ups, base_url=request.build_absolute_uri("/").rstrip("/"),
        name=f"Career Copilot ({feed.user.get_username()})",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="career-copilot.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def application_add_note_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for(request.user, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            application_add_note(application=application, text=form.cleaned_data["text"], by=request.user)
        except ApplicationError as exc:
            form.add_error("text", exc.message)
        else:
            messages.success(request, "Note added.")
            return redirect(application)
    return _render_detail(request, application, status=400, note_form=form)


@login_required
@require_POST
def application_set_follow_up_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application_for(request.user, pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            application_set_follow_up(application=application, on=form.cleaned_data["next_follow_up"], by=request.user)
        except ApplicationError as exc:
            form.add_error("next_follow_up", exc.message)
        else:
            messages.success(request, "Follow-up saved." if application.next_follow_up else "Follow-up cleared.")
            return redirect(application)
    return _render_detail(request, application, status=400, follow_up_form=form)


def _export_name(request: HttpRequest, extension: str) -> str:
    return f"applications-{timezone.localdate().isoformat()}.{extension}"


@login_required
@ratelimit(key="user", rate=lambda group, request: settings.THROTTLE_EXPORT, block=True)
def application_export(request: HttpRequest) -> StreamingHttpResponse:
    """The table's current filters, one row per application, streamed as CSV."""
    form = FilterForm(request.GET)
    # Archived applications stay in the export unless the table's filter says otherwise.
    applications = applications_filtered(request.user, form.filters(), archived="include")
    return StreamingHttpResponse(
        exports.application_lines(applications),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(request, "csv")}"',
                 "Cache-Control": "private, no-store"},
    )


@login_required
@ratelimit(key="user", rate=lambda group, request: settings.THROTTLE_EXPORT, block=True)
def application_export_zip(request: HttpRequest) -> FileResponse:
    """The same applications and their whole timeline: applications.csv and timeline.csv in a zip."""
    form = FilterForm(request.GET)
    applications = applications_filtered(request.user, form.filters(), archived="include")
    response = FileResponse(exports.export_zip(applications), as_attachment=True, filename=_export_name(request, "zip"),
                            content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


def _render_preview(request: HttpRequest, plan: ImportPlan, *, date_order: str, skip_errors: bool = False,
                    status: int | None = None) -> HttpResponse:
    initial = {"content": plan.text, "format": plan.format.key, "date_order": date_order, "skip_errors": skip_errors}
    initial.update({f"map_{name}": plan.mapping.get(name) for name in FIELDS})
    initial.update({f"status_map_{n}": unknown.mapped_to for n, unknown in enumerate(plan.unknown_statuses)})
    form = ImportConfirmForm(initial=initial, headers=plan.headers, statuses=plan.statuses_to_map)
    for n, unknown in enumerate(plan.unknown_statuses[: len(form.statuses)]):
        form.fields[f"status_map_{n}"].label = f"“{unknown.raw}” ({unknown.rows} row{'s' if unknown.rows != 1 else ''}) means"
    return render(request, "applications/import_preview.html", {
        "plan": plan, "form": form, "mapped": [(label, plan.column_of(name)) for name, label in FIELDS.items()],
    }, status=status or (200 if plan.importable else 400))


def _import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            text = decode_upload(data["file"].read(IMPORT_MAX_BYTES + 1), encoding=data["encoding"])
            plan = plan_import(text=text, existing=tracked_keys(request.user), requested_format=data["format"],
                               date_order=data["date_order"])
        except ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            return _render_preview(request, plan, date_order=data["date_order"])
    return render(request, "applications/import.html", {"form": form}, status=400 if form.errors else 200)


def _import_confirm(request: HttpRequest) -> HttpResponse:
    """Re-check the previewed file with the choices made on the preview, and import it, or show it again.

    Rows with problems are imported only if the seeker ticked "skip"; a status the file shows that
    the previous preview did not (a column mapped anew) sends the preview back rather than a guess in.
    """
    try:
        headers, _ = read_table(request.POST.get("content", ""))
        form = ImportConfirmForm(request.POST, headers=headers, statuses=request.POST.getlist("unknown_status"))
        if not form.is_valid():
            raise ImportRefused(" ".join(str(e) for errors in form.errors.values() for e in errors))
        data = form.cleaned_data
        plan = plan_import(
            text=data["content"], existing=tracked_keys(request.user), requested_format=data["format"],
            date_order=data["date_order"], mapping=form.mapping(), status_map=form.status_map(),
        )
    except ImportRefused as exc:
        context = {"form": ImportUploadForm(), "refusal": f"{exc} Nothing was imported."}
        return render(request, "applications/import.html", context, status=400)
    unseen_statuses = set(plan.statuses_to_map) - set(form.statuses)
    if "preview" in request.POST or unseen_statuses or not plan.importable or (plan.errors and not data["skip_errors"]):
        return _render_preview(request, plan, date_order=data["date_order"], skip_errors=data["skip_errors"],
                               status=200 if "preview" in request.POST and plan.importable else 400)
    try:
        created = applications_import(user=request.user, rows=plan.rows, source=plan.format.label)
    except ApplicationError as exc:
        context = {"form": ImportUploadForm(), "refusal": f"{exc.message} Nothing was imported."}
        return render(request, "applications/import.html", context, status=400)
    skipped = []
    if plan.errors:
        skipped.append(f"{len(plan.errors)} row{'s' if len(plan.errors) != 1 else ''} with problems")
    if plan.duplicates:
        skipped.append(f"{len(plan.duplicates)} already tracked or repeated")
    note = f" Skipped {' and '.join(skipped)}." if skipped else ""
    messages.success(request, f"Imported {len(created)} application{'s' if len(created) != 1 else ''}.{note}")
    return redirect("application_list")


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="user", rate=lambda group, request: settings.THROTTLE_IMPORT, method="POST", block=True)
def application_import(request: HttpRequest) -> HttpResponse:
    if int(request.META.get("CONTENT_LENGTH") or 0) > IMPORT_REQUEST_MAX_BYTES:
        # Refused before the body is read, so a huge upload is never spooled to disk.
        refusal = f"The file is larger than the {IMPORT_MAX_BYTES // 1024 // 1024} MB limit. Split it into smaller files."
        return render(request, "applications/import.html", {"form": ImportUploadForm(), "refusal": refusal}, status=400)
    if request.method == "POST" and "content" in request.POST:
        return _import_confirm(request)
    return _import_upload(request)
