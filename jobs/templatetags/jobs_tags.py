import html
import re
from functools import lru_cache

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.html import conditional_escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from jobs.links import address
from jobs.models import Job

register = template.Library()


# Most of what a page prints in Python (names, places, labels, addresses) has nothing to escape: one
# search for a character that would be escaped spares html.escape's five replaces and its call
# (sixty-odd values a posting page).
_ESCAPED_CHARACTER = re.compile("[&<>\"']").search


def escaped(value) -> str:
    """conditional_escape(value), for markup printed in Python on hot pages (cards, a posting's
    page): a plain string goes straight to html.escape, as Django's escape sends it, without the
    lazy-argument check its decorator makes on each call (a fifth of a search card's time), and
    only when it holds something to escape."""
    if type(value) is str:
        return html.escape(value) if _ESCAPED_CHARACTER(value) else value
    return conditional_escape(value)


def sub_slots(pattern: re.Pattern, prefix: str, markup: str, fill) -> str:
    """pattern.sub(fill, markup) for a pattern whose every match starts with `prefix`: the same
    text, with str.find looking for the prefix instead of the regular expression engine (a kept
    search block's 33 KB of markup: ~40 -> ~5 µs a scan, two scans a logged-in search page).
    Bytes as well as str: a kept search block is filled as its UTF-8 bytes (jobs.cache.FilledBlock)."""
    parts, start, at = [], 0, markup.find(prefix)
    while at >= 0:
        match = pattern.match(markup, at)
        if match is None:
            at = markup.find(prefix, at + 1)
            continue
        parts += (markup[start:at], fill(match))
        start = match.end()
        at = markup.find(prefix, start)
    if not parts:
        return markup
    parts.append(markup[start:])
    return markup[:0].join(parts)


@register.simple_tag(name="address")
def address_tag(name: str, *args: int | str) -> str:
    """`{% url name arg … %}` for a URL whose arguments are numbers and slugs, reversed once per
    worker (jobs.links.address): the search page's form printed three, ~60 µs each."""
    return address(name, *args)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """This page's query string with some parameters replaced; None or "" drops one."""
    query = dict(context["request"].GET.lists())  # not GET.copy(): a deep copy of the QueryDict, twice a page
    for name, value in changes.items():
        query.pop(name, None)
        if value not in (None, ""):
            query[name] = [value]
    return "?" + urlencode(sorted(query.items()), doseq=True) if query else "?"


@register.filter
def salary_range(job) -> str:
    """What the posting advertised, as it advertised it: "EUR 60,000–80,000", "USD 50–70 an hour"."""
    low, high, currency = job.salary_min, job.salary_max, job.salary_currency
    if low is None and high is None:
        return ""
    period = getattr(job, "salary_period", "year")
    per = "" if period == "year" else f" {Job.SalaryPeriod(period).label}"
    if low is not None and high is not None and low != high:
        return f"{currency} {low:,}–{high:,}{per}"
    return f"{currency} {(high if low is None else low):,}" + ("+" if high is None else "") + per


@register.filter
def salary_in_usd(job) -> str:
    """The annual dollars the salary filter and sort compare, for a posting paid otherwise; else ""."""
    low, high = getattr(job, "salary_min_usd", None), getattr(job, "salary_max_usd", None)
    if high is None or (job.salary_currency == "USD" and getattr(job, "salary_period", "year") == "year"):
        return ""
    amount = f"{low:,}–{high:,}" if low is not None and low != high else f"{high:,}"
    return f"≈ USD {amount} a year"


@register.simple_tag
def similar_cards(cards):
    """The "Similar jobs" cards of a posting page (jobs.similar.SimilarCard): plain strings, printed
    in one pass instead of a template loop of five variables a card (the loop was a seventh of a
    posting page's build on a cache miss)."""
    return mark_safe("".join(  # noqa: S308 (every value escaped)
        f'<li class="job-card">\n    <a class="job-title" href="{escaped(card.url)}"><strong>{escaped(card.title)}</strong></a>\n'
        f'    <ul class="meta"><li>{escaped(card.company_name)}</li><li>{escaped(card.place)}</li><li>{escaped(card.job_type)}</li></ul>\n  </li>'
        for card in cards))


@register.simple_tag
def skill_links(skills):
    """A posting's skills, each a link to the search for it: what a template loop of
    `<li><a href="{{ list_url }}?skills={{ skill.slug }}">{{ skill.name }}</a></li>` printed."""
    list_url = escaped(address("job_list"))
    return mark_safe("".join(  # noqa: S308 (every value escaped)
        f'<li><a href="{list_url}?skills={escaped(skill.slug)}">{escaped(skill.name)}</a></li>' for skill in skills))


@lru_cache(maxsize=16)
def _commas_every_three(language: str | None) -> bool:
    return intcomma(1_234_567_890) == "1,234,567,890"


@receiver(setting_changed)
def _forget_number_formats(*, setting: str, **kwargs) -> None:
    _commas_every_three.cache_clear()  # tests that change USE_THOUSAND_SEPARATOR, NUMBER_GROUPING …


def thousands(count) -> str:
    """intcomma(count), for a count: Python's own grouping where the language groups digits by
    threes with commas (intcomma looks the language's formats up each call: 24 µs, fifteen a
    search page's facets)."""
    if type(count) is int and count >= 0 and _commas_every_three(get_language()):
        return f"{count:,}"
    return str(intcomma(count))


@register.simple_tag
def facet_options(name: str, values):
    """A facet's checkboxes with their counts (jobs.selectors.FacetValue): what a template loop of
    seven variables and intcomma a value printed, fifteen values a search page built on a miss."""
    name = escaped(name)
    return mark_safe("".join(  # noqa: S308 (every value escaped)
        f'\n      <label><input type="checkbox" id="f-{name}-{escaped(v.value)}" name="{name}" value="{escaped(v.value)}"'
        f'{" checked" if v.selected else ""}> {escaped(v.label)} <span class="count">({"~" if v.approximate else ""}'
        f'{escaped(thousands(v.count) if v.count >= 1000 else str(v.count))})</span></label>\n    '
        for v in values))
