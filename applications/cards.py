"""The board's cards and the table's rows, each rendered once per change and kept in the cache.

Rendering 150 cards (or 50 rows of four `<time>` tags each) through the template engine, from
three model instances per application, was most of the board's and the table's time for a
seeker with thousands of applications; the card of an application that has not changed is the
same HTML every time. So both pages read their applications as plain `values()` rows (no model
instance) and wrap each in a `Shown`, which only carries what the markup reads. A fragment is
stored under a key made of its owner, its id and a digest of everything it shows: the row as
the query read it (its last change `updated_at`, bumped by every write the card can show, its
status, its own and its posting's names and salary, the company's name, the next interview,
which has its own row), the relative "applied 3 days ago" as text (so it ages), the seeker's
time zone and the template itself. A change makes a new key; the old fragment is never read
again and expires. All of a page's fragments are read in one round trip (`get_many`) and the
missing ones rendered and written in one (`set_many`).

A card holds no secret: its move form's CSRF token is a placeholder, filled in per response
with the requesting visitor's token, so a stored card is never a credential and a rotated
token (a new log-in) never reaches an old card.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template import engines
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from applications.models import ALLOWED_TRANSITIONS, CLOSED_STATUSES, Interview, Status
from jobs.cache import CACHE_LAYER_REQUESTS

CARD_TEMPLATE = "applications/_card.html"
ROW_TEMPLATE = "applications/_row.html"
# Long: a key is only ever reused while nothing on the card changed, and a day's worth of
# "ago" text changes the key anyway.
CARD_TIMEOUT = 24 * 60 * 60
# Stands in for the CSRF token in stored cards; only letters, so escaping leaves it alone.
CSRF_PLACEHOLDER = "cardCsrfTokenPlaceholder"
_STATUS_LABELS = dict(Status.choices)
_KIND_LABELS = dict(Interview.Kind.choices)


@lru_cache(maxsize=None)
def _ui_filter(name: str):
    """The cards' own filters (careercopilot's `ui` library, which this app may not import)."""
    return engines["django"].engine.template_libraries["ui"].filters[name]


@lru_cache(maxsize=None)
def _template_digest(name: str) -> str:
    """A new template (a deploy) makes every key new: no fragment of the old markup is read."""
    return hashlib.blake2b(get_template(name).template.source.encode(), digest_size=6).hexdigest()


class Shown:
    """One application as a card or a table row shows it, from a `values()` row: what the
    markup reads (`display_title`, `next_statuses`, the posting's salary for the `salary`
    filter …), and nothing loaded that it does not."""

    def __init__(self, row: dict):
        self.row = row
        self.__dict__.update(row)
        self.pk = row["id"]
        self.job = SimpleNamespace(
            salary_min=row.get("job__salary_min"), salary_max=row.get("job__salary_max"),
            salary_currency=row.get("job__salary_currency"), salary_period=row.get("job__salary_period"),
        ) if row["job_id"] else None
        kind = row.get("next_interview_kind")
        self.next_interview_label = _KIND_LABELS.get(kind, kind) if kind else ""

    def __repr__(self) -> str:
        return f"<Shown application {self.pk}>"

    @property
    def display_title(self) -> str:
        return self.title or self.row.get("job__title") or ""

    @property
    def display_company(self) -> str:
        return self.company_name or self.row.get("job__company__name") or ""

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_archived(self) -> bool:
        return self.row.get("archived_at") is not None

    @property
    def next_statuses(self) -> list[tuple[str, str]]:
        allowed = ALLOWED_TRANSITIONS.get(self.status, frozenset())
        return [(value, label) for value, label in Status.choices if value in allowed]

    def get_status_display(self) -> str:
        return _STATUS_LABELS.get(self.status, self.status)

    def get_absolute_url(self) -> str:
        return reverse("application_detail", args=[self.pk])


def _ages(shown: Shown, template_name: str) -> str:
    """The relative time the fragment shows, as text: part of its key, so a card ages."""
    if template_name == ROW_TEMPLATE:
        return _ui_filter("ago")(shown.updated_at)
    return _ui_filter("ago")(shown.applied_at or shown.created_at)


def fragment_key(user_id: int, shown: Shown, template_name: str = CARD_TEMPLATE, *, zone: str | None = None) -> str:
    """The key of `shown` as `user_id` sees it now, in `template_name`. Every input of the
    template is in it: the whole row, the relative time as text, the time zone, the template."""
    zone = zone or timezone.get_current_timezone_name()
    inputs = "\x1f".join(map(str, (*shown.row.values(), _ages(shown, template_name), zone, _template_digest(template_name))))
    digest = hashlib.blake2b(inputs.encode(), digest_size=12).hexdigest()
    kind = "card" if template_name == CARD_TEMPLATE else "row"
    return f"applications:{kind}:{user_id}:{shown.pk}:{digest}"


def card_key(user_id: int, shown: Shown) -> str:
    return fragment_key(user_id, shown, CARD_TEMPLATE)


def _attach(user_id: int, items: list[Shown], template_name: str, layer: str) -> None:
    if not items:
        return
    zone = timezone.get_current_timezone_name()
    keys = {item.pk: fragment_key(user_id, item, template_name, zone=zone) for item in items}
    stored = {} if settings.CACHE_BYPASS else cache.get_many(list(keys.values()))
    missing = {}
    template = None
    for item in items:
        html = stored.get(keys[item.pk])
        if html is None:
            template = template or get_template(template_name)
            html = missing[keys[item.pk]] = template.render({"card": item, "csrf_token": CSRF_PLACEHOLDER})
        item.html = html
    CACHE_LAYER_REQUESTS.labels(layer, "hit").inc(len(items) - len(missing))
    CACHE_LAYER_REQUESTS.labels(layer, "miss").inc(len(missing))
    if missing and not settings.CACHE_BYPASS:
        cache.set_many(missing, CARD_TIMEOUT)


def attach_card_html(request, columns: list[dict]) -> None:
    """Set `html` on each column of the requesting seeker's board: its cards' markup, joined,
    cached ones read in one round trip, the rest rendered and stored in one."""
    cards = [card for column in columns for card in column["cards"]]
    _attach(request.user.pk, cards, CARD_TEMPLATE, "board_cards")
    if not cards:
        return
    token = get_token(request)
    for column in columns:
        html = "".join(card.html for card in column["cards"])
        column["html"] = mark_safe(html.replace(CSRF_PLACEHOLDER, token))  # noqa: S308 (our own rendered markup)


def table_rows_html(request, rows: list[Shown]) -> SafeString:
    """The table's rows as one piece of markup, each row cached like a card."""
    _attach(request.user.pk, rows, ROW_TEMPLATE, "table_rows")
    return mark_safe("".join(row.html for row in rows))  # noqa: S308 (our own rendered markup)
