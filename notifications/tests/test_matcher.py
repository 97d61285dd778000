"""The set-wise matcher: only new postings, each once, exactly what /jobs/ shows for the query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models.expressions import RawSQL
from django.utils import timezone

from jobs.selectors import filtered_jobs
from jobs.models import Job
from jobs.tests.factories import JobFactory
from notifications.matcher import MATCHES_KEPT, alerts_match
from notifications.inbox import notification_mark_read, notification_send, notifications_mark_all_read, notifications_of, unread_count
from notifications.models import Notification, SavedSearch
from notifications.queries import search_params
from notifications.tests.conftest import arrive, later, save_search

pytestmark = pytest.mark.django_db


def matched(search) -> set[int]:
    """The postings the search keeps as matched (the newest MATCHES_KEPT: these tests stay below)."""
    return set(SavedSearch.objects.get(pk=search.pk).latest_job_ids)


def test_it_alerts_a_matching_posting_that_arrives_after_the_search_was_saved(alice):
    search = save_search(alice, q="python", remote=["remote"])
    hit = arrive(title="Python developer", remote_policy="remote")
    arrive(title="Python developer", remote_policy="onsite")  # filter says no
    arrive(title="Rust engineer", remote_policy="remote")  # query says no

    run = alerts_match(now=later())

    assert matched(search) == {hit.pk}
    search.refresh_from_db()
    assert search.unseen_count == 1
    assert (search.mark_posted_at, search.mark_job_id) == run.high
    assert Notification.objects.get(user=alice).title == "1 new job for “Python remote”"


def test_a_posting_older_than_the_high_water_mark_is_never_alerted(alice):
    arrive(title="Python developer", posted_at=timezone.now() - timedelta(minutes=5))
    search = save_search(alice, q="python")
    # Inserted after the search was saved, but posted before its mark: not new.
    JobFactory(title="Python developer (backdated import)", posted_at=timezone.now() - timedelta(days=2))
    alerts_match(now=later())
    assert matched(search) == set()
    fresh = arrive(title="Python developer")
    alerts_match(now=later())
    assert matched(search) == {fresh.pk}


def test_a_second_run_alerts_nothing_twice_and_a_posting_between_runs_is_in_the_next(alice):
    search = save_search(alice, q="python")
    first = arrive(title="Python developer one")
    alerts_match(now=later())
    again = alerts_match(now=later(3))
    assert again.new_postings == 0 and again.matches == 0
    second = arrive(title="Python developer two")
    alerts_match(now=later(4))
    assert matched(search) == {first.pk, second.pk}
    search.refresh_from_db()
    assert search.unseen_count == 2
    # Unread, the first run's notification took the second run's match in.
    assert list(Notification.objects.filter(user=alice).values_list("title", "match_count")) == [
        ("2 new jobs for “Python remote”", 2)]


def test_a_posting_not_yet_settled_waits_for_the_next_run(alice):
    search = save_search(alice, q="python")
    job = arrive(title="Python developer")
    run = alerts_match(now=timezone.now())  # posted a moment ago: its transaction's peers may not be visible yet
    assert run.new_postings == 0 and matched(search) == set()
    alerts_match(now=later())
    assert matched(search) == {job.pk}


def test_the_matches_are_what_the_jobs_page_finds_for_the_query(alice, bob, python_skill):
    searches = [
        save_search(alice, name="a", q="python developer"),
        save_search(alice, name="b", q="python", experience=["senior"], salary_min="60000"),
        save_search(bob, name="c", skills="python", job_type=["contract"]),
        save_search(bob, name="d", location="berlin", remote=["hybrid", "remote"]),
        save_search(bob, name="e", q="engineer -rust"),
    ]
    jobs = [
        arrive(title="Python developer", experience_level="senior", salary_min=50_000, salary_max=90_000, skills=[python_skill]),
        arrive(title="Senior Python engineer", experience_level="senior", salary_min=40_000, salary_max=55_000, job_type="contract"),
        arrive(title="Data engineer", location="Berlin", remote_policy="hybrid", job_type="contract", skills=[python_skill]),
        arrive(title="Rust engineer", location="Munich", remote_policy="remote"),
        arrive(title="Python developer", location="Berlin", remote_policy="remote", is_active=False),
    ]
    alerts_match(now=later())
    new_ids = [job.pk for job in jobs]
    for search in searches:
        expected = set(filtered_jobs(search_params(search.query)).filter(pk__in=new_ids).values_list("pk", flat=True))
        assert matched(search) == expected, search.name
    assert sum(len(matched(search)) for search in searches) >= 4  # the fixture exercises each filter


def test_equal_queries_run_once_however_they_were_typed(alice, bob):
    one = save_search(alice, q="Python  Developer", remote=["remote", "hybrid"])
    two = save_search(bob, q="python developer", remote=["hybrid", "remote"])
    assert one.query_key == two.query_key
    job = arrive(title="Python developer", remote_policy="remote")
    run = alerts_match(now=later())
    assert run.saved_searches == 2 and run.distinct_queries == 1
    assert matched(one) == matched(two) == {job.pk}


def test_the_count_is_exact_and_the_rows_kept_are_capped(alice):
    search = save_search(alice, q="python")
    for n in range(MATCHES_KEPT + 3):
        arrive(title=f"Python developer {n}", posted_at=timezone.now() + timedelta(seconds=n), external_id=f"x{n}")
    alerts_match(now=later())
    search.refresh_from_db()
    assert search.unseen_count == MATCHES_KEPT + 3
    assert len(matched(search)) == MATCHES_KEPT
    assert Notification.objects.get(user=alice).title == f"{MATCHES_KEPT + 3} new jobs for “Python remote”"


def test_a_search_saved_after_a_run_starts_from_its_own_mark(alice, bob):
    save_search(alice, q="python")
    arrive(title="Python developer")
    alerts_match(now=later())
    late = save_search(bob, q="python")
    alerts_match(now=later(3))
    assert matched(late) == set()
    assert SavedSearch.objects.get(pk=late.pk).unseen_count == 0


def test_the_temporary_table_is_gone_after_a_run(alice):
    save_search(alice, q="python")
    arrive(title="Python developer")
    alerts_match(now=later())
    from django.db import connection

    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor, include_views=False)
    assert "notifications_new_posting" not in tables
    assert RawSQL  # imported for readers: the matcher restricts queries with RawSQL over that table


def test_a_backlog_is_matched_in_slices_each_queuing_the_next(alice, monkeypatch):
    """A big import must not make one run outlive the tasks' time limit: a run takes at most
    MAX_NEW_POSTINGS, and the task queues the next slice at once until the backlog is gone."""
    from notifications import matcher, tasks

    search = save_search(alice, q="python")
    start = timezone.now() - timedelta(minutes=10)
    SavedSearch.objects.filter(pk=search.pk).update(mark_posted_at=start, mark_job_id=0)
    backlog = {arrive(title=f"Python developer {n}", posted_at=start + timedelta(minutes=n)).pk for n in range(1, 6)}
    monkeypatch.setattr(matcher, "MAX_NEW_POSTINGS", 2)

    assert matcher.alerts_match(max_new=2).new_postings == 2  # one slice: the two oldest
    tasks.match_new_postings.delay()  # the rest, in slices of two (inline here: tasks run eagerly)

    assert matched(search) == backlog
    search.refresh_from_db()
    assert search.unseen_count == 5


def test_a_run_costs_the_same_statements_for_3_or_30_saved_searches(django_user_model):
    """Counts, newest postings and marks go in with one COPY and one UPDATE (SQLite: batched
    CASE updates), notifications likewise: no statement per search or seeker."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(searches: int, minutes: int) -> int:
        for n in range(searches):
            user = django_user_model.objects.create_user(f"seeker-{minutes}-{n}", f"s{minutes}-{n}@example.com", "pw")
            save_search(user, q="python" if n % 2 else "engineer", frequency=("daily", "instant", "off")[n % 3])
        arrive(title="Python engineer", external_id=f"pe-{minutes}")
        with CaptureQueriesContext(connection) as queries:
            run = alerts_match(now=later(minutes))
        assert run.matches == run.matched_searches == run.saved_searches >= searches
        return len(queries)

    statements(1, 2)  # warms jobs' cached search aliases and rates
    assert statements(3, 4) == statements(30, 6)


def test_the_pending_count_is_what_no_email_told_of_and_off_searches_keep_none(alice):
    daily = save_search(alice, name="a", q="python")
    off = save_search(alice, name="b", q="python", frequency="off")
    for n in range(MATCHES_KEPT + 2):
        arrive(title=f"Python developer {n}", posted_at=timezone.now() + timedelta(seconds=n), external_id=f"p{n}")
    alerts_match(now=later())
    daily.refresh_from_db()
    off.refresh_from_db()
    assert (daily.unseen_count, daily.pending_count) == (MATCHES_KEPT + 2, MATCHES_KEPT + 2)
    assert (off.unseen_count, off.pending_count) == (MATCHES_KEPT + 2, 0)
    newest_first = list(SavedSearch.objects.get(pk=daily.pk).latest_job_ids)
    posted = dict(Job.objects.filter(pk__in=newest_first).values_list("pk", "posted_at"))
    assert [posted[pk] for pk in newest_first] == sorted(posted.values(), reverse=True)


def test_a_fresh_worker_reads_parsed_queries_from_the_cache_but_parses_a_foreign_salary_afresh(monkeypatch):
    from notifications import queries

    usd, _ = queries.normalise({"q": "python", "remote": ["remote"], "salary_min": "90000"})
    eur, _ = queries.normalise({"q": "python", "salary_min": "80000", "salary_currency": "EUR"})
    wanted = {queries.query_key(usd): usd, queries.query_key(eur): eur}
    parsed = []
    real = queries.search_params
    monkeypatch.setattr(queries, "search_params", lambda query: parsed.append(query) or real(query))

    first = queries.search_params_many(wanted)
    queries._PARSED.clear()  # another worker process: only the cache remembers
    again = queries.search_params_many(wanted)

    assert first == again and first[queries.query_key(usd)].salary_min == 90_000
    assert parsed == [usd, eur, eur]  # the dollar query once; the euro one each time (the rates move)


def test_runs_before_the_seeker_reads_fold_into_one_unread_notification_at_the_top(alice):
    python = save_search(alice, name="Python", q="python")
    arrive(title="Python developer one")
    arrive(title="Python developer two")
    alerts_match(now=later())
    first = Notification.objects.get(user=alice)
    assert (first.title, first.url, first.match_count) == ("2 new jobs for “Python”", f"/searches/{python.pk}/", 2)
    notification_send(user_id=alice.pk, kind="system", title="Your import finished")
    arrive(title="Python developer three")
    alerts_match(now=later(3))
    folded = Notification.objects.get(user=alice, kind="matches")
    assert folded.pk == first.pk
    assert (folded.title, folded.match_count) == ("3 new jobs for “Python”", 3)
    rust = save_search(alice, name="Rust", q="rust")
    arrive(title="Python developer four")
    arrive(title="Rust engineer")
    now = later(5)
    alerts_match(now=now)

    folded = Notification.objects.get(user=alice, kind="matches")
    assert folded.pk == first.pk and folded.read_at is None
    assert (folded.title, folded.url, folded.match_count) == ("5 new jobs for 2 of your saved searches", "/searches/", 5)
    assert folded.search_ids == sorted([python.pk, rust.pk])
    # Moved to the top of the inbox, above the message that came between the runs.
    assert folded.created_at == now
    assert [n.pk for n in notifications_of(alice)][0] == folded.pk


def test_once_read_the_next_run_starts_a_fresh_notification(alice):
    save_search(alice, name="Python", q="python")
    arrive(title="Python developer one")
    alerts_match(now=later())
    read = Notification.objects.get(user=alice)
    notification_mark_read(user=alice, notification_id=read.pk)
    arrive(title="Python developer two")
    arrive(title="Python developer three")
    alerts_match(now=later(3))

    fresh, kept = Notification.objects.filter(user=alice)
    assert (fresh.title, fresh.match_count, fresh.read_at) == ("2 new jobs for “Python”", 2, None)
    assert (kept.pk, kept.title, kept.match_count) == (read.pk, "1 new job for “Python”", 1)
    assert kept.read_at is not None


def test_the_bell_counts_a_folded_notification_once(alice, bob, django_capture_on_commit_callbacks,
                                                   django_assert_num_queries):
    save_search(alice, name="Python", q="python")
    save_search(bob, name="Rust", q="rust")
    arrive(title="Python developer one")
    with django_capture_on_commit_callbacks(execute=True):
        alerts_match(now=later())
    assert unread_count(alice) == 1
    arrive(title="Python developer two")
    arrive(title="Rust engineer")
    with django_capture_on_commit_callbacks(execute=True):
        alerts_match(now=later(3))
    with django_assert_num_queries(0):  # alice's count did not change: still cached, still right
        assert unread_count(alice) == 1
    assert unread_count(bob) == 1  # bob's first: his count was forgotten and counted again
    assert Notification.objects.filter(user=alice, read_at__isnull=True).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        notifications_mark_all_read(user=alice)
    assert unread_count(alice) == 0
    arrive(title="Python developer three")
    with django_capture_on_commit_callbacks(execute=True):
        alerts_match(now=later(5))
    assert unread_count(alice) == 1
