"""The board's cards are rendered once per change and cached, and the assembled board is kept per
seeker until something on it changes: never stale, never someone else's."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from applications.cache import board_key, pipeline_generation
from applications.cards import CARD_TEMPLATE, COLUMNS_TEMPLATE, CSRF_PLACEHOLDER, _template_digest, card_key
from applications.models import Application
from applications.selectors import board_for
from applications.services import (
    application_add_note,
    application_archive,
    application_change_status,
    application_create,
    interview_schedule,
)
from applications.tests.factories import make_applications
from applications.tests.pages import board_cards

pytestmark = pytest.mark.django_db
BOARD = "/applications/board/"


def cards_rendered(response) -> int:
    return sum(1 for template in response.templates if template.name == CARD_TEMPLATE)


def shown_card(user, application: Application):
    """The card of `application` as the board reads it (a plain row, applications/cards.Shown)."""
    return next(card for column in board_for(user) for card in column["cards"] if card.pk == application.pk)


def card_of(response, application: Application) -> str:
    body = response.content.decode()
    match = re.search(rf'<li class="card" id="card-{application.pk}".*?</li>', body, re.S)
    assert match, f"card {application.pk} is not on the board"
    return match.group(0)


def test_it_renders_each_card_once_and_then_serves_it_from_the_cache(alice_client, alice):
    make_applications(alice, 12)

    first = alice_client.get(BOARD)
    second = alice_client.get(BOARD)

    assert cards_rendered(first) == 12
    assert cards_rendered(second) == 0
    assert second.content.decode().count('class="card"') == 12


def test_a_status_change_renders_the_card_again_in_its_new_column(alice_client, alice, alice_app, django_capture_on_commit_callbacks):
    alice_client.get(BOARD)

    with django_capture_on_commit_callbacks(execute=True):
        application_change_status(application=alice_app, to_status="applied", by=alice)
    response = alice_client.get(BOARD)

    assert cards_rendered(response) == 1
    card = card_of(response, alice_app)
    assert 'data-status="applied"' in card
    assert '<option value="interviewing">' in card and '<option value="applied">' not in card


def test_a_note_renders_the_card_again(alice_client, alice, alice_app, django_capture_on_commit_callbacks):
    alice_client.get(BOARD)

    with django_capture_on_commit_callbacks(execute=True):
        application_add_note(application=alice_app, text="Called the recruiter.", by=alice)

    assert cards_rendered(alice_client.get(BOARD)) == 1


def test_an_archived_application_leaves_the_board(alice_client, alice, alice_app, django_capture_on_commit_callbacks):
    assert f'id="card-{alice_app.pk}"' in alice_client.get(BOARD).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        application_archive(application=alice_app, by=alice)

    assert f'id="card-{alice_app.pk}"' not in alice_client.get(BOARD).content.decode()


def test_a_new_interview_shows_on_the_cached_card(alice_client, alice, alice_app, django_capture_on_commit_callbacks):
    assert "Next:" not in card_of(alice_client.get(BOARD), alice_app)

    with django_capture_on_commit_callbacks(execute=True):
        interview_schedule(application=alice_app, by=alice, starts_at=timezone.now() + timedelta(days=3), kind="onsite")
    card = card_of(alice_client.get(BOARD), alice_app)

    assert "Next: On-site, " in card


def test_a_card_ages_its_applied_some_time_ago(alice_client, alice, alice_app):
    Application.objects.filter(pk=alice_app.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert "added 3 days ago" in card_of(alice_client.get(BOARD), alice_app)


def test_a_kept_board_still_ages_its_relative_times(alice_client, alice, alice_app, django_assert_num_queries):
    Application.objects.filter(pk=alice_app.pk).update(created_at=timezone.now() - timedelta(days=3))
    alice_client.get(BOARD)
    later = timezone.now() + timedelta(hours=30)

    with mock.patch("django.utils.timezone.now", return_value=later), django_assert_num_queries(1):  # the user only
        card = card_of(alice_client.get(BOARD), alice_app)

    assert "added 4 days ago" in card


def test_a_next_interview_keeps_the_board_only_until_it_starts(alice_client, alice, alice_app, django_assert_num_queries):
    now = timezone.now()
    interview_schedule(application=alice_app, by=alice, starts_at=now + timedelta(seconds=0.5), kind="onsite")

    # The clock stands still, so the round starts half a second after both views however slow
    # the machine: not kept, as it would show a round that has started.
    with mock.patch("django.utils.timezone.now", return_value=now):
        alice_client.get(BOARD)
        with django_assert_num_queries(3):
            alice_client.get(BOARD)


def test_a_new_time_zone_renders_the_cards_again(alice_client, alice, alice_app):
    alice_client.get(BOARD)
    session = alice_client.session
    session["time_zone"] = "Asia/Tokyo"
    session.save()

    assert cards_rendered(alice_client.get(BOARD)) == 1


def test_a_cached_card_is_never_anothers(alice_client, alice, bob, alice_app):
    bob_app = application_create(user=bob, company_name="Globex", title="Data Engineer")
    alice_client.get(BOARD)
    bob_client = Client()
    bob_client.force_login(bob)

    body = bob_client.get(BOARD).content.decode()

    assert "Platform Engineer" not in body and "Initech" not in body
    assert f'id="card-{bob_app.pk}"' in body
    # Keyed on the owner too, so not even a key could be the same for two seekers.
    shown = shown_card(alice, alice_app)
    assert card_key(alice.pk, shown) != card_key(bob.pk, shown)


def test_a_stored_card_holds_no_csrf_token_and_the_served_one_works(alice, alice_app):
    client = Client(enforce_csrf_checks=True)
    for _ in range(2):  # a new log-in rotates the token; the cached card still gets the new one
        client.force_login(alice)
        card = card_of(client.get(BOARD), alice_app)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', card).group(1)
        assert token != CSRF_PLACEHOLDER
    stored = cache.get(card_key(alice.pk, shown_card(alice, alice_app)))
    assert CSRF_PLACEHOLDER in stored and "csrfmiddlewaretoken" in stored
    digests = _template_digest(CARD_TEMPLATE) + _template_digest(COLUMNS_TEMPLATE)
    board = cache.get(board_key(alice.pk, pipeline_generation(alice.pk), "UTC", digests))
    assert board and token not in board["html"] and CSRF_PLACEHOLDER in board["html"]

    response = client.post(reverse("application_change_status", args=[alice_app.pk]),
                           {"to_status": "applied", "next": "board", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert Application.objects.get(pk=alice_app.pk).status == "applied"


def test_a_closed_column_shows_its_newest_cards_and_links_the_rest(alice_client, alice):
    from applications.selectors import BOARD_CLOSED_COLUMN_LIMIT, BOARD_COLUMN_LIMIT

    make_applications(alice, BOARD_CLOSED_COLUMN_LIMIT + 4, status="rejected")
    make_applications(alice, BOARD_CLOSED_COLUMN_LIMIT + 4, status="applied")

    response = alice_client.get(BOARD)

    columns = {column["status"]: column for column in response.context["columns"]}
    rejected, applied = columns["rejected"], columns["applied"]
    shown = board_cards(response)
    assert (len(shown["rejected"]), rejected["count"], rejected["hidden"]) == (BOARD_CLOSED_COLUMN_LIMIT, BOARD_CLOSED_COLUMN_LIMIT + 4, 4)
    assert len(shown["applied"]) == min(BOARD_COLUMN_LIMIT, BOARD_CLOSED_COLUMN_LIMIT + 4)
    newest = max(Application.objects.filter(user=alice, status="rejected"), key=lambda a: (a.updated_at, a.pk))
    assert shown["rejected"][0] == newest.pk
    assert "4 more in the table" in response.content.decode()
