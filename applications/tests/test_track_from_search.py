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


def test_a_full_account_is_told_why_in_place_of_the_button_with_htmx(alice_client, alice, settings):
    settings.APPLICATIONS_PER_USER_MAX = 1
    Application.objects.create(user=alice, job=JobFactory())
    job = JobFactory()

    response = alice_client.post(f"/applications/track/{job.pk}/", {"next": "/jobs/"}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200 and f'role="alert" id="track-button-{job.pk}"' in body
    assert "at most 1 application" in body and Application.objects.filter(user=alice).count() == 1


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


# --- A seeker's search reads everyone's results from the cache, adds only their own marks ---


@pytest.mark.parametrize("tracked_count", [20, 2000])
def test_a_seekers_second_search_costs_two_queries_however_much_she_tracks(alice_client, alice, tracked_count,
                                                                          django_assert_num_queries):
    from applications.tests.factories import make_applications

    make_catalogue(30)
    make_applications(alice, tracked_count, events_each=1)
    Application.objects.create(user=alice, job=JobFactory(title="Engineer she tracks"))
    alice_client.get("/jobs/?q=engineer")
    # 1 the session's user, 2 which of the shown postings she tracks: the rows, skills, total and
    # facets are everyone's and kept, rendered (jobs.views._build_kept); no statement timeout to set
    with django_assert_num_queries(2):
        response = alice_client.get("/jobs/?q=engineer")
    assert response.status_code == 200 and "Tracked ✓" in response.content.decode()


def test_a_seekers_search_keeps_its_rendered_block_and_no_second_copy_of_its_rows(alice_client, alice, monkeypatch):
    from django.core.cache import cache

    from jobs.cache import seeker_search_key

    make_catalogue(5)
    stored = []
    store = cache.set
    monkeypatch.setattr(cache, "set", lambda key, *args, **kwargs: stored.append(key) or store(key, *args, **kwargs))
    first = alice_client.get("/jobs/?q=engineer")
    assert seeker_search_key("/jobs/", "q=engineer") in stored
    assert not [key for key in stored if "seeker-results" in key]
    # Another spelling of the same query is built afresh, with the same cards.
    other = alice_client.get("/jobs/?q=engineer&utm_source=mail")
    def cards(body: str) -> str:
        start = body.index('<ul class="job-list">')
        return body[start:body.index("</section>", start)]

    assert cards(first.content.decode()) == cards(other.content.decode())
    assert cards(first.content.decode()).count('<li class="job-card">') >= 2


def test_kept_results_carry_each_seekers_own_marks(alice_client, alice, bob):
    from django.test import Client

    job = JobFactory(title="Staff engineer")
    Application.objects.create(user=alice, job=job)
    assert "Tracked ✓" in alice_client.get("/jobs/?q=engineer").content.decode()
    bob_client = Client()
    bob_client.force_login(bob)

    body = bob_client.get("/jobs/?q=engineer").content.decode()

    assert "Tracked ✓" not in body and f'<form id="track-{job.pk}"' in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_kept_results_show_the_same_cards_as_a_fresh_search(alice_client, alice):
    from jobs.cache import bump_catalogue_generation

    make_catalogue(12)
    first = alice_client.get("/jobs/?q=engineer").content.decode()
    kept = alice_client.get("/jobs/?q=engineer").content.decode()
    bump_catalogue_generation()  # a new catalogue generation: searched afresh
    fresh = alice_client.get("/jobs/?q=engineer").content.decode()

    def cards(body: str) -> str:
        start = body.index('<ul class="job-list">')
        return body[start:body.index("</section>", start)]

    assert cards(first) == cards(kept) == cards(fresh)
    assert cards(kept).count('<li class="job-card">') >= 5 and 'class="snippet"' in cards(kept)


def test_a_catalogue_change_shows_at_once_in_a_seekers_search(alice_client, alice, django_capture_on_commit_callbacks):
    job = JobFactory(title="Backend engineer")
    assert "Backend engineer" in alice_client.get("/jobs/?q=engineer").content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the edit's generation bump, after commit
        job.title = "Backend engineer (Rust)"
        job.save()

    assert "Backend engineer (Rust)" in alice_client.get("/jobs/?q=engineer").content.decode()


# --- The results block itself is kept for every seeker, with slots for each one's own part ---


def test_the_kept_results_block_holds_no_ones_token_or_marks(alice_client, alice):
    from django.conf import settings as django_settings
    from django.core.cache import cache

    from jobs.cache import seeker_search_key

    job = JobFactory(title="Staff engineer")
    Application.objects.create(user=alice, job=job)
    body = alice_client.get("/jobs/?q=engineer").content.decode()
    assert "Tracked ✓" in body and 'name="csrfmiddlewaretoken"' in body

    kept = cache.get(seeker_search_key("/jobs/", "q=engineer"))

    # kept as its UTF-8 bytes, filled and put into the page as bytes (jobs.cache.FilledBlock)
    assert kept and type(kept["html"]) is bytes and f"<!--track:{job.pk}-->".encode() in kept["html"]
    html = kept["html"].decode()
    assert "Tracked" not in html and "csrfmiddlewaretoken" not in html
    assert alice_client.cookies[django_settings.CSRF_COOKIE_NAME].value not in html


def test_a_kept_search_carries_each_seekers_own_working_csrf_token(alice, bob):
    from django.conf import settings as django_settings
    from django.middleware.csrf import _unmask_cipher_token
    from django.test import Client

    job = JobFactory(title="Staff engineer")
    first = Client(enforce_csrf_checks=True)
    first.force_login(alice)
    first.get("/jobs/?q=engineer")  # kept now, by alice's visit
    second = Client(enforce_csrf_checks=True)
    second.force_login(bob)

    body = second.get("/jobs/?q=engineer").content.decode()
    token = re.search(rf'<form id="track-{job.pk}"[^>]*>.*?name="csrfmiddlewaretoken" value="([^"]+)"', body, re.S).group(1)

    assert _unmask_cipher_token(token) == second.cookies[django_settings.CSRF_COOKIE_NAME].value
    assert _unmask_cipher_token(token) != first.cookies[django_settings.CSRF_COOKIE_NAME].value
    response = second.post(f"/applications/track/{job.pk}/", {"csrfmiddlewaretoken": token, "next": "/jobs/?q=engineer"})
    assert response.status_code == 302 and Application.objects.filter(user=bob, job=job).exists()


def test_a_kept_search_still_ages_its_posted_times(alice_client, django_assert_num_queries):
    import datetime as dt
    from unittest import mock

    from django.utils import timezone

    job = JobFactory(title="Staff engineer", posted_at=timezone.now() - dt.timedelta(hours=2))
    assert "2 h ago" in alice_client.get("/jobs/?q=engineer").content.decode()
    later = timezone.now() + dt.timedelta(hours=30)

    with mock.patch("django.utils.timezone.now", return_value=later), django_assert_num_queries(2):  # user, marks
        body = alice_client.get("/jobs/?q=engineer").content.decode()

    card = body[body.index(f'href="{job.get_absolute_url()}"'):]
    assert "1 day ago" in card[:card.index('<li class="job-card">') if '<li class="job-card">' in card else None]
    assert "2 h ago" not in body


def test_a_kept_searchs_marks_are_the_markup_the_track_tags_give(alice, bob, rf):
    """seeker_marks fills the slots with plain formats (speed): the very markup of track_button
    and track_form, with titles, the way back and the token escaped the same way."""
    from types import SimpleNamespace

    from applications.templatetags.applications_tags import seeker_marks, track_button, track_form

    tracked = JobFactory(title='Tracked <b>"one"</b> & co')
    other = JobFactory(title="Other <i>one</i> & 'two'")
    foreign = JobFactory(title="Bob's only")
    Application.objects.create(user=alice, job=tracked)
    Application.objects.create(user=bob, job=foreign)
    request = rf.get("/jobs/", {"q": 'a "b" <c> & d'})
    request.user = alice
    context = {"request": request, "csrf_token": 'tok"<en>'}
    slots = "".join(f"[<!--track:{job.pk}-->|<!--track-form:{job.pk}-->]" for job in (tracked, other, foreign))
    kept = {"html": (slots + "<!--track:999999--><!--track-form:999999-->").encode(),
            "jobs": [[job.pk, job.title] for job in (tracked, other, foreign)]}

    block = seeker_marks(context, kept)

    assert block is kept["filled"] and str(block) == "<!--kept-block-->"  # the view puts the bytes in its place
    filled = block.body.decode()

    marks = frozenset({tracked.pk})
    expected = "".join(
        f"[{track_button(context, SimpleNamespace(pk=job.pk, title=job.title), marks)}|"
        f"{track_form(context, SimpleNamespace(pk=job.pk, title=job.title), marks)}]"
        for job in (tracked, other, foreign))
    assert filled == expected
    assert filled.count("Tracked ✓") == 1 and f'<form id="track-{foreign.pk}"' in filled  # bob's mark is not alice's
    assert "<b>" not in filled and "&lt;b&gt;" in filled and "tok&quot;&lt;en&gt;" in filled



@pytest.mark.parametrize("query", ["q=engineer", "q=%3Cb%3Eengineer%3C%2Fb%3E&remote=remote", "", "sort=newest&page=1",
                                   "q=engineer+%3C%21--kept-block--%3E"])  # the block's slot typed: escaped, never the slot
def test_a_kept_search_page_is_the_page_built_for_it(alice_client, alice, query):
    """A kept block is answered without the form (its title and heading from the terms it was
    built for): the same page, to the byte, as the one built, but for each response's own token."""
    make_catalogue(12)
    Application.objects.create(user=alice, job=JobFactory(title="Engineer she tracks"))

    def page() -> str:
        body = alice_client.get(f"/jobs/?{query}").content.decode()
        return re.sub(r'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"', r'\1"token"', body)

    built, kept = page(), page()

    assert kept == built and "<!--track" not in kept and "<!--kept-block-->" not in kept
    assert 'name="q"' in kept and "</main>" in kept  # the block, and the page around it
    assert query != "q=engineer" or "Tracked ✓" in kept


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan (the embedded default reads the marks with the ORM)")
def test_the_marks_statement_probes_the_seekers_index_once_per_shown_posting(alice):
    """Which shown postings a seeker tracks: one (user_id, job_id) probe each, not a read of all
    of their applications filtered by the list (what `job_id = ANY(…)` planned for `heavy`)."""
    from django.db import connection

    from applications.templatetags.applications_tags import _TRACKED_SQL, _tracked_among
    from applications.tests.factories import make_applications

    make_applications(alice, 2000, events_each=0)
    tracked = [Application.objects.create(user=alice, job=JobFactory()).job_id for _ in range(3)]
    shown = [*tracked, *(job.pk for job in JobFactory.create_batch(5))]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE applications_application")
        cursor.execute(f"EXPLAIN {_TRACKED_SQL}", [shown, alice.pk])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # Probed by the posting: through the (user_id, job_id) index or the job_id one (a posting has
    # a handful of applications), the planner's choice on a small table; never a read of the seeker's.
    probes = [line for line in plan.splitlines() if "Index Cond" in line and "job_id = shown.id" in line]
    assert "Function Scan on unnest shown" in plan and probes, plan
    assert "Seq Scan on applications_application" not in plan, plan
    assert _tracked_among(alice.pk, shown) == frozenset(tracked)
