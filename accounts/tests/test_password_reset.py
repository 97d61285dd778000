"""Password reset by email: Django's views, our templates, the mail sent from a task through SMTP."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/password/reset/[^/\s]+/[^/\s]+/)")


def ask_for_reset(client, email: str, capture) -> None:
    with capture(execute=True):  # the mail is enqueued on commit
        response = client.post("/password/reset/", {"email": email})
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/sent/"


def test_it_sends_the_link_through_a_real_smtp_server_and_the_link_sets_a_new_password(
    client, alice, smtp_server, django_capture_on_commit_callbacks
):
    ask_for_reset(client, "ALICE@example.com", django_capture_on_commit_callbacks)

    [mail] = smtp_server.wait(1)
    assert mail.rcpt_tos == ["alice@example.com"]
    assert mail.message["Subject"] == "Reset your Career Copilot password"
    assert '"alice"' in mail.body  # which account, for an address several accounts share
    link = LINK.search(mail.body).group(1)

    form_page = client.get(link)  # Django moves the token out of the URL into the session
    assert form_page.status_code == 302
    done = client.post(form_page["Location"], {"new_password1": "a-brand-new-pass-5", "new_password2": "a-brand-new-pass-5"})
    assert done["Location"] == "/password/reset/done/"

    alice.refresh_from_db()
    assert alice.check_password("a-brand-new-pass-5")
    assert b"no longer works" in client.get(link, follow=True).content  # once only


def test_it_mails_each_account_that_shares_the_address_its_own_link(client, alice, smtp_server, django_capture_on_commit_callbacks):
    User.objects.create_user("alice2", email="alice@example.com", password="other-password-3")

    ask_for_reset(client, "alice@example.com", django_capture_on_commit_callbacks)

    mails = smtp_server.wait(2)
    assert sorted(re.search(r'account "(\w+)"', m.body).group(1) for m in mails) == ["alice", "alice2"]


def test_it_says_the_same_for_an_unknown_address_and_sends_nothing(client, alice, smtp_server, django_capture_on_commit_callbacks):
    ask_for_reset(client, "nobody@example.com", django_capture_on_commit_callbacks)

    assert smtp_server.received == []


def test_a_tampered_link_does_not_work(client, alice):
    response = client.get("/password/reset/MQ/bad-token/", follow=True)
    assert b"no longer works" in response.content


def test_the_login_page_links_to_the_reset(client):
    assert b'href="/password/reset/"' in client.get("/login/").content
