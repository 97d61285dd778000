"""Template tags that let pages of lower apps show a seeker's pipeline without importing it.

The job page (a `jobs` template) asks `{% tracked_application job as application %}` and renders
`{% job_page_actions job %}`; search results ask `{% tracked_job_ids jobs as tracked %}` once,
`{% track_button job tracked %}` per card and `{% track_form job tracked %}` per card outside the
search form; a seeker's search kept for everyone gets them through `{% seeker_marks kept %}`.
`jobs` itself never learns that applications exist.
"""

import re
from collections.abc import Callable
from types import SimpleNamespace

from django import template
from django.db import connections, router
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from applications.models import Application, Status
from jobs.cache import FilledBlock
from jobs.cards import id_array
from jobs.links import address, addresses
from jobs.templatetags.jobs_tags import escaped, sub_slots

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
    return _tracked_among(user.pk, [job.pk for job in jobs])


# `Application.objects.of(user).filter(job__in=…)`, written out: building and compiling that
# queryset was a tenth of a logged-in search page (~400 µs of a warm one's ~4 ms), the statement
# itself ~100 µs. And as one probe of (user_id, job_id) per shown posting (LATERAL): written as
# `job_id = ANY(…)`, PostgreSQL reads all of the seeker's entries in that index and filters them
# (`heavy`, 2,000 applications at full size: 1,978 buffers, 0.8-1.0 ms a page; probed: 66
# buffers, 0.12 ms). Read where the ORM would read it (the router: the primary after a write).
_TRACKED_SQL = (
    "SELECT a.job_id FROM unnest(%s::bigint[]) AS shown(id) CROSS JOIN LATERAL "
    f"(SELECT job_id FROM {Application._meta.db_table} a WHERE a.user_id = %s AND a.job_id = shown.id LIMIT 1) a"
)


def _tracked_among(user_id: int, job_ids: list[int]) -> frozenset[int]:
    connection = connections[router.db_for_read(Application)]
    if connection.vendor != "postgresql":  # the embedded default (SQLite): no arrays, no LATERAL
        return frozenset(Application.objects.filter(user_id=user_id, job_id__in=job_ids).values_list("job_id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(_TRACKED_SQL, [id_array(job_ids), user_id])
        return frozenset(row[0] for row in cursor.fetchall())


# A search page shows twenty of each: written here rather than as inclusion tags (a template
# render each was a seventh of a logged-in search page). The track view answers htmx with the
# same markup (track_button_html), so there is one copy of it.
_TRACK_LINK = '<a class="button secondary track-button" href="{}">Track</a>'
_TRACKED = ('<span class="muted track-button" id="track-button-{}" tabindex="-1" data-announce="Tracking {}">'
            'Tracked ✓<span class="visually-hidden"> {}</span></span>')
_TRACK_REFUSED = '<span class="muted track-button" role="alert" id="track-button-{}" tabindex="-1">{}</span>'
_TRACK_BUTTON = ('<button type="submit" form="track-{}" class="secondary track-button" id="track-button-{}" aria-label="Track {}"\n'
                 '    hx-post="{}" hx-include="#track-{}"\n'
                 '    hx-target="this" hx-swap="outerHTML" hx-select="unset" hx-push-url="false">Track</button>')
_TRACK_FORM = '<form id="track-{}" method="post" action="{}" hidden>{}<input type="hidden" name="next" value="{}"></form>'
_CSRF_INPUT = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'  # as Django's {% csrf_token %}


_URL_PROBE = 918273645  # no posting's id: marks where an id goes in a track URL


def _track_url(pk: int) -> str:
    return address("application_track", int(pk))  # reverse() without the resolver walk (jobs.links)


# The one source of a seeker's Track markup, for the tags below and for `seeker_marks`: `title`,
# `csrf` and `back` arrive escaped (conditional_escape, as format_html would), `pk` is an int.
def _tracked_markup(pk: int, title: SafeString) -> str:
    return _TRACKED.format(pk, title, title)


def _button_markup(pk: int, title: SafeString, url: str) -> str:
    return _TRACK_BUTTON.format(pk, pk, title, url, pk)


def _form_markup(pk: int, url: str, csrf: SafeString | str, back: SafeString) -> str:
    return _TRACK_FORM.format(pk, url, csrf, back)


def _csrf_input(token) -> SafeString | str:
    return format_html(_CSRF_INPUT, token) if token and token != "NOTPROVIDED" else ""


def track_button_html(job, *, anonymous: bool = False, tracked: bool = False, error: str = "") -> SafeString:
    """A posting's Track control: one id for the button and what replaces it, so focus stays on
    the spot after the htmx swap (js/htmx-config.js)."""
    if error:
        return format_html(_TRACK_REFUSED, job.pk, error)
    if anonymous:
        return format_html(_TRACK_LINK, _track_url(job.pk))
    title = conditional_escape(job.title)
    pk = int(job.pk)
    return mark_safe(_tracked_markup(pk, title) if tracked else _button_markup(pk, title, _track_url(pk)))  # noqa: S308 (escaped)


@register.simple_tag(takes_context=True)
def track_button(context, job, tracked: frozenset[int] = frozenset()) -> str:
    """A card's Track button. Anonymous visitors get a plain link, the same for everyone, so a
    page cached for them carries no one's CSRF token; it leads through log-in to the track page.

    A seeker's button posts the form `{% track_form %}` renders outside the search form (forms
    do not nest), through its `form` attribute; with htmx it is swapped for "Tracked" in place.
    """
    anonymous = not context["request"].user.is_authenticated
    tracked_now = not anonymous and job.pk in tracked
    markup = track_button_html(job, anonymous=anonymous, tracked=tracked_now)
    return mark_safe(f"\n{markup}\n")  # noqa: S308 (escaped by format_html)


def track_buttons(context, tracked: frozenset[int] = frozenset()) -> Callable[[object], str]:
    """track_button(context, job, tracked) for every card of one page: who the visitor is and
    the track address's layout are looked up once, not per card (the visitor is a lazy object,
    the layout two context locals)."""
    if context["request"].user.is_authenticated:
        return lambda job: track_button(context, job, tracked)
    track_url = addresses("application_track", int)
    return lambda job: f"\n{_TRACK_LINK.format(escaped(track_url(int(job.pk))))}\n"


@register.simple_tag(takes_context=True)
def track_form(context, job, tracked: frozenset[int] = frozenset()) -> str:
    """The form a card's Track button submits; place it outside any other form."""
    if not context["request"].user.is_authenticated or job.pk in tracked:
        return mark_safe("\n")
    pk = int(job.pk)
    markup = _form_markup(pk, _track_url(pk), _csrf_input(context.get("csrf_token")), conditional_escape(context["request"].get_full_path()))
    return mark_safe(f"{markup}\n")  # noqa: S308 (every value escaped)


# Where a search kept for every seeker (jobs/views.py) has a card's Track button or form; the
# block is kept as its UTF-8 bytes (jobs.cache.FilledBlock).
_TRACK_SLOT = re.compile(r"<!--track(-form)?:(\d+)-->")
_TRACK_SLOT_BYTES = re.compile(rb"<!--track(-form)?:(\d+)-->")


@register.simple_tag(takes_context=True)
def seeker_marks(context, kept: dict) -> FilledBlock | SafeString:
    """A seeker's search kept for everyone, with this visitor's own part put in: each card's
    Track button (or "Tracked") and the form it posts, with their CSRF token. One query.

    The same markup as `track_button` and `track_form` give (the same functions make it; a test
    holds them equal), with what is the same for every card worked out once: per card, through
    the tags, the visitor (a lazy object), `format_html` and `reverse` were a third of the
    page's CPU. Filled as bytes, and left in `kept["filled"]` for the view to put into the page
    (jobs.views._seeker_page): the template prints only its slot."""
    request = context["request"]
    if not request.user.is_authenticated:  # never asked (jobs.views keeps a search for seekers only): as the tags would
        jobs = {pk: SimpleNamespace(pk=pk, title=title) for pk, title in kept["jobs"]}

        def anonymous(match) -> str:
            job = jobs.get(int(match.group(2)))
            return "" if job is None else track_form(context, job) if match.group(1) else track_button(context, job)

        return mark_safe(_TRACK_SLOT.sub(anonymous, kept["html"].decode()))  # noqa: S308 (kept markup and format_html's)
    titles = {pk: escaped(title) for pk, title in kept["jobs"]}
    tracked = _tracked_among(request.user.pk, list(titles)) if titles else frozenset()
    csrf = _csrf_input(context.get("csrf_token"))
    back = escaped(request.get_full_path())
    head, _, tail = _track_url(_URL_PROBE).partition(str(_URL_PROBE))  # every card's URL from one address()

    def fill(match) -> bytes:
        pk = int(match.group(2))
        title = titles.get(pk)
        if title is None:
            return b""
        if match.group(1):  # the form, outside the search form; none for a posting already tracked
            return b"\n" if pk in tracked else f"{_form_markup(pk, f'{head}{pk}{tail}', csrf, back)}\n".encode()
        return f"\n{_tracked_markup(pk, title) if pk in tracked else _button_markup(pk, title, f'{head}{pk}{tail}')}\n".encode()

    kept["filled"] = FilledBlock(sub_slots(_TRACK_SLOT_BYTES, b"<!--track", kept["html"], fill))
    return kept["filled"]
