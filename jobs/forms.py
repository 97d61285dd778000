"""The one validator of search input, shared by the /jobs/ page and the API.

Anything a visitor can type into the URL ends up here; a bad value becomes a field error
(and a 400), never an exception further down.
"""

from __future__ import annotations

import re
from functools import lru_cache
from datetime import UTC, datetime

from django import forms
from django.core.validators import URLValidator
from django.utils.text import slugify
from django.utils.choices import BaseChoiceIterator

from jobs.dates import BoundedDateTimeField
from jobs.models import Job
from jobs.salaries import BASE_CURRENCY, current_rates, known_currencies, to_usd
from jobs.selectors import (
    MAX_OFFSET_ROWS,
    MAX_PAGE_SIZE,
    MAX_SKILLS,
    Cursor,
    SearchParams,
    Sort,
)

POSTED_WITHIN_CHOICES = [("", "Any time"), ("1", "Last 24 hours"), ("3", "Last 3 days"), ("7", "Last 7 days"), ("14", "Last 14 days"), ("30", "Last 30 days")]
SORT_CHOICES = [(Sort.RELEVANCE, "Relevance"), (Sort.NEWEST, "Newest"), (Sort.SALARY, "Salary")]
CURSOR_RE = re.compile(r"^([ab])(\d{1,17})_(\d{1,19})$")
MAX_PAGE = 1_000_000
# A posting's text; real ones are 1-10 kB. Longer is a feed gone wrong, not a job.
MAX_DESCRIPTION_CHARS = 100_000


class CursorField(forms.Field):
    default_error_messages = {"invalid": "This link has expired or was changed; start again from the first page."}

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        match = CURSOR_RE.match(value)
        if not match:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        direction, micros, pk = match.groups()
        try:
            posted_at = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
        except (OverflowError, ValueError, OSError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return Cursor(after=direction == "a", posted_at=posted_at, pk=int(pk))


class CurrencyChoices(BaseChoiceIterator):
    """The salary filter's currencies (the repository's rates table, jobs.salaries), read on first
    use rather than at import, then kept as the table is. Given as a callable, Django normalises
    its list again on every iteration: 41 pairs, ~0.2 ms, for the select's options on every search
    page built and for the field's validation of a chosen currency."""

    def __iter__(self):
        return iter(_currency_choices())


@lru_cache(maxsize=1)
def _currency_choices() -> list[tuple[str, str]]:
    return [(code, code) for code in known_currencies()]


class JobSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True, label="Search")
    location = forms.CharField(required=False, max_length=100, strip=True)
    remote = forms.MultipleChoiceField(required=False, choices=Job.RemotePolicy.choices, widget=forms.CheckboxSelectMultiple, label="Remote policy")
    job_type = forms.MultipleChoiceField(required=False, choices=Job.JobType.choices, widget=forms.CheckboxSelectMultiple, label="Job type")
    experience = forms.MultipleChoiceField(required=False, choices=Job.ExperienceLevel.choices, widget=forms.CheckboxSelectMultiple, label="Experience")
    # Up to ten billion: a year's pay in VND or IDR runs to hundreds of millions.
    salary_min = forms.IntegerField(required=False, min_value=0, max_value=10_000_000_000, label="Salary at least")
    salary_max = forms.IntegerField(required=False, min_value=0, max_value=10_000_000_000, label="Salary at most")
    salary_currency = forms.ChoiceField(
        required=False, choices=CurrencyChoices(), label="Salary currency",
        help_text="The currency of the salary bounds, a year; postings in other currencies are converted.",
    )
    company = forms.CharField(required=False, max_length=200, strip=True)
    skills = forms.CharField(required=False, max_length=300, strip=True, help_text="Comma-separated, e.g. python, django")
    posted_within = forms.TypedChoiceField(required=False, choices=POSTED_WITHIN_CHOICES, coerce=int, empty_value=None, label="Posted")
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput)
    page_size = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    cursor = CursorField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, default_page_size: int = 20, **kwargs):
        self.default_page_size = default_page_size
        super().__init__(*args, **kwargs)

    def clean_page_size(self) -> int:
        # A client asking for a million rows gets the biggest page we serve, not an error.
        size = self.cleaned_data.get("page_size") or self.default_page_size
        return min(size, MAX_PAGE_SIZE)

    def clean_skills(self) -> tuple[str, ...]:
        raw = self.cleaned_data.get("skills") or ""
        slugs = tuple(dict.fromkeys(s for s in (slugify(part) for part in raw.split(",")) if s))
        if len(slugs) > MAX_SKILLS:
            raise forms.ValidationError(f"Choose at most {MAX_SKILLS} skills.")
        return slugs

    def clean_company(self) -> str:
        # People type a name ("Acme Corp"), links carry the slug ("acme-corp"): both slugify the same.
        return slugify(self.cleaned_data.get("company") or "")

    def clean(self):
        data = super().clean()
        low, high = data.get("salary_min"), data.get("salary_max")
        if low is not None and high is not None and low > high:
            self.add_error("salary_max", "Must be at least the minimum salary.")
        currency = data.get("salary_currency") or BASE_CURRENCY
        data["salary_currency"] = currency
        if currency != BASE_CURRENCY and (low is not None or high is not None):
            # The bounds go to the selectors in annual dollars, as the postings' are stored.
            rates = current_rates()
            if currency not in rates:
                self.add_error("salary_currency", f"There is no exchange rate for {currency} yet; choose another currency.")
            else:
                data["salary_min"], data["salary_max"] = to_usd(low, currency, rates), to_usd(high, currency, rates)
        sort = data.get("sort") or Sort.RELEVANCE
        if sort == Sort.RELEVANCE and not data.get("q"):
            sort = Sort.NEWEST  # nothing to be relevant to
        data["sort"] = sort
        page = data.get("page") or 1
        data["page"] = page
        cursor = data.get("cursor")
        if cursor is not None and sort != Sort.NEWEST:
            self.add_error("cursor", "Cursors page through newest-first results only.")
        size = data.get("page_size") or self.default_page_size
        if cursor is None and (page - 1) * size >= MAX_OFFSET_ROWS:
            self.add_error(
                "page",
                f"Page {page} is past the first {MAX_OFFSET_ROWS:,} results. Narrow the search, "
                "or sort by newest and follow the Next links.",
            )
        return data

    def params(self) -> SearchParams:
        data = self.cleaned_data
        return SearchParams(
            q=data.get("q") or "",
            location=data.get("location") or "",
            remote=tuple(sorted(data.get("remote") or ())),
            job_type=tuple(sorted(data.get("job_type") or ())),
            experience=tuple(sorted(data.get("experience") or ())),
            salary_min=data.get("salary_min"),
            salary_max=data.get("salary_max"),
            company=data.get("company") or "",
            skills=data.get("skills") or (),
            posted_within=data.get("posted_within"),
            sort=data["sort"],
            page=data["page"],
            page_size=data.get("page_size") or self.default_page_size,
            cursor=data.get("cursor"),
        )


class _SharedFields(dict):
    """A form's fields handed to each instance as they are. Django's BaseForm.__init__ deep-copies
    base_fields so that an instance may change its own fields; no JobSearchForm does, and copying
    its fifteen (widgets, choices, validators) was three quarters of building and validating one:
    0.29 -> 0.07 ms, on every search page built, API search and saved-search check. Each instance
    still gets its own dict of them."""

    def __deepcopy__(self, memo) -> dict:
        return dict(self)


JobSearchForm.base_fields = _SharedFields(JobSearchForm.base_fields)


def _choice_aliases(choices) -> dict[str, str]:
    """Accept a choice's value or its label, in any case: 'remote', 'Remote', 'On-site', 'onsite'."""
    aliases = {}
    for value, label in choices:
        for alias in (value, label, label.replace("-", ""), label.replace("-", " "), value.replace("_", "-"), value.replace("_", " ")):
            aliases[alias.lower()] = value
    return aliases


class LenientChoiceField(forms.ChoiceField):
    def __init__(self, *, choices, default: str, extra_aliases: dict[str, str] | None = None, **kwargs):
        self.aliases = _choice_aliases(choices) | (extra_aliases or {})
        self.default = default
        super().__init__(choices=choices, required=False, **kwargs)

    def to_python(self, value):
        value = super().to_python(value).strip().lower()
        return self.aliases.get(value, value) if value else self.default


class FlagField(forms.Field):
    default_error_messages = {"invalid": "Enter true or false."}
    TRUE, FALSE = {"1", "true", "yes", "y", "t", "on"}, {"0", "false", "no", "n", "f", "off"}

    def to_python(self, value):
        if value in (None, ""):
            return True  # postings in a feed are open unless the feed says otherwise
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


# Import rows repeat the same company and skill names thousands of times.
_cached_slugify = lru_cache(maxsize=100_000)(slugify)


class CompanyNameField(forms.CharField):
    def validate(self, value):
        super().validate(value)
        if value and not _cached_slugify(value):
            raise forms.ValidationError("A company name needs at least one letter or digit.")


class SkillListField(forms.Field):
    """Skills as a JSON list or one "python|django" (or "python, django") string."""

    def to_python(self, value) -> tuple[str, ...]:
        if value in (None, ""):
            return ()
        if isinstance(value, str):
            names = value.split("|") if "|" in value else value.split(",")
        elif isinstance(value, list) and all(isinstance(name, str) for name in value):
            names = value
        else:
            raise forms.ValidationError("Give skills as a list of names or a '|'- or ','-separated string.")
        names = [" ".join(name.split()) for name in names]
        names = [name for name in names if name and _cached_slugify(name)]
        if len(names) > 30:
            raise forms.ValidationError("At most 30 skills per posting.")
        if any(len(name) > 80 for name in names):
            raise forms.ValidationError("A skill name is at most 80 characters.")
        # Two spellings of one skill ("Python", "python") are one skill; the first one wins.
        by_slug: dict[str, str] = {}
        for name in names:
            by_slug.setdefault(_cached_slugify(name)[:90], name)
        return tuple(by_slug.values())


class JobImportRowForm(forms.Form):
    """The fields of one row of an import file. Rows are checked with validate_import_row(),
    which runs these fields without building a form per row (a form deep-copies its fields:
    at 100,000 rows that alone took a minute)."""

    source = forms.CharField(max_length=50)
    external_id = forms.CharField(max_length=100)
    title = forms.CharField(max_length=200)
    company = CompanyNameField(max_length=200)
    description = forms.CharField(max_length=MAX_DESCRIPTION_CHARS)
    location = forms.CharField(max_length=120, required=False)
    remote_policy = LenientChoiceField(choices=Job.RemotePolicy.choices, default=Job.RemotePolicy.ONSITE)
    job_type = LenientChoiceField(choices=Job.JobType.choices, default=Job.JobType.FULL_TIME)
    experience_level = LenientChoiceField(choices=Job.ExperienceLevel.choices, default=Job.ExperienceLevel.MID)
    salary_min = forms.IntegerField(required=False, min_value=0, max_value=2_147_483_647)
    salary_max = forms.IntegerField(required=False, min_value=0, max_value=2_147_483_647)
    salary_currency = forms.RegexField(regex=r"^[A-Za-z]{3}$", required=False, error_messages={"invalid": "Use a 3-letter currency code."})
    salary_period = LenientChoiceField(choices=Job.SalaryPeriod.choices, default=Job.SalaryPeriod.YEAR, extra_aliases={
        **{f"{adverb}ly": period for adverb, period in (("year", "year"), ("month", "month"), ("week", "week"), ("hour", "hour"))},
        "daily": "day", "annual": "year", "annually": "year", "per annum": "year", "pa": "year",
        **{f"per {period}": period for period in ("year", "month", "week", "day", "hour")},
    })
    posted_at = BoundedDateTimeField(required=False)
    expires_at = BoundedDateTimeField(required=False)
    is_active = FlagField(required=False)
    skills = SkillListField(required=False)
    apply_url = forms.URLField(max_length=500, required=False, assume_scheme="https",
                               validators=[URLValidator(schemes=["http", "https"])],
                               error_messages={"invalid": "Give the page to apply at as a web address (https://…)."})

    def clean(self):
        data = super().clean()
        for name, message in _row_problems(data):
            self.add_error(name, message)
        return data


def _row_problems(data: dict) -> list[tuple[str, str]]:
    low, high = data.get("salary_min"), data.get("salary_max")
    if low is not None and high is not None and low > high:
        return [("salary_max", "salary_max is below salary_min.")]
    return []


def validate_import_row(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """(cleaned values, errors by field) for one raw row, using JobImportRowForm's fields."""
    cleaned, errors = {}, {}
    for name, field in JobImportRowForm.base_fields.items():
        try:
            cleaned[name] = field.clean(data.get(name))
        except forms.ValidationError as exc:
            errors[name] = exc.messages
    if not errors:
        for name, message in _row_problems(cleaned):
            errors.setdefault(name, []).append(message)
        cleaned["salary_currency"] = (cleaned["salary_currency"] or "USD").upper()
    return cleaned, errors
