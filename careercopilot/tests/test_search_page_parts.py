"""The search page's parts printed in Python (search_page.py) print what their templates printed
(jobs/_facet.html, _search_notices.html, _suggest_attrs.html and _pagination.html: their old text
below)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from jobs.forms import JobSearchForm
from jobs.selectors import FacetValue

OLD_FACET = (
    '{% load jobs_tags %}<fieldset class="facet">\n  <legend>{{ title }}</legend>\n  {% if values %}\n    {% facet_options name values %}\n'
    '  {% else %}\n    {% for value, label in field.field.choices %}\n      <label><input type="checkbox" id="f-{{ name }}-{{ value }}" '
    'name="{{ name }}" value="{{ value }}"{% if value in field.value %} checked{% endif %}> {{ label }}</label>\n    {% endfor %}\n'
    "  {% endif %}\n</fieldset>\n"
)
OLD_NOTICES = (
    "{# Messages about the search itself, above the results: kept apart from list.html's layout. #}\n{% if timed_out %}\n"
    '  <p class="empty search-timed-out" role="alert">This search took too long to answer. Try again in a moment, or narrow '
    "it with a filter or a more specific word.</p>\n{% endif %}\n{% if did_you_mean %}\n"
    "  <p class=\"did-you-mean\">Did you mean <a href=\"{% url 'job_list' %}?q={{ did_you_mean|urlencode }}\">{{ did_you_mean }}</a>?</p>\n"
    '{% endif %}\n<datalist id="search-suggestions"></datalist>{# filled as the seeker types: jobs/_suggest_attrs.html #}\n'
)
OLD_SUGGEST_ATTRS = (
    "list=\"search-suggestions\" autocomplete=\"off\" hx-get=\"{% url 'job_suggest' %}\" hx-trigger=\"input changed delay:200ms\" "
    'hx-target="#search-suggestions" hx-select="#search-suggestions" hx-swap="outerHTML" hx-push-url="false" hx-sync="this:replace"\n'
)
OLD_PAGINATION = (
    '{% load jobs_tags %}{% if results.has_prev or results.has_next %}\n<nav class="pagination" aria-label="Pages">\n'
    "  {% if results.has_prev %}\n    {% if results.keyset and results.page > 2 %}\n"
    '      <a rel="prev" href="{% query_with page=results.page|add:-1 cursor=results.prev_cursor %}">← Previous</a>\n    {% else %}\n'
    '      <a rel="prev" href="{% query_with page=results.page|add:-1 cursor=None %}">← Previous</a>\n    {% endif %}\n  {% endif %}\n'
    '  <span class="muted">Page {{ results.page }}{% if not results.keyset %} of {{ results.total_pages }}{% endif %}</span>\n'
    "  {% if results.has_next %}\n    {% if results.keyset %}\n"
    '      <a rel="next" href="{% query_with page=results.page|add:1 cursor=results.next_cursor %}">Next →</a>\n    {% else %}\n'
    '      <a rel="next" href="{% query_with page=results.page|add:1 cursor=None %}">Next →</a>\n    {% endif %}\n  {% endif %}\n'
    "</nav>\n{% endif %}\n"
)


def both(old: str, new: str, **context) -> tuple[str, str]:
    return Template(old).render(Context(context)), Template("{% load search_page %}" + new).render(Context(context))


FACET_VALUES = [FacetValue("remote", "Remote", 12_345, False, True), FacetValue("hybrid", "Hybrid & <more>", 7, True, False)]
FORMS = {
    "nothing chosen": {},
    "two chosen": {"remote": ["remote", "onsite"], "job_type": ["contract"]},
    "a choice that is not one": {"remote": ["<moon>"], "experience": ["senior"]},
}


@pytest.mark.parametrize("form_data", FORMS)
@pytest.mark.parametrize("counted", [True, False], ids=["counted values", "the field's choices"])
@pytest.mark.parametrize("name", ["remote", "job_type", "experience"])
def test_a_facet_prints_what_its_template_printed(form_data, counted, name):
    form = JobSearchForm(FORMS[form_data])
    form.is_valid()
    old, new = both(OLD_FACET, '{% search_facet name title values field %}',
                    name=name, title="Remote & <policy>", values=FACET_VALUES if counted else [], field=form[name])
    assert new == old
    assert new.count("<label>") == (len(FACET_VALUES) if counted else len(form[name].field.choices))


def test_a_facet_without_a_form_prints_no_choices_as_its_template_did():
    old, new = both(OLD_FACET, "{% search_facet name title facets.job_type form.job_type %}", name="job_type", title="Job type", facets={})
    assert new == old
    assert "<label>" not in new


@pytest.mark.parametrize("timed_out", [False, True])
@pytest.mark.parametrize("did_you_mean", ["", "python", 'dev & "ops" <x>/ü'])
def test_the_notices_print_what_their_template_printed(timed_out, did_you_mean):
    old, new = both(OLD_NOTICES, "{% search_notices %}", timed_out=timed_out, did_you_mean=did_you_mean)
    assert new == old
    assert ("took too long" in new) == timed_out and ("Did you mean" in new) == bool(did_you_mean)


def test_the_suggestion_attributes_print_what_their_template_printed():
    old, new = both(OLD_SUGGEST_ATTRS, "{% suggest_attrs %}")
    assert new == old
    assert 'list="search-suggestions"' in new


PAGES = {
    "one page": dict(page=1, has_prev=False, has_next=False, max_rows=2000),
    "first of several": dict(page=1, has_prev=False, has_next=True, max_rows=2000, next_cursor="c2"),
    "middle": dict(page=4, has_prev=True, has_next=True, max_rows=2000, prev_cursor="c3", next_cursor="c5"),
    "last": dict(page=7, has_prev=True, has_next=False, max_rows=2000),
    "keyset second": dict(page=2, has_prev=True, has_next=True, max_rows=None, prev_cursor="c1", next_cursor="c3&x=<y>"),
    "keyset deep": dict(page=9, has_prev=True, has_next=True, max_rows=None, prev_cursor="p/8 +", next_cursor="n9"),
}


@pytest.mark.parametrize("query", ["", "q=data+%26+ml&remote=remote&remote=hybrid&page=4&cursor=old", "q=%3Cb%3E%22"])
@pytest.mark.parametrize("shape", PAGES)
def test_the_pagination_prints_what_its_template_printed(shape, query):
    fields = PAGES[shape]
    results = SimpleNamespace(**{"prev_cursor": None, "next_cursor": None, **fields}, keyset=fields["max_rows"] is None,
                              total_pages=7)
    request = RequestFactory().get("/jobs/?" + query)
    old, new = both(OLD_PAGINATION, "{% search_pagination results %}", results=results, request=request)
    assert new == old
    assert ('rel="next"' in new) == fields["has_next"] and ('rel="prev"' in new) == fields["has_prev"]


QUERIES = ["", "q=python", "q=python&remote=remote&remote=hybrid", "q=rust&page=2", "q=zanzibarquux",
           "q=%3Cb%3E%22x%22+%26+y", "location=Berlin&salary_min=50000&sort=newest", "q=engineer&skills=sql"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", QUERIES)
def test_an_anonymous_search_built_for_everyone_is_the_page_its_whole_template_renders(query, settings, monkeypatch):
    """jobs.views: a shared search page is its parts (jobs/_list_parts.html) in the frame kept per
    worker; the whole jobs/list.html, with the context processors, renders the same bytes."""
    from django.shortcuts import render
    from django.test import Client

    from jobs import views
    from jobs.tests.conftest import make_catalogue

    make_catalogue(45)
    settings.CACHE_BYPASS = True  # built on every request, as on a miss (shared, public)
    views._frames.clear()
    framed = Client().get(f"/jobs/?{query}")
    assert "jobs" in views._frames
    monkeypatch.setattr(views, "_shared_page", lambda request, parts, context: render(request, "jobs/list.html", context))
    whole = Client().get(f"/jobs/?{query}")

    assert framed.status_code == whole.status_code == 200
    assert framed.content.decode() == whole.content.decode()
    assert framed["Cache-Control"] == whole["Cache-Control"] and not framed.cookies
