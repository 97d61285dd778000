"""After the seeker's own change the dashboard never shows figures from before it as if current:
it shows the change (the refresh already ran) or says the figures are updating and polls for them
(a 204 until the new snapshot lands, then the figures alone, swapped in by htmx)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from analytics.cache import changed_at_key
from analytics.models import UserMetrics
from analytics.services import user_metrics_recompute

UPDATING = "Adding your latest change to these figures"
HTMX = {"HX-Request": "true"}


def _poll(client):
    return client.get("/dashboard/", headers=HTMX)


def _wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("the worker did not get there in time")


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_change_then_an_immediate_load_says_updating_and_the_poll_brings_the_new_figures(worker, alice, alice_client):
    from applications.services import application_create

    assert "Nothing tracked yet" in alice_client.get("/dashboard/").content.decode()  # a snapshot of nothing

    application_create(user=alice, company_name="Acme", title="Engineer", status="applied")
    html = alice_client.get("/dashboard/").content.decode()

    # The worker runs the refresh seconds later (the debounce): the page must not say "nothing".
    assert UPDATING in html and "Nothing tracked yet" not in html
    assert 'hx-get="/dashboard/"' in html and "htmx-2.min.js" in html
    assert _poll(alice_client).status_code == 204  # not yet: nothing to swap

    fragment = _wait_for(lambda: (response := _poll(alice_client)).status_code == 200 and response.content.decode())
    assert fragment.startswith('<div id="figures"') and '<dd id="figure-total">1</dd>' in fragment
    assert UPDATING not in fragment and "hx-get" not in fragment.split('id="computed-at"')[0]  # polling stops
    assert 'id="computed-at" hx-swap-oob="true"' in fragment and 'data-announce="Your figures are up to date."' in fragment
    html = alice_client.get("/dashboard/").content.decode()
    assert UPDATING not in html and '<dd id="figure-total">1</dd>' in html and "htmx-2.min.js" not in html


@pytest.mark.django_db(transaction=True)
def test_with_the_refresh_already_run_the_page_shows_the_change_and_loads_no_htmx(alice, alice_client):
    from applications.services import application_create

    alice_client.get("/dashboard/")
    application_create(user=alice, company_name="Acme", title="Engineer", status="applied")  # eager: refreshed on commit

    html = alice_client.get("/dashboard/").content.decode()

    assert '<dd id="figure-total">1</dd>' in html and UPDATING not in html and "htmx-2.min.js" not in html


@pytest.mark.django_db
def test_a_poll_while_updating_is_one_query_and_no_body(alice, alice_client, django_assert_num_queries):
    user_metrics_recompute(user_ids=[alice.id], now=timezone.now() - timedelta(seconds=5))
    alice_client.get("/dashboard/")  # fills the cache
    cache.set(changed_at_key(alice.id), time.time())  # a change after that snapshot

    with django_assert_num_queries(1):  # the signed-in user; the snapshot and the change's moment from the cache
        response = _poll(alice_client)

    assert response.status_code == 204 and response.content == b""


@pytest.mark.django_db
def test_it_stops_polling_and_says_so_when_the_refresh_is_a_minute_late(alice, alice_client):
    user_metrics_recompute(user_ids=[alice.id], now=timezone.now() - timedelta(minutes=5))
    cache.set(changed_at_key(alice.id), time.time() - 61)

    html = alice_client.get("/dashboard/").content.decode()
    fragment = _poll(alice_client)

    assert "taking longer than usual" in html and "hx-get" not in html
    assert fragment.status_code == 200 and "taking longer than usual" in fragment.content.decode()  # swapped: no more polls


@pytest.mark.django_db
def test_a_snapshot_computed_after_the_change_is_not_updating(alice, alice_client):
    cache.set(changed_at_key(alice.id), time.time() - 1)
    user_metrics_recompute(user_ids=[alice.id])

    assert UPDATING not in alice_client.get("/dashboard/").content.decode()
    assert UserMetrics.objects.filter(user=alice).exists()
