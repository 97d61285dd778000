"""Each page runs the same queries for 10 applications as for 200: no query per row.

The session comes from the cache (cached_db sessions, logged in by the test client), so the
first query of every request is the user.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from applications.cards import CARD_TEMPLATE, DETAIL_TEMPLATE, ROW_TEMPLATE
from applications.models import ApplicationEvent
from applications.selectors import BOARD_COLUMN_LIMIT
from applications.tests.factories import add_extras, make_applications, make_document
from applications.views import TABLE_PAGE_SIZE

pytestmark = pytest.mark.django_db
SIZES = [10, 200]
# The board and the table at a small and at the heavy seeker's size: no more queries, and (warm)
# no card or row rendered, however long the history.
LISTS = [20, 2000]


def fetch(client, url: str):
    response = client.get(url)
    if response.streaming:
        response.content_bytes = b"".join(response.streaming_content)
    assert response.status_code == 200
    return response


def main(response) -> str:
    """The page's own content, each form's CSRF token (masked anew per response) left out."""
    body = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body[body.index("<main"):body.index("</main>")])


def templates_named(response, name: str) -> int:
    return sum(1 for template in response.templates if template.name == name)


@pytest.mark.parametrize("size", LISTS)
def test_the_table_runs_three_queries_and_one_warm(alice_client, alice, bob, size, django_assert_num_queries):
    make_applications(alice, size, events_each=1)
    make_applications(bob, 5)
    # 1 user, 2 count of my applications (for the pager), 3 the page with job and company joined
    with django_assert_num_queries(3):
        response = fetch(alice_client, "/applications/")
    assert len(response.context["page"].object_list) == min(size, TABLE_PAGE_SIZE)
    # Warm, the page comes assembled (applications/cards.py): 1 user, whatever the history's length.
    with django_assert_num_queries(1):
        warm = fetch(alice_client, "/applications/")
    assert templates_named(warm, ROW_TEMPLATE) == 0 and warm.content.decode().count('<td class="title">') == min(size, TABLE_PAGE_SIZE)


@pytest.mark.parametrize("size", LISTS)
def test_the_board_runs_three_queries_with_each_cards_next_interview_and_one_warm(alice_client, alice, size, django_assert_num_queries):
    applications = make_applications(alice, size, events_each=1)
    add_extras(applications[-BOARD_COLUMN_LIMIT:], each=2)  # the newest: those the board shows
    # 1 user, 2 ids and column counts of the newest active cards of every status (window functions),
    # 3 those cards with job and company, and their next interview (two correlated subqueries)
    with django_assert_num_queries(3):
        response = fetch(alice_client, "/applications/board/")
    assert sum(c["shown"] for c in response.context["columns"]) == min(size, BOARD_COLUMN_LIMIT)
    assert response.content.decode().count('class="next-step"') == min(size, BOARD_COLUMN_LIMIT)
    # Warm, the board comes assembled (applications/cards.py): 1 user.
    with django_assert_num_queries(1):
        warm = fetch(alice_client, "/applications/board/")
    assert templates_named(warm, CARD_TEMPLATE) == 0 and warm.content.decode().count('class="card"') == min(size, BOARD_COLUMN_LIMIT)


@pytest.mark.parametrize("size", SIZES)
def test_the_detail_page_runs_seven_queries_whatever_the_timeline_interviews_contacts_and_documents(
    alice_client, alice, size, django_assert_num_queries, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    documents = [make_document(alice, name=f"CV {n}") for n in range(size // 5)]
    application = make_applications(alice, size, events_each=size)[0]
    add_extras([application], each=size // 5, documents=documents[: size // 10])
    # 1 user, 2 the application with job and company, 3 same company and title elsewhere,
    # 4 the events with actors, 5 my documents flagged attached or not, 6 the interviews, 7 the contacts
    with django_assert_num_queries(7):
        response = fetch(alice_client, f"/applications/{application.pk}/")
    assert len(response.context["events"]) == size
    assert (len(response.context["interviews"]), len(response.context["contacts"])) == (size // 5, size // 5)
    assert (len(response.context["attached"]), len(response.context["attachable"])) == (size // 10, size // 5 - size // 10)
    # Warm, the content comes kept (applications/cards.py: application_page): 1 user, no template
    # of it rendered, whatever the history's length.
    with django_assert_num_queries(1):
        warm = fetch(alice_client, f"/applications/{application.pk}/")
    assert templates_named(warm, DETAIL_TEMPLATE) == 0
    assert warm.content.decode().count('class="event ') == size
    assert main(warm) == main(response)


@pytest.mark.parametrize("size", SIZES)
def test_the_export_runs_two_queries(alice_client, alice, size, django_assert_num_queries):
    make_applications(alice, size, events_each=3)
    # 1 user, 2 applications with job, company and next interview, streamed, 3 their contacts
    # (one query per 1,000 applications streamed)
    with django_assert_num_queries(3):
        response = fetch(alice_client, "/applications/export.csv")
    assert response.content_bytes.count(b"\n") == 1 + size


@pytest.mark.parametrize("size", SIZES)
def test_the_zip_with_the_timeline_runs_three_queries(alice_client, alice, size, django_assert_num_queries):
    import io
    import zipfile

    make_applications(alice, size, events_each=3)
    # 1 user, 2 applications with job, company and next interview, 3 their contacts, 4 their
    # events with names and actors, both files streamed
    with django_assert_num_queries(4):
        response = fetch(alice_client, "/applications/export.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.content_bytes))
    assert archive.read("timeline.csv").count(b"\n") == 1 + size * 3
    assert ApplicationEvent.objects.count() == size * 3


@pytest.mark.parametrize("size", SIZES)
def test_the_api_list_runs_three_queries(alice_client, alice, size, django_assert_num_queries):
    make_applications(alice, size)
    # 1 user, 2 count for the pager, 3 the page with job and company joined
    with django_assert_num_queries(3):
        response = fetch(alice_client, "/api/v1/applications/")
    assert len(response.json()["results"]) == min(size, 50)


@pytest.mark.parametrize("size", SIZES)
def test_the_document_library_runs_two_queries(alice_client, alice, size, django_assert_num_queries, tmp_path, settings):
    from applications.models import Document

    settings.MEDIA_ROOT = tmp_path
    Document.objects.bulk_create(
        Document(user=alice, name=f"CV {n}", file=f"documents/{alice.pk}/{n}.pdf", file_type="pdf",
                 original_filename=f"cv{n}.pdf", size=100)
        for n in range(size // 2)
    )
    # 1 user, 2 my documents
    with django_assert_num_queries(2):
        response = fetch(alice_client, "/applications/documents/")
    assert response.content.decode().count("/download/") == size // 2


@pytest.mark.parametrize("size", SIZES)
def test_the_deletion_log_runs_two_queries(alice_client, alice, size, django_assert_num_queries):
    from django.utils import timezone

    from applications.models import ApplicationDeletion

    now = timezone.now()
    ApplicationDeletion.objects.bulk_create(
        ApplicationDeletion(user=alice, application_id=n, title=f"Role {n}", company_name="Co", status="saved",
                            created_at=now, deleted_by=alice)
        for n in range(size)
    )
    # 1 user, 2 the newest hundred deletions with who deleted them
    with django_assert_num_queries(2):
        response = fetch(alice_client, "/applications/deleted/")
    assert response.content.decode().count("<td>Role ") == min(size, 100)


@pytest.mark.skipif(not settings.REDIS_URL, reason="counts round trips to Redis (the embedded default has none)")
def test_a_warm_board_table_and_application_page_read_the_cache_in_three_round_trips(alice_client, alice, monkeypatch):
    """The session; the two generations they are kept under and the header's bell in one MGET
    (applications.cache.pipeline_reads); the kept page."""
    import redis.connection

    first = make_applications(alice, 30)[0]
    paths = ["/applications/board/", "/applications/", f"/applications/{first.pk}/"]
    for path in paths:
        alice_client.get(path)  # kept now
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command",
                        lambda self, command, *args, **kwargs: sent.append(command) or send(self, command, *args, **kwargs))

    for path in paths:
        sent.clear()
        assert alice_client.get(path).status_code == 200
        assert len(sent) == 3, (path, sent)
