"""The table's rows, like the board's cards, are rendered once per change and cached, and each
page assembled is kept per seeker: a status move, a note, an edit or a renamed company shows as
soon as it commits; nothing is ever someone else's."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from applications.cards import CARD_TEMPLATE, ROW_TEMPLATE
from applications.models import Application
from applications.services import application_add_note, application_change_status, application_update
from applications.tests.factories import JobFactory, make_applications

pytestmark = pytest.mark.django_db
TABLE = "/applications/"
BOARD = "/applications/board/"


def rendered(response, name: str = ROW_TEMPLATE) -> int:
    return sum(1 for template in response.templates if template.name == name)


def tbody(response) -> str:
    return re.search(r"<tbody>.*?</tbody>", response.content.decode(), re.S).group(0)


def row_of(response, application: Application) -> str:
    body = response.content.decode()
    match = re.search(rf'<tr>\s*<td class="title"><a href="/applications/{application.pk}/">.*?</tr>', body, re.S)
    assert match, f"row {application.pk} is not in the table"
    return match.group(0)


def test_it_renders_each_row_once_and_then_serves_it_from_the_cache(alice_client, alice):
    make_applications(alice, 12)

    first = alice_client.get(TABLE)
    second = alice_client.get(TABLE)

    assert rendered(first) == 12
    assert rendered(second) == 0
    assert second.content.decode().count('<td class="title">') == 12
    assert tbody(first) == tbody(second)


def test_a_status_move_renders_the_row_again(alice_client, alice, alice_app, django_capture_on_commit_callbacks):
    alice_client.get(TABLE)

    with django_capture_on_commit_callbacks(execute=True):
        application_change_status(application=alice_app, to_status="applied", by=alice)
    response = alice_client.get(TABLE)

    assert rendered(response) == 1
    assert '<span class="status status-applied">Applied</span>' in row_of(response, alice_app)


def test_a_note_renders_the_row_and_the_card_again(alice_client, alice, alice_app, django_capture_on_commit_callbacks):
    alice_client.get(TABLE)
    alice_client.get(BOARD)

    with django_capture_on_commit_callbacks(execute=True):
        application_add_note(application=alice_app, text="Called the recruiter.", by=alice)

    assert rendered(alice_client.get(TABLE)) == 1
    assert rendered(alice_client.get(BOARD), CARD_TEMPLATE) == 1


def test_an_edit_shows_in_the_row(alice_client, alice, alice_app, django_capture_on_commit_callbacks):
    alice_client.get(TABLE)

    with django_capture_on_commit_callbacks(execute=True):
        application_update(application=alice_app, by=alice, title="Staff Platform Engineer")

    assert ">Staff Platform Engineer</a>" in row_of(alice_client.get(TABLE), alice_app)


def test_a_renamed_company_shows_on_the_row_and_the_card(alice_client, alice, django_capture_on_commit_callbacks):
    """An application that relies on its posting's names shows the company's new name at once."""
    job = JobFactory(title="Backend Engineer", company__name="Acme")
    application = Application.objects.create(user=alice, job=job, status="applied")
    assert "Acme" in row_of(alice_client.get(TABLE), application)
    alice_client.get(BOARD)

    with django_capture_on_commit_callbacks(execute=True):  # the catalogue's generation moves after commit
        job.company.name = "Acme Rockets"
        job.company.save()

    assert "Acme Rockets" in row_of(alice_client.get(TABLE), application)
    board = alice_client.get(BOARD)
    assert rendered(board, CARD_TEMPLATE) == 1 and "Acme Rockets" in board.content.decode()


def test_a_row_ages_its_last_change(alice_client, alice, alice_app):
    Application.objects.filter(pk=alice_app.pk).update(updated_at=timezone.now() - timedelta(days=3))
    assert "3 days ago" in row_of(alice_client.get(TABLE), alice_app)


def test_a_kept_page_still_ages_its_last_changes(alice_client, alice, alice_app, django_assert_num_queries):
    Application.objects.filter(pk=alice_app.pk).update(updated_at=timezone.now() - timedelta(days=3))
    alice_client.get(TABLE)
    later = timezone.now() + timedelta(hours=30)

    with mock.patch("django.utils.timezone.now", return_value=later), django_assert_num_queries(1):  # the user only
        row = row_of(alice_client.get(TABLE), alice_app)

    assert "4 days ago" in row


def test_a_page_that_does_not_exist_is_not_kept(alice_client, alice, alice_app, django_assert_num_queries):
    alice_client.get(TABLE, {"page": "999"})
    with django_assert_num_queries(3):  # shown as the last page, but never stored under 999
        assert alice_client.get(TABLE, {"page": "999"}).context["page"].number == 1


def test_a_cached_row_is_never_anothers(alice_client, alice, bob, alice_app):
    alice_client.get(TABLE)
    bob_client = Client()
    bob_client.force_login(bob)

    response = bob_client.get(TABLE)

    assert "Platform Engineer" not in response.content.decode() and rendered(response) == 0


def test_an_archived_row_says_so(alice_client, alice, alice_app, django_capture_on_commit_callbacks):
    from applications.services import application_archive

    alice_client.get(TABLE, {"archived": "include"})
    with django_capture_on_commit_callbacks(execute=True):
        application_archive(application=alice_app, by=alice)

    assert '<span class="status">Archived</span>' in row_of(alice_client.get(TABLE, {"archived": "include"}), alice_app)


def test_the_filters_keep_what_was_typed_and_show_their_errors(alice_client, alice_app):
    """The filter form's markup is kept per set of values (applications.views._filters_html):
    each set still shows its own values, and a bad one its error."""
    for text in ("platform", "initech", "platform"):
        body = alice_client.get(TABLE, {"q": text, "status": "saved"}).content.decode()
        assert f'name="q" value="{text}"' in body and '<option value="saved" selected>' in body

    body = alice_client.get(TABLE, {"since": "31/02/2026"}).content.decode()
    assert 'class="errorlist"' in body and 'value="31/02/2026"' in body
    assert 'class="errorlist"' not in alice_client.get(TABLE).content.decode()
