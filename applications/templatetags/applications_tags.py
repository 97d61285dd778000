"""Template tags that let pages of lower apps show a seeker's pipeline without importing it.

The job page (a `jobs` template) asks `{% tracked_application job as application %}` and renders
`{% job_page_actions job %}`; search results ask `{% tracked_job_ids jobs as tracked %}` once,
`{% track_button job tracked %}` per card and `{% track_form job tracked %}` per card outside the
search form. `jobs` itself never learns that applications exist.
"""

from django import template

from applications.models import Application, Status

register = template.Library()


@register.simple_tag(takes_context=True)
def tracked_application(context, job) -> Application | None:
    """The visitor's application for this posting (one query), or None for anonymous visitors."""
    user = context["request"].user
    if not user.is_authenticated:
        return None
    return Application.objects.of(user).filter(job=job).only("status").first()


@register.inclusion_tag("applications/_job_page_actions.html", takes_context=True)
def job_page_actions(context, job) -> dict:
    """Track, or mark applied after applying on the employer's site; or where the seeker stands."""
    application = tracked_application(context, job)
    return {
        "job": job,
        "application": application,
        "can_mark_applied": bool(job.apply_url) and (application is None or application.status == Status.SAVED),
    }


@register.simple_tag(takes_context=True)
def tracked_job_ids(context, jobs) -> frozenset[int]:
    """Which of these postings the visitor tracks, in one query (none for anonymous visitors)."""
    user = context["request"].user
    if not user.is_authenticated or not jobs:
        return frozenset()
    return frozenset(Application.objects.of(user).filter(job__in=[job.pk for job in jobs]).values_list("job_id", flat=True))


def _track_context(context, job, tracked: frozenset[int]) -> dict:
    return {
        "job": job,
        "anonymous": not context["request"].user.is_authenticated,
        "tracked": job.pk in tracked,
        "next": context["request"].get_full_path(),
    }


@register.inclusion_tag("applications/_track_button.html", takes_context=True)
def track_button(context, job, tracked: frozenset[int] = frozenset()) -> dict:
    """A card's Track button. Anonymous visitors get a plain link, the same for everyone, so a
    page cached for them carries no one's CSRF token; it leads through log-in to the track page.

    A seeker's button posts the form `{% track_form %}` renders outside the search form (forms
    do not nest), through its `form` attribute; with htmx it is swapped for "Tracked" in place.
    """
    return _track_context(context, job, tracked)


@register.inclusion_tag("applications/_track_form.html", takes_context=True)
def track_form(context, job, tracked: frozenset[int] = frozenset()) -> dict:
    """The form a card's Track button submits; place it outside any other form."""
    return _track_context(context, job, tracked)
