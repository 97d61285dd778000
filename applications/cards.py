"""The board's cards and the table's rows, each rendered once per change and kept in the cache.

Rendering 150 cards (or 50 rows of four `<time>` tags each) through the template engine, from
three model instances per application, was most of the board's and the table's time for a
seeker with thousands of applications; the card of an application that has not changed is the
same HTML every time. So both pages read their applications as plain `values()` rows (no model
instance) and wrap each in a `Shown`, which only carries what the markup reads. A fragment is
stored under a key made of its owner, its id and a digest of everything it shows: the row as
the query read it (its last change `updated_at`, bumped by every write the card can show, its
status, its own and its posting's names and salary, the company's name, the next interview,
which has its own row), the seeker's time zone and the template itself. Its relative time
("applied 3 days ago") is a slot filled in per response, so a stored card never ages. A change makes a new key; the old fragment is never read
again and expires. All of a page's fragments are read in one round trip (`get_many`) and the
missing ones rendered and written in one (`set_many`).

A card holds no secret: its move form's CSRF token is a placeholder, filled in per response
with the requesting visitor's token, so a stored card is never a credential and a rotated
token (a new log-in) never reaches an old card.

Reading the rows to compute those keys still cost a heavy seeker's board two queries and ~9 ms
of CPU (and the database a window over all their applications) on every view, and the table
two. So each page's assembled markup is kept too, per seeker (`board_columns`, `table_page`):
under the seeker's schedule generation, which every save or delete of one of their
applications or interviews bumps after commit (applications/receivers.py: the services, the
admin, a shell alike), and the catalogue's (postings' names, salaries), the time zone and the
template; it expires when the first next interview on it starts, and after BOARD_TIMEOUT at the
latest, which bounds what a hand-made bulk QuerySet.update() (no signal) leaves stale.
"""

from __future__ import annotations

import datetime as dt
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

from applications.cache import board_key, detail_key, lookup, pipeline_generation, table_key
from applications.models import ALLOWED_TRANSITIONS, CLOSED_STATUSES, Interview, Status
from jobs.cache import CACHE_LAYER_REQUESTS

CARD_TEMPLATE = "applications/_card.html"
ROW_TEMPLATE = "applications/_row.html"
COLUMNS_TEMPLATE = "applications/_board_columns.html"
# Long: a key is only ever reused while nothing on the card changed.
CARD_TIMEOUT = 24 * 60 * 60
# Stands in for the CSRF token in stored cards; only letters, so escaping leaves it alone.
CSRF_PLACEHOLDER = "cardCsrfTokenPlaceholder"
# An assembled board or table page: at most this stale after a bulk update that sends no signal.
BOARD_TIMEOUT = 10 * 60

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


def fragment_key(user_id: int, shown: Shown, template_name: str = CARD_TEMPLATE, *, zone: str | None = None) -> str:
    """The key of `shown` as `user_id` sees it, in `template_name`. Every input of the template
    is in it: the whole row, the time zone, the template. (Its relative time is a slot, filled
    in per response: a card does not age in the cache.)"""
    zone = zone or timezone.get_current_timezone_name()
    inputs = "\x1f".join(map(str, (*shown.row.values(), zone, _template_digest(template_name))))
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


def _shows_until(items: list[Shown], now: dt.datetime) -> dt.datetime:
    """The first moment any of `items` would render differently: its next interview starts, and
    the one after becomes the next (relative times are filled in per response)."""
    moments = [now + dt.timedelta(seconds=BOARD_TIMEOUT)]
    moments += [item.next_interview_at for item in items if getattr(item, "next_interview_at", None)]
    return min(moments)


def _keep(key: str, value, until: dt.datetime) -> None:
    """Store until `until` (whole seconds, rounded down); a page about to change is not kept."""
    seconds = int((until - timezone.now()).total_seconds())
    if seconds >= 1 and not settings.CACHE_BYPASS:
        cache.set(key, value, seconds)


def _for_response(request, html: str, token: str | None = None) -> SafeString:
    """Kept markup as this visitor sees it now: their CSRF token, the relative times as of now."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, token or get_token(request))
    return _ui_filter("fill_ago_slots")(html)


def board_columns(request, read) -> tuple[list[dict], SafeString]:
    """The requesting seeker's board: one dict per status (`status`, `label`, `count`, `hidden`,
    `shown`: how many cards) and the columns' markup with their cards, with this visitor's CSRF
    token and the relative times as of now.

    Kept assembled per seeker (see the module's docstring): a warm board reads two cache keys
    and no table. `read(user)` reads the columns of Shown cards on a miss (selectors.board_for).
    """
    user_id = request.user.pk
    key = board_key(user_id, pipeline_generation(user_id), timezone.get_current_timezone_name(),
                    _template_digest(CARD_TEMPLATE) + _template_digest(COLUMNS_TEMPLATE))
    board = lookup(key, layer="board")
    if board is None:
        now = timezone.now()
        shown = read(request.user)
        cards = [card for column in shown for card in column["cards"]]
        _attach(user_id, cards, CARD_TEMPLATE, "board_cards")
        columns = [
            {**{name: column[name] for name in ("status", "label", "count", "hidden")},
             "shown": len(column["cards"]), "html": mark_safe("".join(card.html for card in column["cards"]))}  # noqa: S308
            for column in shown
        ]
        html = get_template(COLUMNS_TEMPLATE).render({"columns": columns})
        board = {"columns": [{name: value for name, value in column.items() if name != "html"} for column in columns],
                 "html": html}
        _keep(key, board, _shows_until(cards, now))
    return board["columns"], _for_response(request, board["html"])


def table_page(request, filters: dict, page_number: str, paginator_for) -> dict:
    """One page of the requesting seeker's table: `rows` (the markup), `ids`, `number`,
    `num_pages`, `count`. Kept assembled like the board, per set of filters and page number.
    `paginator_for(user, filters)` pages the applications on a miss (selectors.TablePaginator)."""
    user_id = request.user.pk
    requested = int(page_number) if str(page_number).isdigit() else 1
    digest = hashlib.blake2b(repr(sorted(filters.items())).encode(), digest_size=12).hexdigest()
    key = table_key(user_id, pipeline_generation(user_id), timezone.get_current_timezone_name(),
                    _template_digest(ROW_TEMPLATE), digest, requested)
    stored = lookup(key, layer="table")
    if stored is None:
        now = timezone.now()
        page = paginator_for(request.user, filters).get_page(page_number)
        rows = list(page.object_list)
        _attach(user_id, rows, ROW_TEMPLATE, "table_rows")
        stored = {"rows": "".join(row.html for row in rows), "ids": [row.pk for row in rows],
                  "number": page.number, "num_pages": page.paginator.num_pages, "count": page.paginator.count}
        # Only a page that exists is kept: ?page=999999 (shown as the last page) stores nothing.
        if page.number == requested:
            _keep(key, stored, _shows_until(rows, now))
    return {**stored, "rows": _for_response(request, stored["rows"])}


DETAIL_TEMPLATE = "applications/_detail.html"
FIELDS_TEMPLATE = "applications/_fields.html"


def application_page(request, pk: int, read) -> dict:
    """The requesting seeker's application page: `title` and `content` (the markup, with this
    visitor's CSRF token).

    Kept per seeker and application under the seeker's schedule generation, which every write
    to their applications, interviews, contacts, documents and attachments bumps after commit
    (applications/receivers.py), and the catalogue's (the posting's name and salary), the zone
    and the templates; the unbound forms are part of it. A warm page reads no table: the key
    holds the seeker's id, and is stored only after `read(pk)` found the application theirs
    (a deleted one bumps the generation, so its page is never read again). `read(pk)` renders
    on a miss: {"title", "content"} with CSRF_PLACEHOLDER for the token.
    """
    user_id = request.user.pk
    key = detail_key(user_id, pipeline_generation(user_id), pk, timezone.get_current_timezone_name(),
                     _template_digest(DETAIL_TEMPLATE) + _template_digest(FIELDS_TEMPLATE))
    page = lookup(key, layer="application_page")
    if page is None:
        page = read(pk)
        _keep(key, page, timezone.now() + dt.timedelta(seconds=BOARD_TIMEOUT))
    return {"title": page["title"], "content": mark_safe(page["content"].replace(CSRF_PLACEHOLDER, get_token(request)))}  # noqa: S308
