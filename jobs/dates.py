"""The one range every date and time accepted from outside must fall in.

PostgreSQL stores timestamps up to the year 294276, Python's datetime stops at 9999: a posting
dated 9999-12-31T23:59:59-12:00 is 10000-01-01 in UTC, is stored, and then cannot be read
back, so every page that lists it fails. Nothing a seeker or a feed means is outside
1970–2099, so anything outside is refused where it comes in: forms, API serializers, CSV and
feed imports, the services, and (as model field validators) the admin.

It lives in `jobs`, the bottom layer, so every app can import it.
"""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError

EARLIEST = date(1970, 1, 1)
LATEST = date(2099, 12, 31)
OUT_OF_RANGE = f"Use a date between {EARLIEST.isoformat()} and {LATEST.isoformat()}."


def in_range(value: date | datetime) -> bool:
    """Compared on the calendar date as written, before any conversion to UTC: converting a
    year-9999 time with a negative offset is itself what overflows."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST


def validate_date_range(value: date | datetime | None) -> None:
    """A Django validator (model fields, forms, DRF serializer fields all run these)."""
    if value is not None and not in_range(value):
        raise ValidationError(OUT_OF_RANGE, code="date_out_of_range")


class BoundedDateField(forms.DateField):
    default_validators = [validate_date_range]


class BoundedDateTimeField(forms.DateTimeField):
    default_validators = [validate_date_range]
