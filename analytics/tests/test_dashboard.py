from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.services import user_metrics_recompute

pytestmark = pytest.mark.django_db


def _bulk_applications(user, n: int):
    """n applications straight into the table (no service, so nothing is recomputed)."""
    from applications.models import Application

    now = timezone.now()
    statuses = ["saved", "applied", "interviewing", "rejected", "ghosted"]
    Application.objects.bulk_create(
        Application(
            user=user, company_name=f"Company {i % 37}", title=f"Role {i}", status=statuses[i % 5],
            created_at=now - timedelta(days=i % 150 + 3), updated_at=now,
            applied_at=now - timedelta(days=i % 150) if i % 5 else None,
            interview_at=now - timedelta(days=i % 150 - 2) if i % 5 == 2 and i % 150 > 2 else None,
            closed_at=now - timedelta(days=1) if i % 5 in (3, 4) else None,
            next_follow_up=(now + timedelta(days=i % 9 - 4)).date() if i % 7 == 0 else None,
        )
        for i in range(n)
    )


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_shows_an_empty_state_to_a_seeker_with_nothing_tracked(alice_client):
    response = alice_client.get("/dashboard/")

    assert response.status_code == 200
    assert b"Nothing tracked yet" in response.content
    assert b"Figures computed" in response.content


def test_it_shows_the_figures_charts_follow_ups_and_when_they_were_computed(alice, alice_client, make_application):
    today = timezone.now().date()
    make_application(alice, "applied", created="2026-01-01", applied="2026-01-02", company="Acme", title="Backend Engineer",
                     follow_up=str(today - timedelta(days=1)))
    make_application(alice, "interviewing", created="2026-01-01", applied="2026-01-03", interview="2026-01-10", company="Beta")
    user_metrics_recompute(user_ids=[alice.id])

    html = alice_client.get("/dashboard/").content.decode()

    assert '<dd id="figure-total">2</dd>' in html
    assert '<dd id="figure-response-rate">50%</dd>' in html
    assert '<dd id="figure-median">7.0 days</dd>' in html
    assert '<dd id="figure-follow-ups-due">1</dd>' in html
    assert 'data-stage="interviewing" data-count="1"' in html  # the funnel, drawn server-side
    assert html.count('<svg class="chart-svg"') == 3 and "<script src=\"http" not in html
    assert "Backend Engineer" in html and "/applications/" in html
    assert 'id="computed-at"' in html


def test_it_reads_stored_figures_instead_of_counting_rows_on_a_page_view(alice, alice_client, make_application):
    make_application(alice, "saved", created="2026-01-01", company="Acme")
    user_metrics_recompute(user_ids=[alice.id])
    # Written around the services: no refresh is asked for, so the stored figures stand.
    make_application(alice, "saved", created="2026-01-02", company="Beta")

    html = alice_client.get("/dashboard/").content.decode()

    assert '<dd id="figure-total">1</dd>' in html


def test_it_shows_a_status_change_once_the_transaction_commits(alice, alice_client, django_capture_on_commit_callbacks):
    from applications.services import application_change_status, application_create

    with django_capture_on_commit_callbacks(execute=True):
        application = application_create(user=alice, company_name="Acme", title="Engineer", status="applied")
    assert '<dd id="figure-interview-rate">0%</dd>' in alice_client.get("/dashboard/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        application_change_status(application=application, to_status="interviewing", by=alice)

    assert '<dd id="figure-interview-rate">100%</dd>' in alice_client.get("/dashboard/").content.decode()


def test_it_shows_each_seeker_only_their_own_figures(alice, bob, client, make_application):
    make_application(alice, "applied", created="2026-01-01", applied="2026-01-02", company="Acme")
    user_metrics_recompute(user_ids=[alice.id, bob.id])
    client.force_login(bob)

    html = client.get("/dashboard/").content.decode()

    assert "Nothing tracked yet" in html and "Acme" not in html


def _bulk_interviews(user, applications: int) -> None:
    """One past and one coming interview on every tenth application."""
    from applications.models import Application, Interview

    now = timezone.now()
    Interview.objects.bulk_create(
        Interview(user=user, application_id=pk, starts_at=now + timedelta(days=days, hours=pk % 24))
        for pk in Application.objects.filter(user=user).order_by("pk").values_list("pk", flat=True)[::10]
        for days in (-3, 4)
    )


@pytest.mark.parametrize("applications", [5, 5000])
def test_it_renders_warm_metrics_in_one_query_whatever_the_number_of_applications(
    alice, alice_client, django_assert_num_queries, applications
):
    _bulk_applications(alice, applications)
    _bulk_interviews(alice, applications)
    user_metrics_recompute(user_ids=[alice.id])
    alice_client.get("/dashboard/")  # fills the cache

    with django_assert_num_queries(1):
        # 1. the signed-in user. The session, the figures and the next five interviews come from
        #    the cache (the interviews' entry expires when the first of them starts).
        response = alice_client.get("/dashboard/")

    html = response.content.decode()
    assert f'<dd id="figure-total">{applications}</dd>' in html
    assert len(response.context["upcoming"]) == min(5, (applications + 9) // 10)


@pytest.mark.parametrize("applications", [5, 5000])
def test_it_loads_the_stored_row_once_when_the_cache_is_cold(alice, alice_client, django_assert_num_queries, applications):
    _bulk_applications(alice, applications)
    user_metrics_recompute(user_ids=[alice.id])

    with django_assert_num_queries(3):
        # 1. the signed-in user  2. the stored snapshot (then kept in the cache)
        # 3. the next five interviews, with their applications (LIMIT 5 on the (user, starts_at) index)
        alice_client.get("/dashboard/")


def _upcoming(client) -> list[str]:
    return [row["title"] for row in client.get("/dashboard/").context["upcoming"]]


def test_it_shows_a_new_rescheduled_or_removed_interview_at_once_though_the_list_is_cached(alice, alice_client, django_capture_on_commit_callbacks):
    from applications.services import application_archive, application_create, interview_delete, interview_schedule, interview_update

    soon = timezone.now() + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = application_create(user=alice, company_name="Acme", title="First")
        second = application_create(user=alice, company_name="Beta", title="Second")
        interview = interview_schedule(application=first, by=alice, starts_at=soon)
    assert _upcoming(alice_client) == ["First"]

    with django_capture_on_commit_callbacks(execute=True):
        interview_schedule(application=second, by=alice, starts_at=soon - timedelta(hours=1))
    assert _upcoming(alice_client) == ["Second", "First"]

    with django_capture_on_commit_callbacks(execute=True):
        interview_update(interview=interview, by=alice, starts_at=soon - timedelta(hours=2))
    assert _upcoming(alice_client) == ["First", "Second"]

    with django_capture_on_commit_callbacks(execute=True):
        application_archive(application=second, by=alice)
    assert _upcoming(alice_client) == ["First"]

    with django_capture_on_commit_callbacks(execute=True):
        interview_delete(interview=interview, by=alice)
    assert _upcoming(alice_client) == []


def test_it_never_shows_a_cached_interview_that_has_started(alice, alice_client, monkeypatch):
    from applications.models import Application, Interview

    application = Application.objects.create(user=alice, company_name="Acme", title="Soon", status="applied")
    Interview.objects.create(user=alice, application=application, starts_at=timezone.now() + timedelta(minutes=5))
    assert _upcoming(alice_client) == ["Soon"]  # cached for the five minutes until it starts

    later = timezone.now() + timedelta(minutes=6)
    monkeypatch.setattr(timezone, "now", lambda: later)  # the entry is still in the cache, its interview past
    assert _upcoming(alice_client) == []


def test_settled_figures_are_kept_rendered_and_each_follow_up_form_carries_the_visitors_token(alice, make_application):
    import re

    from django.conf import settings
    from django.middleware.csrf import _unmask_cipher_token
    from django.test import Client

    from applications.models import Application

    application = make_application(alice, "applied", created="2026-01-01", applied="2026-01-02", company="Acme",
                                   title="Backend Engineer", follow_up=str(timezone.now().date()))
    user_metrics_recompute(user_ids=[alice.id])
    for attempt in range(2):  # a new log-in, a new token: the kept figures still get the visitor's own
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)
        response = client.get("/dashboard/")
        assert attempt == 0 or response.context["figures_html"]  # the second visit reads them kept
        token = re.search(rf'action="/follow-ups/{application.pk}/done/" class="inline">'
                          r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)
        assert _unmask_cipher_token(token) == client.cookies[settings.CSRF_COOKIE_NAME].value

    assert client.post(f"/follow-ups/{application.pk}/done/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert Application.objects.get(pk=application.pk).next_follow_up is None


def test_a_new_snapshot_shows_at_once(alice, alice_client, make_application, django_capture_on_commit_callbacks):
    make_application(alice, "saved", created="2026-01-01", company="Acme")
    user_metrics_recompute(user_ids=[alice.id])
    alice_client.get("/dashboard/")
    assert '<dd id="figure-total">1</dd>' in alice_client.get("/dashboard/").content.decode()  # kept

    make_application(alice, "saved", created="2026-01-02", company="Beta")
    with django_capture_on_commit_callbacks(execute=True):  # the snapshot's generation moves after commit
        user_metrics_recompute(user_ids=[alice.id])

    assert '<dd id="figure-total">2</dd>' in alice_client.get("/dashboard/").content.decode()


@pytest.fixture
def redis_round_trips(monkeypatch):
    """Counts the commands (or pipelines, or MGETs) sent to Redis: each is one round trip."""
    import redis.connection
    from django.conf import settings

    if not settings.REDIS_URL:
        pytest.skip("counts round trips to Redis (the embedded default has none)")

    sent = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counted(self, command, *args, **kwargs):
        sent.append(command)
        return send(self, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted)
    return sent


def test_a_warm_dashboard_reads_the_cache_in_three_round_trips(alice, alice_client, redis_round_trips, django_assert_num_queries):
    _bulk_applications(alice, 50)
    _bulk_interviews(alice, 50)
    user_metrics_recompute(user_ids=[alice.id])
    alice_client.get("/dashboard/")  # fills the cache
    redis_round_trips.clear()

    with django_assert_num_queries(1):  # the signed-in user
        response = alice_client.get("/dashboard/")

    # the session; the snapshot's generations, the last change, the schedule's generation and the
    # bell's count in one MGET; the snapshot, the upcoming interviews and the kept figures in another
    assert len(redis_round_trips) == 3, redis_round_trips
    assert response.context["figures_html"] and '<dd id="figure-total">50</dd>' in response.content.decode()
    assert len(response.context["upcoming"]) == 5


def test_kept_figures_are_shown_only_for_the_very_snapshot_they_were_rendered_from(alice, alice_client, make_application):
    """Kept under the snapshot's generation (to be read with it), the figures' markup still
    never shows other figures than the snapshot read: a snapshot that changed under the same
    generation (a reload of its row after an eviction) renders them afresh."""
    from django.core.cache import cache

    from analytics.cache import user_metrics_generation, user_metrics_key

    make_application(alice, "saved", created="2026-01-01", company="Acme")
    user_metrics_recompute(user_ids=[alice.id])
    alice_client.get("/dashboard/")
    assert '<dd id="figure-total">1</dd>' in alice_client.get("/dashboard/").content.decode()  # kept
    key = user_metrics_key(alice.id, user_metrics_generation(alice.id))
    stored = cache.get(key)
    cache.set(key, {**stored, "fields": {**stored["fields"], "total": 7}}, 60)

    body = alice_client.get("/dashboard/").content.decode()

    assert '<dd id="figure-total">7</dd>' in body and '<dd id="figure-total">1</dd>' not in body


def test_read_ahead_answers_the_keys_it_read_and_a_fill_still_reads_what_it_wrote(redis_round_trips):
    from django.core.cache import cache

    from jobs.cache import cache_get, cache_get_many, read_ahead

    cache.set("ahead:found", "kept", 60)
    cache.delete("ahead:missing")
    redis_round_trips.clear()
    with read_ahead(["ahead:found", "ahead:missing"]):
        assert len(redis_round_trips) == 1  # one MGET
        assert cache_get("ahead:found") == "kept" and cache_get("ahead:missing", "none") == "none"
        assert cache_get_many(["ahead:found", "ahead:missing"]) == {"ahead:found": "kept"}
        assert len(redis_round_trips) == 1  # answered from memory, misses too
        cache.add("ahead:missing", "filled", 60)  # a fill reads back with cache.get
        assert cache.get("ahead:missing") == "filled"
    assert cache_get("ahead:missing") == "filled"  # nothing outlives the block
