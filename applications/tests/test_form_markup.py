"""Unbound forms whose markup cannot vary render each widget once per process; anything that
can vary (typed data, an initial value passed in) still renders as Django does."""

from __future__ import annotations

import pytest
from django import forms

from applications.forms import ContactForm, DocumentUploadForm, FilterForm, InterviewForm, NoteForm, ReopenForm, StatusChangeForm

STATIC = [StatusChangeForm, ReopenForm, InterviewForm, ContactForm, DocumentUploadForm, NoteForm]


def django_markup(form, name: str) -> str:
    return forms.BoundField(form, form.fields[name], name).as_widget()


@pytest.mark.parametrize("form_class", STATIC)
@pytest.mark.parametrize("prefix", [None, "interview"])
def test_a_kept_widget_is_the_markup_django_renders(form_class, prefix):
    for _ in range(2):  # the second time from the per-process store
        form = form_class(prefix=prefix)
        for name in form.fields:
            assert str(form[name]) == django_markup(form, name)


def test_typed_values_and_errors_are_never_the_kept_markup():
    InterviewForm(prefix="interview")["with_whom"].as_widget()  # keep the empty one

    form = InterviewForm({"interview-with_whom": "Ada", "interview-starts_at": "not a date"}, prefix="interview")

    assert 'value="Ada"' in str(form["with_whom"])
    assert form["starts_at"].errors and 'value="not a date"' in str(form["starts_at"])


def test_an_initial_value_passed_in_is_shown():
    NoteForm()["text"].as_widget()

    assert "Call back on Monday</textarea>" in str(NoteForm(initial={"text": "Call back on Monday"})["text"])


def test_a_form_that_is_not_static_renders_each_time():
    assert FilterForm.static_markup is False
    assert 'value="acme"' in str(FilterForm({"company": "acme"})["company"])
