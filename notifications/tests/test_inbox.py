"""The bell and /notifications/: one cached read for the count, mark read one or all, only your own;
system messages from the lower apps' signals."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from notifications.context_processors import bell
from notifications.inbox import notification_send, unread_count
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def message(user, title="Hello", url="/searches/"):
    return notification_send(user_id=user.pk, kind="system", title=title, url=url)


def test_the_bell_costs_no_query_when_warm(alice, django_assert_num_queries, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message(alice)
    request = RequestFactory().get("/")
    request.user = alice
    with django_assert_num_queries(1):  # cold: COUNT on the partial unread index
        assert bell(request)["bell_unread"]() == 1
    with django_assert_num_queries(0):  # warm: the cache
        assert bell(request)["bell_unread"]() == 1


def test_a_page_with_a_warm_bell_runs_one_query_less_than_cold(alice_client, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message(alice)
    from django.core.cache import cache
    from notifications.inbox import unread_key

    cache.delete(unread_key(alice.pk))
    with CaptureQueriesContext(connection) as cold:
        first = alice_client.get("/searches/")
    with CaptureQueriesContext(connection) as warm:
        second = alice_client.get("/searches/")
    assert b'id="bell-count">1<' in first.content and b'id="bell-count">1<' in second.content
    assert len(warm) == len(cold) - 1
    assert not any("notifications_notification" in q["sql"] for q in warm.captured_queries)


def test_the_count_follows_new_and_read_notifications(alice_client, alice, django_capture_on_commit_callbacks):
    assert b'id="bell-count"' not in alice_client.get("/searches/").content
    with django_capture_on_commit_callbacks(execute=True):
        first = message(alice, "One")
        message(alice, "Two")
    assert b'id="bell-count">2<' in alice_client.get("/searches/").content
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/notifications/{first.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/searches/"
    assert b'id="bell-count">1<' in alice_client.get("/searches/").content
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post("/notifications/read-all/")
    assert b'id="bell-count"' not in alice_client.get("/searches/").content
    assert unread_count(alice) == 0


def test_the_list_shows_unread_first_by_time_in_a_fixed_number_of_queries(alice_client, alice, django_assert_max_num_queries):
    message(alice, "Old one")
    alice_client.get("/notifications/")  # warm the bell and the session
    with CaptureQueriesContext(connection) as one:
        alice_client.get("/notifications/")
    for n in range(20):
        message(alice, f"More {n}")
    alice_client.get("/notifications/")
    with CaptureQueriesContext(connection) as many:
        page = alice_client.get("/notifications/")
    assert len(many) == len(one)
    assert page.content.index(b"More 19") < page.content.index(b"Old one")


def test_bob_cannot_open_or_see_alices_notifications(client, alice, bob):
    note = message(alice, "For Alice only")
    client.force_login(bob)
    assert client.post(f"/notifications/{note.pk}/open/").status_code == 404
    assert b"For Alice only" not in client.get("/notifications/").content
    note.refresh_from_db()
    assert note.read_at is None


def test_an_applications_import_and_its_figures_arrive_as_messages(alice, django_capture_on_commit_callbacks):
    from applications.services import ImportedApplication, applications_import

    with django_capture_on_commit_callbacks(execute=True):
        applications_import(user=alice, rows=[ImportedApplication(company_name="Acme", title="Engineer", status="applied")],
                            source="a spreadsheet")
    titles = list(Notification.objects.filter(user=alice).values_list("title", flat=True))
    assert "Import finished: 1 application added" in titles
    assert "Your dashboard figures are ready" in titles


def test_import_jobs_tells_the_staff(tmp_path, django_user_model, alice):
    from django.core.management import call_command

    admin = django_user_model.objects.create_user("admin", "admin@example.com", "pw", is_staff=True)
    feed = tmp_path / "feed.csv"
    feed.write_text("source,external_id,title,company,description\nfeed,1,Python developer,Acme,Write Python.\n")
    call_command("import_jobs", str(feed), no_progress=True, stdout=open("/dev/null", "w"))
    assert list(Notification.objects.filter(user=admin).values_list("title", flat=True)) == ["Job import finished: 1 created, 0 updated"]
    assert not Notification.objects.filter(user=alice).exists()


@pytest.mark.skipif(not settings.REDIS_URL, reason="counts round trips to Redis (the embedded default has none)")
def test_a_kept_search_reads_the_cache_in_two_round_trips_and_the_bell_is_the_seekers_own(alice, bob, monkeypatch):
    """The session; then the catalogue's generation, the kept block, the bell's unread count and the
    search throttle's count together. Each seeker's bell is their own."""
    import redis.connection
    from django.test import Client

    from notifications.models import Notification

    Notification.objects.create(user=bob, kind=Notification.Kind.choices[0][0], title="For bob")  # only bob has one unread
    from jobs.tests.factories import JobFactory

    JobFactory(title="Staff engineer")
    alice_client, bob_client = Client(), Client()
    alice_client.force_login(alice)
    bob_client.force_login(bob)
    alice_client.get("/jobs/?q=engineer")  # kept now
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command",
                        lambda self, command, *args, **kwargs: sent.append(command) or send(self, command, *args, **kwargs))

    alice_body = alice_client.get("/jobs/?q=engineer").content.decode()

    assert len(sent) == 2, sent
    assert b":notifications:unread:" in sent[1][0] and b":rl:" in sent[1][0], sent
    bob_body = bob_client.get("/jobs/?q=engineer").content.decode()
    assert 'id="bell-count"' not in alice_body and 'id="bell-count">1<' in bob_body


def test_the_cold_count_sends_the_statement_the_orm_sends_for_it(alice, bob, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from notifications.inbox import unread_key

    with django_capture_on_commit_callbacks(execute=True):
        message(alice)
        message(alice, title="Again")
        message(bob)
    Notification.objects.filter(user=alice, title="Again").update(read_at="2026-12-01T00:00:00Z")
    cache.delete(unread_key(alice.pk))
    with CaptureQueriesContext(connection) as orm:
        assert Notification.objects.filter(user_id=alice.pk, read_at__isnull=True).count() == 1
    with CaptureQueriesContext(connection) as written:
        assert unread_count(alice) == 1
    assert [q["sql"] for q in written.captured_queries] == [q["sql"] for q in orm.captured_queries]
