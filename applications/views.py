from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from applications import exports
from applications.forms import (
    FilterForm,
    FollowUpForm,
    ImportConfirmForm,
    ImportUploadForm,
    ManualApplicationForm,
    NoteForm,
    StatusChangeForm,
)
from applications.imports import IMPORT_MAX_BYTES, FIELDS, ImportPlan, ImportRefused, decode_upload, plan_import, read_table
from applications.models import Application
from applications.selectors import (
    applications_filtered,
    board_for,
    get_application_for,
    similar_applications,
    timeline_for,
    tracked_keys,
)
from applications.services import (
    AlreadyTracked,
    ApplicationError,
    application_add_note,
    application_change_status,
    application_create,
    application_mark_applied,
    application_set_follow_up,
    applications_import,
)
from jobs.models import Job

TABLE_PAGE_SIZE = 50
# The confirm step posts the checked file back as text, which can grow when re-encoded as UTF-8.
IMPORT_REQUEST_MAX_BYTES = 3 * IMPORT_MAX_BYTES


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET)
    page = Paginator(applications_filtered(request.user, form.filters()).for_display(), TABLE_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "applications/list.html", {
        "form": form, "page": page.get_page(request.GET.get("page")), "query": query.urlencode(),
    })


def _render_board(request: HttpRequest, *, error: str = "", notice: str = "", status: int = 200) -> HttpResponse:
    template = "applications/_board.html" if request.htmx else "applications/board.html"
    context = {"columns": board_for(request.user), "error": error, "notice": notice}
    return render(request, template, context, status=status)


@login_required
def application_board(request: HttpRequest) -> HttpResponse:
    return _render_board(request)


def _render_detail(request: HttpRequest, application: Application, status: int = 200, **forms) -> HttpResponse:
    similar = similar_applications(
        request.user, company_name=application.display_company, title=application.display_title,
        exclude_pk=application.pk,
    )
    return render(request, "applications/detail.html", {
        "application": application,
        "events": timeline_for(application),
        "similar": similar,
        "status_form": forms.get("status_form") or StatusChangeForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(initial={"next_follow_up": application.next_follow_up}),
    }, status=status)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, get_application_for(request.user, pk))


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
            return render(request, "applications/_track_button.html", {"job": job, "tracked": True})
        messages.warning(request, exc.message)
        return redirect(back or exc.application.get_absolute_url())
    except ApplicationError as exc:  # the account is full (APPLICATIONS_PER_USER_MAX)
        if request.htmx:
            return render(request, "applications/_track_button.html", {"job": job, "error": exc.message})
        return render(request, "applications/track.html", {"job": job, "tracked": None, "error": exc.message}, status=409)
    if request.htmx:
        return render(request, "applications/_track_button.html", {"job": job, "tracked": True})
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
        return _render_board(request, error=error, notice="" if error else moved, status=422 if error else 200)
    if error and next_page == "board":
        return _render_board(request, error=error, status=400)
    if error:
        return _render_detail(request, application, status=400, status_form=form)
    messages.success(request, moved)
    if next_page in NEXT_PAGES:
        return redirect(NEXT_PAGES[next_page])
    return redirect(application)


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
    applications = applications_filtered(request.user, form.filters())
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
    applications = applications_filtered(request.user, form.filters())
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
