"""Each page runs the same queries for 10 applications as for 200: no query per row.

The session comes from the cache (cached_db sessions, logged in by the test client), so the
first query of every request is the user.
"""

from __future__ import annotations

import pytest

from applications.models import ApplicationEvent
from applications.selectors import BOARD_COLUMN_LIMIT
from applications.tests.factories import make_applications
from applications.views import TABLE_PAGE_SIZE

pytestmark = pytest.mark.django_db
SIZES = [10, 200]


def fetch(client, url: str):
    response = client.get(url)
    if response.streaming:
        response.content_bytes = b"".join(response.streaming_content)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("size", SIZES)
def test_the_table_runs_three_queries(alice_client, alice, bob, size, django_assert_num_queries):
    make_applications(alice, size)
    make_applications(bob, 5)
    # 1 user, 2 count of my applications (for the pager), 3 the page with job and company joined
    with django_assert_num_queries(3):
        response = fetch(alice_client, "/applications/")
    assert len(response.context["page"].object_list) == min(size, TABLE_PAGE_SIZE)


@pytest.mark.parametrize("size", SIZES)
def test_the_board_runs_three_queries(alice_client, alice, size, django_assert_num_queries):
    make_applications(alice, size)
    # 1 user, 2 ids and column counts of the newest cards of every status (window functions), 3 those cards
    with django_assert_num_queries(3):
        response = fetch(alice_client, "/applications/board/")
    assert sum(len(c["cards"]) for c in response.context["columns"]) == min(size, BOARD_COLUMN_LIMIT)


@pytest.mark.parametrize("size", SIZES)
def test_the_detail_page_runs_four_queries_whatever_the_timeline(alice_client, alice, size, django_assert_num_queries):
    application = make_applications(alice, size, events_each=size)[0]
    # 1 user, 2 the application with job and company, 3 same company and title elsewhere, 4 the events with actors
    with django_assert_num_queries(4):
        response = fetch(alice_client, f"/applications/{application.pk}/")
    assert len(response.context["events"]) == size


@pytest.mark.parametrize("size", SIZES)
def test_the_export_runs_two_queries(alice_client, alice, size, django_assert_num_queries):
    make_applications(alice, size, events_each=3)
    # 1 user, 2 applications with job and company, streamed
    with django_assert_num_queries(2):
        response = fetch(alice_client, "/applications/export.csv")
    assert response.content_bytes.count(b"\n") == 1 + size


@pytest.mark.parametrize("size", SIZES)
def test_the_zip_with_the_timeline_runs_three_queries(alice_client, alice, size, django_assert_num_queries):
    import io
    import zipfile

    make_applications(alice, size, events_each=3)
    # 1 user, 2 applications with job and company, 3 their events with names and actors, both streamed
    with django_assert_num_queries(3):
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
