from __future__ import annotations

from django import forms
from django.forms.utils import ErrorList

from applications.documents import DOCUMENT_MAX_BYTES
from applications.imports import DATE_ORDER_CHOICES, ENCODING_CHOICES, FIELDS, FORMAT_CHOICES, IMPORT_MAX_BYTES
from applications.models import NOTE_MAX_CHARS, SORTS, Document, Interview, Status
from jobs.dates import BoundedDateField, BoundedDateTimeField

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Read and shown in the seeker's zone: Django interprets a naive value in the active time zone.
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
ARCHIVE_CHOICES = [("active", "Active"), ("include", "Active and archived"), ("only", "Archived only")]


class QuietErrorList(ErrorList):
    """No errors render as nothing without going through the error list's two templates: the
    application page asks for some twenty-five fields' errors, nearly always none."""

    def render(self, template_name=None, context=None, renderer=None):
        if not self.data:
            return ""
        return super().render(template_name, context, renderer)

    # Django binds these to its own render at class creation.
    __str__ = render
    __html__ = render


_WIDGET_MARKUP: dict[tuple, str] = {}


class KeptBoundField(forms.BoundField):
    """A field of an unbound form whose markup cannot vary (`Form.static_markup`): its widget is
    rendered once per process, not through the widget templates on every page (the application
    page shows six such forms, some twenty widgets). Anything that could vary — data, an initial
    value passed in or computed, another widget or attributes — renders as Django does."""

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        form = self.form
        if (not form.static_markup or form.is_bound or widget is not None or attrs or only_initial
                or self.name in form.initial or callable(self.field.initial)):
            return super().as_widget(widget, attrs, only_initial)
        key = (type(form), form.prefix, form.auto_id, self.name)
        markup = _WIDGET_MARKUP.get(key)
        if markup is None:
            markup = _WIDGET_MARKUP[key] = super().as_widget()
        return markup


class Form(forms.Form):
    """The applications' forms: Django's, with the quiet error list. A form whose fields' markup
    depends only on its class (static choices and initial values, no per-instance changes) sets
    `static_markup`, and its unbound widgets are rendered once per process (KeptBoundField)."""

    static_markup = False
    bound_field_class = KeptBoundField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", QuietErrorList)
        super().__init__(*args, **kwargs)


class FilterForm(Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *Status.choices], required=False)
    archived = forms.ChoiceField(label="Show", required=False, choices=ARCHIVE_CHOICES)
    company = forms.CharField(required=False, max_length=200)
    q = forms.CharField(label="Text", required=False, max_length=200)
    date_field = forms.ChoiceField(
        label="Date", required=False,
        choices=[("created", "Added"), ("applied", "Applied"), ("updated", "Last change")],
    )
    since = BoundedDateField(label="From", required=False, widget=DATE_INPUT)
    until = BoundedDateField(label="To", required=False, widget=DATE_INPUT)
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("updated", "Last change"), ("oldest", "Oldest change"), ("created", "Newest added"),
            ("applied", "Applied"), ("company", "Company"), ("title", "Title"), ("status", "Status"),
            ("follow_up", "Follow-up"),
        ],
    )

    def filters(self) -> dict:
        """The filters that are valid; a bad one is shown as an error and ignored, not a reason to fail."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if name not in self.errors}


assert {value for value, _ in FilterForm.base_fields["sort"].choices} == set(SORTS)


class ManualApplicationForm(Form):
    company_name = forms.CharField(label="Company", max_length=200)
    title = forms.CharField(label="Job title", max_length=200)
    url = forms.URLField(label="Link to the posting", required=False, max_length=500, assume_scheme="https")
    status = forms.ChoiceField(choices=Status.choices, initial=Status.SAVED)
    confirm_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)


class StatusChangeForm(Form):
    static_markup = True
    to_status = forms.ChoiceField(
        label="Move to", choices=Status.choices,
        error_messages={"invalid_choice": "“%(value)s” is not a status.", "required": "Choose a status to move to."},
    )


class UndoForm(Form):
    # The change the seeker was offered to undo; absent, the last one.
    change = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class ReopenForm(Form):
    static_markup = True
    to_status = forms.ChoiceField(label="Reopen as", choices=Status.choices,
                                  error_messages={"invalid_choice": "“%(value)s” is not a status."})
    reason = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
                             error_messages={"required": "Say why it reopens."})


class ApplicationEditForm(Form):
    """Field checks beyond the basics (the salary range, the currency) are the service's, shown as errors here."""

    title = forms.CharField(label="Job title", max_length=200)
    company_name = forms.CharField(label="Company", max_length=200)
    url = forms.URLField(label="Link to the posting", required=False, max_length=500, assume_scheme="https")
    location = forms.CharField(required=False, max_length=200)
    salary_min = forms.IntegerField(label="Salary from (yearly)", required=False, min_value=0)
    salary_max = forms.IntegerField(label="Salary to (yearly)", required=False, min_value=0)
    salary_currency = forms.CharField(label="Currency", required=False, max_length=3,
                                      widget=forms.TextInput(attrs={"size": 4, "placeholder": "EUR"}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}))


class InterviewForm(Form):
    static_markup = True
    starts_at = BoundedDateTimeField(label="Date and time", widget=DATETIME_INPUT,
                                    error_messages={"invalid": "Enter a date and time like 2026-03-31 14:30."})
    duration_minutes = forms.IntegerField(label="Length (minutes)", initial=60, min_value=5, max_value=24 * 60)
    kind = forms.ChoiceField(label="Kind of interview", choices=Interview.Kind.choices, initial=Interview.Kind.VIDEO)
    with_whom = forms.CharField(label="With whom", required=False, max_length=200)
    location = forms.CharField(label="Where or link", required=False, max_length=500)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(choices=Interview.Outcome.choices, required=False)


class ContactForm(Form):
    static_markup = True
    name = forms.CharField(max_length=200)
    role = forms.CharField(required=False, max_length=200)
    email = forms.EmailField(required=False, max_length=254)
    phone = forms.CharField(required=False, max_length=40)
    profile_url = forms.URLField(label="Profile link", required=False, max_length=500, assume_scheme="https")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DocumentUploadForm(Form):
    static_markup = True
    file = forms.FileField(label="File (PDF, DOCX or text, up to 5 MB)",
                           widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.txt"}))
    name = forms.CharField(label="Version name", required=False, max_length=200,
                           help_text="For example “Backend, March”. Empty: the file's name.")
    kind = forms.ChoiceField(label="Kind of document", choices=Document.Kind.choices, initial=Document.Kind.RESUME)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; documents can be at most {DOCUMENT_MAX_BYTES // 1024 // 1024} MB."
            )
        return upload


class AttachForm(Form):
    document = forms.IntegerField(widget=forms.HiddenInput, min_value=1,
                                  error_messages={"required": "Choose a document from your library."})


class NoteForm(Form):
    static_markup = True
    # No max_length here: the service refuses an oversized note with the message shown to the user.
    text = forms.CharField(label="Add a note", widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_MAX_CHARS}))


class FollowUpForm(Form):
    next_follow_up = BoundedDateField(
        label="Next follow-up", required=False, widget=DATE_INPUT,
        error_messages={"invalid": "Enter a date like 2026-03-31."},
    )


class ImportUploadForm(Form):
    file = forms.FileField(label="CSV file")
    encoding = forms.ChoiceField(choices=ENCODING_CHOICES, initial="utf-8")
    format = forms.ChoiceField(label="Exported from", choices=FORMAT_CHOICES, initial="auto")
    date_order = forms.ChoiceField(label="Dates like 01/09/2026", choices=DATE_ORDER_CHOICES, initial="auto", required=False,
                                   help_text="You can change this on the preview too.")

    def clean_date_order(self) -> str:
        return self.cleaned_data["date_order"] or "auto"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is {IMPORT_MAX_BYTES // 1024 // 1024} MB. "
                "Split it into smaller files."
            )
        return upload


MAX_MAPPED_STATUSES = 50


class ImportConfirmForm(Form):
    """The checked file travels back with the preview, so confirming needs no server-side state.

    Besides the columns, the preview asks what each unknown status means (`status_map_<n>`,
    for the status written in the n-th `unknown_status`), in which order to read 01/09/2026,
    and whether to skip the rows with problems.
    """

    content = forms.CharField(widget=forms.HiddenInput, strip=False, max_length=IMPORT_MAX_BYTES)
    format = forms.ChoiceField(choices=FORMAT_CHOICES, widget=forms.HiddenInput)
    date_order = forms.ChoiceField(label="Read dates like 01/09/2026", choices=DATE_ORDER_CHOICES,
                                   widget=forms.RadioSelect, initial="auto", required=False)
    skip_errors = forms.BooleanField(label="Skip the rows with problems and import the rest", required=False)

    def __init__(self, *args, headers: list[str] | None = None, statuses: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(str(i), h or f"(column {i + 1})") for i, h in enumerate(headers or [])]
        for name, label in FIELDS.items():
            self.fields[f"map_{name}"] = forms.TypedChoiceField(
                label=label, choices=choices, required=False, coerce=int, empty_value=None
            )
        self.statuses = list(statuses or [])[:MAX_MAPPED_STATUSES]
        for n, raw in enumerate(self.statuses):
            self.fields[f"status_map_{n}"] = forms.ChoiceField(label=f"“{raw}” means", choices=Status.choices, required=False)

    def clean_date_order(self) -> str:
        return self.cleaned_data["date_order"] or "auto"

    @property
    def mapping_fields(self) -> list:
        return [self[f"map_{name}"] for name in FIELDS]

    @property
    def status_fields(self) -> list:
        return [self[f"status_map_{n}"] for n in range(len(self.statuses))]

    def mapping(self) -> dict[str, int | None] | None:
        if not any(f"map_{name}" in self.data for name in FIELDS):
            return None
        return {name: self.cleaned_data.get(f"map_{name}") for name in FIELDS}

    def status_map(self) -> dict[str, str]:
        """{status as the file writes it: ours} for the statuses mapped on the preview."""
        return {raw: self.cleaned_data[f"status_map_{n}"] for n, raw in enumerate(self.statuses)
                if self.cleaned_data.get(f"status_map_{n}")}
