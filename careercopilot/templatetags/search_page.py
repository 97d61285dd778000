"""The search page's parts around its cards, printed in Python (jobs/_search.html).

Every logged-in search and every anonymous first visit builds the page. Its facets, notices,
pagination and the search box's suggestion attributes were four included templates, six
includes a page: each include looks its template up, copies the context and walks a dozen nodes
(25-70 µs each, about a third of the page's render outside the cards). Here they are f-strings
over the same values, escaped as the templates escaped them; `test_search_page_parts.py` holds
the markup equal to what the templates printed (their old text is kept there).
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import urlencode
from django.utils.safestring import mark_safe

from jobs.links import address
from jobs.templatetags.jobs_tags import escaped as _e, facet_options, query_with

register = template.Library()


@register.simple_tag
def search_facet(name: str, title: str, values, field):
    """One facet's fieldset: its values with their counts, or, with none counted (an invalid
    form), the field's choices as plain checkboxes."""
    parts = [f'<fieldset class="facet">\n  <legend>{_e(title)}</legend>\n  \n    ']
    if values:
        parts.append(facet_options(name, values))
    else:
        try:
            chosen = field.value()
        except AttributeError:  # no bound field: the template's lookup printed no choices
            chosen, choices = None, ()
        else:
            choices = field.field.choices
        name = _e(name)
        for value, label in choices:
            try:
                checked = " checked" if value in chosen else ""
            except TypeError:  # nothing chosen (None): the template's `in` was false
                checked = ""
            value = _e(value)
            parts.append(f'\n      <label><input type="checkbox" id="f-{name}-{value}" name="{name}" value="{value}"'
                         f'{checked}> {_e(label)}</label>\n    ')
    parts.append("\n  \n</fieldset>\n")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped)


_TIMED_OUT = ('\n  <p class="empty search-timed-out" role="alert">This search took too long to answer. Try again in a '
              'moment, or narrow it with a filter or a more specific word.</p>\n')


@register.simple_tag(takes_context=True)
def search_notices(context):
    """What the page says about the search itself, above the results (a search over its deadline,
    a suggested spelling), and the datalist the search box's suggestions fill."""
    timed_out = _TIMED_OUT if context.get("timed_out") else ""
    did_you_mean = context.get("did_you_mean")
    if did_you_mean:
        did_you_mean = (f'\n  <p class="did-you-mean">Did you mean <a href="{_e(address("job_list"))}?q='
                        f'{_e(urlencode(did_you_mean))}">{_e(did_you_mean)}</a>?</p>\n')
    return mark_safe(  # noqa: S308 (every value escaped)
        f'\n{timed_out}\n{did_you_mean or ""}\n<datalist id="search-suggestions"></datalist>\n')


@register.simple_tag
def suggest_attrs():
    """The search box's attributes that ask for suggestions as the seeker types (htmx), filling the
    datalist search_notices prints."""
    return mark_safe(  # noqa: S308 (our address, escaped)
        f'list="search-suggestions" autocomplete="off" hx-get="{_e(address("job_suggest"))}" '
        'hx-trigger="input changed delay:200ms" hx-target="#search-suggestions" hx-select="#search-suggestions" '
        'hx-swap="outerHTML" hx-push-url="false" hx-sync="this:replace"\n')


@register.simple_tag(takes_context=True)
def search_pagination(context, results):
    """Previous and next links that keep the page's query (a cursor where the pages are keyset
    pages), and where the seeker is; nothing on a one-page answer."""
    if not (results.has_prev or results.has_next):
        return mark_safe("\n")
    page, keyset = results.page, results.keyset
    parts = ['\n<nav class="pagination" aria-label="Pages">\n  ']
    if results.has_prev:
        cursor = results.prev_cursor if keyset and page > 2 else None
        parts.append(f'\n    \n      <a rel="prev" href="{_e(query_with(context, page=page - 1, cursor=cursor))}">← Previous</a>\n    \n  ')
    of = "" if keyset else f" of {_e(str(results.total_pages))}"
    parts.append(f'\n  <span class="muted">Page {_e(str(page))}{of}</span>\n  ')
    if results.has_next:
        cursor = results.next_cursor if keyset else None
        parts.append(f'\n    \n      <a rel="next" href="{_e(query_with(context, page=page + 1, cursor=cursor))}">Next →</a>\n    \n  ')
    parts.append("\n</nav>\n\n")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped)
