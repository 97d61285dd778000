"""How pages say dates, salaries and descriptions: one format everywhere, in the seeker's zone.

The seeker's zone is active for the request (accounts.time_zones), so `localtime` here is theirs.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import cmarkgfm
from cmarkgfm.cmark import Options as CmarkOptions
import nh3
from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import stringfilter
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dates import MONTHS_3
from django.utils.text import add_truncation_text
from django.utils.translation import get_language
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from jobs.cache import FilledBlock
from jobs.templatetags.jobs_tags import escaped, sub_slots

register = template.Library()


DATE = "j M Y"  # 3 Dec 2026
DATE_TIME = "j M Y, H:i"  # 3 Dec 2026, 14:05
FULL = "j M Y, H:i T"  # the tooltip names the zone

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
_PERIODS = {"year": "a year", "month": "a month", "week": "a week", "day": "a day", "hour": "an hour"}


def _local(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


@lru_cache(maxsize=16)
def _months(language: str | None) -> tuple[str, ...]:
    """"Jan" … "Dec" as Django's "M" says them in this language (its MONTHS_3, title-cased)."""
    return ("", *(str(MONTHS_3[month]).title() for month in range(1, 13)))


def _formatted(value, layout: str, months: tuple[str, ...] | None = None) -> str:
    """`date_format(value, layout)` for the three layouts above, without Django's general
    formatter (a parser and a method call per character: 20 µs a date, two per card and page).
    The same text, zone name included (none for an ambiguous or imaginary wall time, as Django);
    a naive datetime or another layout takes Django's path."""
    if isinstance(value, dt.datetime):
        tzinfo = value.tzinfo
        if tzinfo is None or layout not in (DATE_TIME, FULL):
            return date_format(value, layout)
        month = (months or _months(get_language()))[value.month]
        text = f"{value.day} {month} {value.year:04d}, {value.hour:02d}:{value.minute:02d}"
        if layout == DATE_TIME:
            return text
        offset = value.utcoffset()
        zone = "" if tzinfo.utcoffset(value.replace(fold=not value.fold)) != offset else str(tzinfo.tzname(value))
        return f"{text} {zone}"
    if isinstance(value, dt.date) and layout == DATE:
        return f"{value.day} {_months(get_language())[value.month]} {value.year:04d}"
    return date_format(value, layout)


@register.filter
def when(value) -> str:
    """The one way a page writes a moment: "3 Dec 2026, 14:05" (a date alone: "3 Dec 2026")."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    value = _local(value)
    return _formatted(value, DATE_TIME if isinstance(value, dt.datetime) else DATE)


@register.filter
def ago(value, now=None) -> str:
    """Short relative time: "just now", "5 min ago", "3 h ago", "2 days ago", "3 weeks ago", "4 months ago"."""
    if value in (None, ""):
        return ""
    now = now or timezone.now()
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time.min, tzinfo=timezone.get_current_timezone())
    return _ago_text(value, now)


def _ago_text(value: dt.datetime, now: dt.datetime) -> str:
    seconds = (now - value).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "just now"
    for size, unit in ((31_536_000, "year"), (2_592_000, "month"), (604_800, "week"), (86_400, "day"),
                       (3_600, "h"), (60, "min")):
        if seconds >= size:
            count = int(seconds // size)
            word = unit if unit in ("h", "min") else unit + ("s" if count != 1 else "")
            return f"in {count} {word}" if future else f"{count} {word} ago"
    return "just now"  # pragma: no cover


# A relative time in markup that is kept in a cache: a slot naming the moment, filled in with
# its "3 days ago" text per response (`fill_ago_slots`), so the kept markup never ages. A comment:
# text anyone typed is escaped, so "<!--" in the markup only ever comes from a template.
_AGO_SLOT = re.compile(r"<!--ago:(-?\d+)-->")
_AGO_SLOT_BYTES = re.compile(rb"<!--ago:(-?\d+)-->")


def _ago_slot(value) -> str:
    return mark_safe(f"<!--ago:{int(value.timestamp() * 1_000_000)}-->")  # noqa: S308 (digits)


@register.filter
def fill_ago_slots(html: str, now=None):
    """`html` with each slot of a "slot" `time_tag` replaced by its relative time as of `now`; a
    kept search block being filled as bytes (jobs.cache.FilledBlock) is filled in place."""
    if isinstance(html, FilledBlock):
        if b"<!--ago:" in html.body:
            now = now or timezone.now()
            html.body = sub_slots(_AGO_SLOT_BYTES, b"<!--ago:", html.body, lambda match: _slot_text(match, now).encode())
        return html
    if "<!--ago:" not in html:
        return mark_safe(html)  # noqa: S308 (markup the caller rendered)
    now = now or timezone.now()
    return mark_safe(sub_slots(_AGO_SLOT, "<!--ago:", html, lambda match: _slot_text(match, now)))  # noqa: S308 (plain text put into our own markup)


def _slot_text(match, now: dt.datetime) -> str:
    """A slot's relative time as of `now` (its digits: microseconds since the epoch, _ago_slot)."""
    return _ago_text(dt.datetime.fromtimestamp(int(match.group(1)) / 1_000_000, dt.timezone.utc), now)


@register.simple_tag
def time_tag(value, style: str = "date", prefix: str = ""):
    """`<time>` with a machine-readable datetime and the full moment in the seeker's zone as its
    title; the text is the date ("date"), a short relative time ("ago") or, in markup kept in a
    cache, a slot for the relative time filled in per response ("slot", `fill_ago_slots`)."""
    if value in (None, ""):
        return ""
    local = _local(value)
    iso = local.isoformat() if isinstance(local, (dt.datetime, dt.date)) else str(local)
    title = _formatted(local, FULL if isinstance(local, dt.datetime) else DATE)
    if style == "slot" and isinstance(value, dt.datetime):
        text = _ago_slot(value)
    elif style in ("ago", "slot"):
        text = ago(value)
    else:  # when(value), with the moment already in the seeker's zone
        text = _formatted(local, DATE_TIME if isinstance(local, dt.datetime) else DATE) if isinstance(local, (dt.datetime, dt.date)) else when(value)
    return _time_markup(iso, title, text, prefix)


def _time_markup(iso: str, title: str, text, prefix: str = "") -> str:
    # format_html's markup, printed directly: two of these on every card and posting page.
    return mark_safe(f'<time datetime="{escaped(iso)}" title="{escaped(title)}">{escaped(prefix)}{escaped(text)}</time>')  # noqa: S308 (each value escaped)


_ONE_OFFSET_ZONES = {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu", "GMT", "Etc/GMT"}


def time_tags(style: str = "date") -> Callable[[Any], str]:
    """time_tag(value, style) for the many moments of one response: the seeker's zone, the
    language and the time now (context locals, read three or four times a tag) are read once,
    by this call. A value time_tag would not treat as an aware datetime goes through it. The
    markup comes as a plain string, escaped, for a caller that prints it inside its own markup."""
    zone, months, now = timezone.get_current_timezone(), _months(get_language()), timezone.now()
    # time_tag's markup, worked out with less: the month names escaped once, a zone's name once
    # per offset, and nothing else escaped, as nothing else can hold a character to escape (digits,
    # the ISO form's -:+.T, the relative time's own words). 73 -> 40 K instructions a tag, twenty
    # a search page.
    month_names = tuple(escaped(month) for month in months)
    zone_names: dict = {}
    fixed = isinstance(zone, dt.timezone) or str(zone) in _ONE_OFFSET_ZONES

    def tag(value) -> str:
        if type(value) is not dt.datetime or value.utcoffset() is None:
            return time_tag(value, style)
        local = value.astimezone(zone)
        # As _formatted: no zone name for a wall time that is ambiguous or imaginary in the zone
        # (never in a zone of one offset, such as the anonymous visitor's UTC).
        name = local.tzname() if fixed or zone.utcoffset(local.replace(fold=not local.fold)) == local.utcoffset() else ""
        shown = zone_names.get(name)
        if shown is None:
            shown = zone_names[name] = escaped(str(name))
        when = f"{local.day} {month_names[local.month]} {local.year:04d}, {local.hour:02d}:{local.minute:02d}"
        if style == "slot":
            text = f"<!--ago:{int(value.timestamp() * 1_000_000)}-->"
        elif style == "ago":
            text = _ago_text(value, now)
        else:
            text = when
        return f'<time datetime="{local.isoformat()}" title="{when} {shown}">{text}</time>'

    return tag


def _amount(value: int, symbol: str) -> str:
    if value >= 1_000_000 and value % 10_000 == 0:
        return f"{symbol}{value / 1_000_000:,.2f}".rstrip("0").rstrip(".") + "M"
    if value >= 1000 and value % 100 == 0:
        thousands = value / 1000
        number = f"{thousands:,.0f}" if thousands == int(thousands) else f"{thousands:,.1f}"
        return f"{symbol}{number}k"
    return f"{symbol}{value:,}"


@register.filter
def salary(item) -> str:
    """A human range: "$120k–150k a year", "€60k+", "$45–60 an hour"; "" when nothing was said.
    Works for a posting and for an application (its own figures, else its posting's)."""
    low, high = getattr(item, "salary_min", None), getattr(item, "salary_max", None)
    currency = getattr(item, "salary_currency", "") or ""
    period = getattr(item, "salary_period", "year") or "year"
    job = getattr(item, "job", None) if hasattr(item, "job_id") else None
    if low is None and high is None and job is not None:
        return salary(job)
    if low is None and high is None:
        return ""
    symbol = _SYMBOLS.get(currency, "")
    prefix = symbol or (f"{currency} " if currency else "")
    per = _PERIODS.get(period, "")
    if low is not None and high is not None and low != high:
        low_text = _amount(low, prefix)
        high_text = _amount(high, "")
        if low_text[-1:] != high_text[-1:] and not (low_text[-1:].isdigit() and high_text[-1:].isdigit()):  # 900–1.2k reads badly: say both in full
            low_text, high_text = f"{prefix}{low:,}", f"{high:,}"
        text = f"{low_text}–{high_text}"
    else:
        text = _amount(low if low is not None else high, prefix) + ("+" if high is None else "")
    return f"{text} {per}".strip()


@register.filter(is_safe=True)
@stringfilter
def first_words(value: str, count) -> str:
    """`truncatewords`, reading only the first `count` words: Django's splits the whole text, 30 µs
    of a posting page built on a miss for its ~210-word description's meta tag."""
    count = int(count)
    if count <= 0:
        return ""
    words = value.split(None, count)  # at most count + 1 parts: the words wanted, then the rest
    if len(words) > count:
        return add_truncation_text(" ".join(words[:count]), " …")
    return " ".join(words)


# What a description may keep: the structure Markdown produces, nothing that runs or styles.
_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "h3", "h4", "h5", "blockquote", "code", "pre", "a", "hr"}
_HEADING = re.compile(r"^(#{1,2})(?=\s)", re.MULTILINE)
# Built once: nh3.clean() builds the same sanitiser from these options on every call (a quarter of its time).
_CLEANER = nh3.Cleaner(tags=_TAGS, attributes={"a": {"href"}}, link_rel="nofollow noopener noreferrer",
                       url_schemes={"http", "https", "mailto"})
# What in cmark's HTML nh3 would not give back as it is. From a source with no "<" (so no raw HTML
# and no autolink), cmark writes only its own balanced tags and text escaped as html5ever
# serialises it; of those, nh3 returns unchanged the bare tags below and &amp; &lt; &gt;. It
# rewrites the rest: a link (its rel), an image, an underlined heading (h1/h2) or an h6, a code
# block, a rule, a line break (`<br />`), `&quot;`, a no-break space. Most descriptions (every seeded
# one) are paragraphs, lists and emphasis: they skip nh3, two thirds of the filter's time (~17 µs,
# ~0.35 M instructions of a posting page built on a miss). test_ui_tags holds the two paths equal.
# Written to start with its characters, so the engine skips to the next one (as _MARKDOWN_MARKS):
# as three branches it tried each at every character, 15-26 µs a description, nh3's own cost.
_CLEANER_WOULD_CHANGE = re.compile(
    r"[<&\r\x00\xa0](?!(?<=<)/?(?:p|ul|ol|li|em|strong|h3|h4|h5|blockquote|code)>)(?!(?<=&)(?:amp|lt|gt);)")


@register.filter
def markdown(text: str) -> str:
    """A posting's description as paragraphs, lists and headings. CommonMark (cmark-gfm's C
    library: 20 µs where python-markdown took 1.5 ms, a third of a posting page's build) makes
    the structure; nh3 then keeps only the tags above, so HTML an import carried in is never
    passed through. cmark is told to pass raw HTML on (UNSAFE) so that nh3, the one sanitiser,
    decides what of it stays (a plain link does, as before). Headings start at h3: the page has
    its own h1 and h2."""
    if not text:
        return ""
    source = _HEADING.sub("###", text) if "#" in text else text  # the search alone: 6-10 µs a description
    html = cmarkgfm.markdown_to_html(source, options=CmarkOptions.CMARK_OPT_UNSAFE)
    if "<" not in text and not _CLEANER_WOULD_CHANGE.search(html):
        return mark_safe(html)  # noqa: S308 (what nh3 would give back: _CLEANER_WOULD_CHANGE)
    return mark_safe(_CLEANER.clean(html))


@lru_cache(maxsize=1)
def _sprite() -> str:
    return static("icons.svg")  # the same hashed name for the worker's life


@register.simple_tag
def icon(name: str, label: str = ""):
    """An icon from the SVG sprite; decorative unless given a label (kept per worker: a card has four)."""
    return _icon_markup(name, label)


@lru_cache(maxsize=256)
def _icon_markup(name: str, label: str):
    href = _sprite() + "#" + name
    if label:
        return format_html('<svg class="icon" role="img" aria-label="{}"><use href="{}"></use></svg>', label, href)
    return format_html('<svg class="icon" aria-hidden="true" focusable="false"><use href="{}"></use></svg>', href)


@register.simple_tag
def select_options(choices, selected):
    """A select's options, `selected` marking the one equal to it: what a template loop of
    `<option value="{{ value }}"{% if current == value %} selected{% endif %}>{{ label }}</option>`
    printed (the search form's 41 currencies were a fifth of its render that way). The markup of
    a (choices, selected) pair is kept per worker: a form's choices never change while it runs."""
    choices = tuple(choices)
    try:
        return _options(choices, selected, get_language())
    except TypeError:  # something unhashable in them: printed each time
        return _options.__wrapped__(choices, selected, None)


@lru_cache(maxsize=256)
def _options(choices: tuple, selected, language: str | None):
    return format_html_join("", "<option value=\"{}\"{}>{}</option>",
                            ((value, " selected" if selected == value else "", label) for value, label in choices))


# The sections the header marks as current (nav_current in _header.html).
_SECTIONS = ("/jobs/", "/applications/", "/dashboard/", "/recommendations/", "/searches/", "/notifications/",
             "/profile/", "/login/")
_HEADER_SLOT = re.compile(r"<!--header:(\w+)-->")


@lru_cache(maxsize=32)
def _header_markup(authenticated: bool, section: str) -> str:
    # Rendered as if on the section's own path: nav_current only compares the path with prefixes.
    return render_to_string("_header.html", {"authenticated": authenticated, "request": SimpleNamespace(path=section)})


@register.simple_tag(takes_context=True)
def site_header(context):
    """The site's header. Its markup is the same for every visitor in a section of the site but
    for the seeker's name, their unread count and their CSRF token: rendered once per worker and
    section (twenty-odd tags, a sixth of a small logged-in page's CPU), with those three filled
    in per request, so the kept markup is nobody's."""
    request, user = context.get("request"), context.get("user")
    path = getattr(request, "path", "")
    section = "/" if path == "/" else next((prefix for prefix in _SECTIONS if path.startswith(prefix)), "")
    authenticated = bool(user is not None and user.is_authenticated)
    markup = (_header_markup.__wrapped__ if settings.DEBUG else _header_markup)(authenticated, section)
    if not authenticated:
        return mark_safe(markup)  # noqa: S308 (our own template's markup)

    def fill(match) -> str:
        name = match.group(1)
        if name == "username":
            return conditional_escape(user.username)
        if name == "bell":
            unread = context.get("bell_unread")
            unread = unread() if callable(unread) else unread
            return format_html('<span class="count" id="bell-count">{}<span class="visually-hidden"> unread</span></span>',
                               unread) if unread else ""
        token = context.get("csrf_token")  # as Django's {% csrf_token %}
        if not token or token == "NOTPROVIDED":
            return ""
        return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)

    return mark_safe(_HEADER_SLOT.sub(fill, markup))  # noqa: S308 (our markup, each slot escaped)


@lru_cache(maxsize=1)
def _head_markup() -> str:
    return render_to_string("_head_assets.html").rstrip("\n")


@register.simple_tag
def site_head():
    """The head's stylesheet and scripts: the same for every page and visitor, so their four
    static-file lookups are made once per worker (as the header, site_header)."""
    return mark_safe((_head_markup.__wrapped__ if settings.DEBUG else _head_markup)())  # noqa: S308 (our template)


@lru_cache(maxsize=1)
def _htmx_markup() -> str:
    return render_to_string("_htmx.html")


@register.simple_tag
def htmx_scripts():
    """htmx and its settings, for a page that swaps parts of itself (`{% block htmx %}`): the same
    two static-file lookups for every visitor, made once per worker (as site_head) instead of an
    include on every search page built."""
    return mark_safe((_htmx_markup.__wrapped__ if settings.DEBUG else _htmx_markup)())  # noqa: S308 (our template)


# What these keep once per worker depends on settings that never change in a running site but
# do in tests (override_settings of STORAGES for hashed names, of ROOT_URLCONF …): forget it then,
# as Django's own static-files storage does on the same signal.
_WORKER_MARKUP_SETTINGS = {"STORAGES", "STATIC_URL", "STATIC_ROOT", "ROOT_URLCONF", "TEMPLATES", "DEBUG"}


@receiver(setting_changed)
def _forget_worker_markup(*, setting: str, **kwargs) -> None:
    if setting in _WORKER_MARKUP_SETTINGS:
        for kept in (_sprite, _icon_markup, _header_markup, _head_markup, _htmx_markup):
            kept.cache_clear()


@register.simple_tag(takes_context=True)
def nav_current(context, prefix: str) -> str:
    """aria-current on the navigation link of the section the page is in."""
    request = context.get("request")
    path = getattr(request, "path", "")
    if prefix == "/":
        current = path == "/"
    else:
        current = path.startswith(prefix)
    return mark_safe(' aria-current="page"') if current else ""


# A sentence ends, and the next one starts with a capital (markup between them allowed).
_SENTENCE_BREAK = re.compile(r"[.!?]\s+(?=(?:<mark>)?[A-Z0-9])")


# Markdown's markers read as noise in a plain-text snippet: headings, emphasis, list bullets (a
# heading's hashes and a bullet only after a space or at the start). Each branch starts with its
# character and looks behind it, so the regex engine skips to the next #, *, _, - or + instead of
# trying every branch at every character: 6 µs a 440-character snippet instead of 60, a search
# page's twenty cards 1.2 ms. Written as `(?:(?<=\s)|^)#{1,6}\s+|\*\*|__|(?:(?<=\s)|^)[-*+]\s+(?=\S)`
# before, with the same matches (test_ui_tags holds the two equal).
_MARKDOWN_MARKS = re.compile(r"#(?<!\S#)#{0,5}\s+|\*\*|__|-(?<!\S-)\s+(?=\S)|\+(?<!\S\+)\s+(?=\S)|\*(?<!\S\*)\s+(?=\S)")


@register.filter
def sentence_start(snippet) -> str:
    """A search snippet that starts at a sentence rather than mid-phrase: the words before the
    first sentence break are dropped when the break comes before the first match."""
    text = _MARKDOWN_MARKS.sub("", str(snippet or ""))
    lead = text[:2] == "… "
    body = text[2:] if lead else text
    if not body or (body[:1].isupper() and not lead):
        return mark_safe(text)
    first_mark = body.find("<mark>")
    limit = min(first_mark if first_mark >= 0 else len(body), 160)
    found = _SENTENCE_BREAK.search(body, 0, limit + 8)
    if found and found.end() <= limit:
        return mark_safe(body[found.end():])
    return mark_safe(text)


@register.filter
def is_closed_status(status: str) -> bool:
    from applications.models import CLOSED_STATUSES

    return status in CLOSED_STATUSES
