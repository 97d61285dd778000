"""The board's cards, each rendered once per change and kept in the cache.

Rendering 240 cards through the template engine was three quarters of the board's time for a
seeker with thousands of applications; the card of an application that has not changed is the
same HTML every time. A card is stored under a key made of its owner, its id and a digest of
everything it shows: its last change (`updated_at`, bumped by every write that the card can
show), its status, names, salary, next interview and follow-up (an interview has its own row,
so it is in the digest as the card's query read it), the relative "applied 3 days ago" as text
(so it ages), the seeker's time zone and the card template itself. A change makes a new key;
the old card is never read again and expires. All of a board's cards are read in one round
trip (`get_many`) and the missing ones written in one (`set_many`).

A card holds no secret: its move form's CSRF token is a placeholder, filled in per response
with the requesting visitor's token, so a stored card is never a credential and a rotated
token (a new log-in) never reaches an old card.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template import engines
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import mark_safe

from jobs.cache import CACHE_LAYER_REQUESTS

CARD_TEMPLATE = "applications/_card.html"
# Long: a key is only ever reused while nothing on the card changed, and a day's worth of
# "ago" text changes the key anyway.
CARD_TIMEOUT = 24 * 60 * 60
# Stands in for the CSRF token in stored cards; only letters, so escaping leaves it alone.
CSRF_PLACEHOLDER = "cardCsrfTokenPlaceholder"


@lru_cache(maxsize=None)
def _ui_filter(name: str):
    """The card's own filters (careercopilot's `ui` library, which this app may not import)."""
    return engines["django"].engine.template_libraries["ui"].filters[name]


@lru_cache(maxsize=1)
def _template_digest() -> str:
    """A new card template (a deploy) makes every key new: no card of the old markup is read."""
    template = get_template(CARD_TEMPLATE)
    return hashlib.blake2b(template.template.source.encode(), digest_size=6).hexdigest()


def card_key(user_id: int, card) -> str:
    """The key of `card` as `user_id` sees it now. Every input of _card.html is in it."""
    shown = (
        card.updated_at.isoformat(), card.status, card.display_title, card.display_company, _ui_filter("salary")(card),
        _ui_filter("ago")(card.applied_at or card.created_at), card.next_interview_at and card.next_interview_at.isoformat(),
        getattr(card, "next_interview_label", ""), card.next_follow_up and card.next_follow_up.isoformat(),
        timezone.get_current_timezone_name(), _template_digest(),
    )
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=12).hexdigest()
    return f"applications:card:{user_id}:{card.pk}:{digest}"


def attach_card_html(request, cards: list) -> None:
    """Set `card.html` on each of the requesting seeker's `cards`: cached ones in one read,
    the rest rendered and stored in one write."""
    if not cards:
        return
    keys = {card.pk: card_key(request.user.pk, card) for card in cards}
    stored = {} if settings.CACHE_BYPASS else cache.get_many(list(keys.values()))
    missing = {}
    template = None
    for card in cards:
        html = stored.get(keys[card.pk])
        if html is None:
            template = template or get_template(CARD_TEMPLATE)
            html = missing[keys[card.pk]] = template.render({"card": card, "csrf_token": CSRF_PLACEHOLDER})
        card.html = html
    CACHE_LAYER_REQUESTS.labels("board_cards", "hit").inc(len(cards) - len(missing))
    CACHE_LAYER_REQUESTS.labels("board_cards", "miss").inc(len(missing))
    if missing and not settings.CACHE_BYPASS:
        cache.set_many(missing, CARD_TIMEOUT)
    token = get_token(request)
    for card in cards:
        card.html = mark_safe(card.html.replace(CSRF_PLACEHOLDER, token))  # noqa: S308 (our own rendered markup)

