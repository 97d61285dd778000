"""Digests, instant alerts and reminders: each posting in exactly one email, signed links that
do one thing, the seeker's preferences per kind, and real SMTP with a text and an HTML part."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Profile
from applications.models import Application, Interview
from notifications.digests import deliveries_send, digests_build, pending_ids, reminders_build, zones_at_local_hour
from notifications.matcher import alerts_match
from notifications.models import Delivery, Notification
from notifications.tests.conftest import arrive, later, save_search

pytestmark = pytest.mark.django_db


def send_digests(now) -> list:
    mail.outbox.clear()
    digests_build(now=now)
    deliveries_send(pending_ids(kind=Delivery.Kind.DIGEST))
    return list(mail.outbox)


def link(message, pattern: str) -> str:
    return re.search(rf"http://[^\s\"<>]*{pattern}[^\s\"<>]*", message.body).group(0).replace("http://127.0.0.1:8000", "")


def test_a_posting_after_a_digest_is_in_the_next_one_and_never_in_two(alice):
    save_search(alice, name="Python", q="python")
    first = arrive(title="Python developer one")
    alerts_match(now=later())
    [digest] = send_digests(timezone.now())
    assert first.title in digest.body and digest.to == ["alice@example.com"]

    assert send_digests(timezone.now()) == []  # the same day again: nothing new, nothing resent
    second = arrive(title="Python developer two")
    alerts_match(now=later(3))
    [next_digest] = send_digests(timezone.now() + timedelta(days=1))
    assert second.title in next_digest.body and first.title not in next_digest.body
    assert Delivery.objects.filter(user=alice, kind="digest", status="sent").count() == 2


def test_an_instant_search_emails_within_the_run_and_the_digest_leaves_it_out(alice):
    save_search(alice, name="Python now", q="python", frequency="instant")
    job = arrive(title="Python developer")
    run = alerts_match(now=later())
    assert len(run.instant_deliveries) == 1
    deliveries_send(run.instant_deliveries)
    [alert] = mail.outbox
    assert job.title in alert.body
    assert send_digests(timezone.now()) == []


def test_a_search_with_emails_off_still_counts_but_sends_nothing(alice):
    search = save_search(alice, q="python", frequency="off")
    arrive(title="Python developer")
    alerts_match(now=later())
    assert send_digests(timezone.now()) == []
    search.refresh_from_db()
    assert search.unseen_count == 1


def test_emails_go_through_smtp_with_a_text_and_an_html_part_and_unsubscribe_headers(alice, smtp_server):
    save_search(alice, name="Python <remote>", q="python")
    job = arrive(title="Python & Django developer")
    alerts_match(now=later())
    digests_build(now=timezone.now())
    assert deliveries_send(pending_ids(kind=Delivery.Kind.DIGEST)) == 1
    [received] = smtp_server.wait(1)
    message = received.message
    assert received.rcpt_tos == ["alice@example.com"]
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part.get_payload(decode=True).decode() for part in message.get_payload())
    assert [part.get_content_type() for part in message.get_payload()] == ["text/plain", "text/html"]
    assert "Python & Django developer" in text and "Python <remote>" in text
    assert "Python &amp; Django developer" in html and "Python &lt;remote&gt;" in html  # escaped in HTML only
    assert f"http://127.0.0.1:8000/jobs/{job.pk}/" in text
    unsubscribe = "".join(message["List-Unsubscribe"].split()).strip("<>")
    assert unsubscribe.startswith("http://127.0.0.1:8000/unsubscribe/") and unsubscribe in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_unsubscribe_link_is_one_click_signed_and_per_kind(alice):
    save_search(alice, q="python")
    arrive(title="Python developer")
    alerts_match(now=later())
    [digest] = send_digests(timezone.now())
    url = digest.extra_headers["List-Unsubscribe"].strip("<>").replace("http://127.0.0.1:8000", "")
    browser = Client(enforce_csrf_checks=True)  # a mail client's one-click POST carries no CSRF token

    assert browser.get(url).status_code == 200  # a link scanner's GET changes nothing
    assert Profile.objects.get(user=alice).email_alerts is True
    response = browser.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    profile = Profile.objects.get(user=alice)
    assert (profile.email_alerts, profile.email_reminders) == (False, True)


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
    lambda token: "x" + token,  # the payload
    lambda token: token.split(":")[0],  # no signature at all
])
def test_a_tampered_unsubscribe_link_is_refused(alice, tamper):
    from notifications.tokens import unsubscribe_token

    token = unsubscribe_token(user_id=alice.pk, kind="alerts")
    response = Client().post(f"/unsubscribe/{tamper(token)}/")
    assert response.status_code == 400
    assert Profile.objects.get(user=alice).email_alerts is True


def test_a_link_signed_for_another_purpose_is_refused(alice):
    from django.core import signing

    forged = signing.dumps({"u": alice.pk, "k": "alerts"}, salt="notifications.reminder-action")
    assert Client().post(f"/unsubscribe/{forged}/").status_code == 400
    assert Profile.objects.get(user=alice).email_alerts is True


# --- Reminders ---------------------------------------------------------------------------

AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")


def auckland_morning() -> datetime:
    """A moment when it is 07:xx in Auckland (and so a different date than in UTC, often)."""
    local = timezone.now().astimezone(AUCKLAND).replace(hour=7, minute=20, second=0, microsecond=0)
    return local


@pytest.fixture
def due_today(alice):
    Profile.objects.filter(user=alice).update(time_zone="Pacific/Auckland")
    morning = auckland_morning()
    today = morning.date()
    application = Application.objects.create(user=alice, company_name="Acme", title="Engineer", status="applied",
                                             next_follow_up=today)
    Application.objects.create(user=alice, company_name="Old", title="Closed one", status="rejected", next_follow_up=today)
    Interview.objects.create(user=alice, application=application, kind="video",
                             starts_at=morning.replace(hour=10, minute=0) + timedelta(days=1))
    return application, morning


def test_the_morning_email_has_todays_follow_ups_and_tomorrows_interviews_in_the_seekers_zone(alice, due_today):
    application, morning = due_today
    zones = zones_at_local_hour(morning, 7)
    assert "Pacific/Auckland" in zones
    assert reminders_build(now=morning, zones=zones) == 1
    assert reminders_build(now=morning, zones=zones) == 0  # re-run: keyed by (user, kind, day)
    deliveries_send(pending_ids(kind=Delivery.Kind.REMINDERS))
    [email] = mail.outbox
    assert email.subject == "1 follow-up due today and 1 interview tomorrow"
    assert "Engineer at Acme" in email.body and "Closed one" not in email.body
    assert "10:00 Video call: Engineer" in email.body, email.body
    assert Notification.objects.get(user=alice, kind="reminder").title == email.subject


def test_the_emails_mark_done_link_works_without_logging_in_once(alice, due_today):
    application, morning = due_today
    reminders_build(now=morning, zones=zones_at_local_hour(morning, 7))
    deliveries_send(pending_ids(kind=Delivery.Kind.REMINDERS))
    done = link(mail.outbox[0], "/reminders/")
    visitor = Client(enforce_csrf_checks=True)
    assert b"Mark the follow-up done?" in visitor.get(done).content
    application.refresh_from_db()
    assert application.next_follow_up is not None  # GET only asks
    assert b"Follow-up done" in visitor.post(done).content
    application.refresh_from_db()
    assert application.next_follow_up is None
    assert b"Already changed" in visitor.post(done).content  # a replay does nothing more


def test_snooze_moves_the_follow_up_a_day(alice, due_today):
    application, morning = due_today
    reminders_build(now=morning, zones=zones_at_local_hour(morning, 7))
    deliveries_send(pending_ids(kind=Delivery.Kind.REMINDERS))
    body = mail.outbox[0].body
    snooze = re.search(r"Snooze a day: http://127.0.0.1:8000(\S+)", body).group(1)
    Client().post(snooze)
    application.refresh_from_db()
    assert application.next_follow_up == morning.date() + timedelta(days=1)


def test_a_tampered_reminder_link_is_refused(alice, due_today):
    from notifications.tokens import reminder_token

    application, morning = due_today
    token = reminder_token(application_id=application.pk, user_id=alice.pk, due=morning.date(), action="done")
    assert Client().post(f"/reminders/{token[:-2]}xx/").status_code == 400
    application.refresh_from_db()
    assert application.next_follow_up == morning.date()


def test_reminders_off_means_the_inbox_only(alice, due_today):
    application, morning = due_today
    Profile.objects.filter(user=alice).update(email_reminders=False)
    reminders_build(now=morning, zones=zones_at_local_hour(morning, 7))
    assert pending_ids(kind=Delivery.Kind.REMINDERS) == []
    assert Notification.objects.filter(user=alice, kind="reminder").count() == 1


def test_the_dashboard_follow_up_list_marks_done_and_snoozes(alice_client, alice, bob):
    application = Application.objects.create(user=alice, company_name="Acme", title="Engineer", status="applied",
                                             next_follow_up=timezone.localdate())
    bobs = Application.objects.create(user=bob, company_name="B", title="B", status="applied", next_follow_up=timezone.localdate())
    assert alice_client.post(f"/follow-ups/{bobs.pk}/done/").status_code == 404
    assert alice_client.post(f"/follow-ups/{application.pk}/nap/").status_code == 404
    assert alice_client.post(f"/follow-ups/{application.pk}/snooze/").status_code == 302
    application.refresh_from_db()
    assert application.next_follow_up == timezone.localdate() + timedelta(days=1)
    alice_client.post(f"/follow-ups/{application.pk}/done/")
    application.refresh_from_db()
    assert application.next_follow_up is None
    bobs.refresh_from_db()
    assert bobs.next_follow_up is not None


def test_a_digest_tells_the_exact_count_and_lists_the_newest_few(alice):
    from notifications.matcher import MATCHES_KEPT

    save_search(alice, name="Python", q="python")
    jobs = [arrive(title=f"Python developer no. {n}", posted_at=timezone.now() + timedelta(seconds=n), external_id=f"d{n}")
            for n in range(MATCHES_KEPT + 3)]
    alerts_match(now=later())
    [digest] = send_digests(timezone.now())
    assert digest.subject == f"{MATCHES_KEPT + 3} new jobs for your saved searches today"
    assert f"Python ({MATCHES_KEPT + 3} new)" in digest.body and "and 3 more" in digest.body
    assert all(job.title in digest.body for job in jobs[-MATCHES_KEPT:])
    assert not any(job.title in digest.body for job in jobs[:3])
