"""Search result cards carry a Track button: a form for a seeker, a plain link in the page
cached for anonymous visitors (the same for everyone: no CSRF token, nobody's state)."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from applications.models import Application
from jobs.tests.conftest import DEADLINE_QUERIES, TOTAL_QUERIES, make_catalogue
from jobs.tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_an_anonymous_cached_results_page_links_each_card_to_the_track_page(client):
    jobs = [JobFactory(title=f"Engineer {n}") for n in range(3)]

    client.get("/jobs/")
    cached = client.get("/jobs/")

    assert cached["X-Page-Cache"] == "hit"
    body = cached.content.decode()
    for job in jobs:
        assert f'<a class="button secondary track-button" href="/applications/track/{job.pk}/">Track</a>' in body
    assert "csrfmiddlewaretoken" not in body and "Tracked" not in body


def test_the_link_leads_through_log_in_to_the_track_page(client, alice):
    job = JobFactory()

    response = client.get(f"/applications/track/{job.pk}/")
    assert response["Location"] == f"/login/?next=/applications/track/{job.pk}/"
    response = client.post(response["Location"], {"username": "alice", "password": "alice-password-1"})

    assert response["Location"] == f"/applications/track/{job.pk}/"
    assert "Track this job</button>" in client.get(response["Location"]).content.decode()


def test_a_seeker_sees_a_form_per_card_and_tracked_ones_marked(alice_client, alice):
    tracked, other = JobFactory(title="Tracked one"), JobFactory(title="Other one")
    Application.objects.create(user=alice, job=tracked)

    body = alice_client.get("/jobs/").content.decode()

    assert 'name="csrfmiddlewaretoken"' in body
    assert f'action="/applications/track/{other.pk}/"' in body
    assert f'action="/applications/track/{tracked.pk}/"' not in body and "Tracked ✓" in body
    # Forms do not nest: the button posts its own form, placed after the search form, by its id.
    assert f'form="track-{other.pk}"' in body
    search_form_end = body.index("</form>", body.index('class="job-search"'))
    assert body.index(f'<form id="track-{other.pk}"') > search_form_end


def test_tracking_from_a_card_without_javascript_goes_back_to_the_results(alice_client, alice):
    job = JobFactory()

    response = alice_client.post(f"/applications/track/{job.pk}/", {"next": "/jobs/?q=engineer&page=2"})

    assert response["Location"] == "/jobs/?q=engineer&page=2"
    assert Application.objects.filter(user=alice, job=job).exists()


def test_a_foreign_next_is_ignored(alice_client, alice):
    job = JobFactory()

    response = alice_client.post(f"/applications/track/{job.pk}/", {"next": "https://evil.example/"})

    assert response["Location"] == f"/applications/{Application.objects.get(user=alice).pk}/"


def test_tracking_from_a_card_with_htmx_swaps_in_the_tracked_mark(alice_client, alice):
    job = JobFactory()

    response = alice_client.post(f"/applications/track/{job.pk}/", {"next": "/jobs/"}, HTTP_HX_REQUEST="true")
    again = alice_client.post(f"/applications/track/{job.pk}/", {"next": "/jobs/"}, HTTP_HX_REQUEST="true")

    assert response.status_code == again.status_code == 200
    # The mark keeps the button's id, so focus stays on the spot after the swap.
    assert re.sub(r"\s+", " ", response.content.decode()).strip() == (
        f'<span class="muted track-button" id="track-button-{job.pk}" tabindex="-1" data-announce="Tracking {job.title}">'
        f'Tracked ✓<span class="visually-hidden"> {job.title}</span></span>'
    )
    assert again.content == response.content and Application.objects.filter(user=alice).count() == 1


@pytest.mark.parametrize("size", [3, 30])
def test_a_seekers_results_page_costs_one_query_more_whatever_the_page_size(alice_client, size, django_assert_num_queries):
    make_catalogue(size)
    # 1 the session's user, the statement timeout (DEADLINE_QUERIES), the total
    # (TOTAL_QUERIES), rows, skills, facets (on PostgreSQL counted from the matches the total
    # read: no query), and 1 which of the shown postings the seeker tracks
    facets = 0 if connection.vendor == "postgresql" else 1
    with django_assert_num_queries(1 + DEADLINE_QUERIES + TOTAL_QUERIES + 2 + facets + 1):
        response = alice_client.get("/jobs/")
    assert response.status_code == 200
