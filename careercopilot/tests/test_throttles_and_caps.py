"""Bounded work (Deliver 11): throttles on search, sign-up, export and import, and a cap on
applications per account. Each counts in the shared cache, per address or per user."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from applications.models import Application
from applications.services import LimitReached, application_create
from jobs.tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_thirty_sign_ups_from_one_address_are_throttled_after_the_fifth(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = Client(REMOTE_ADDR="198.51.100.20")
    codes = []
    for n in range(30):
        client.logout()
        response = client.post("/signup/", {"username": f"spam{n}", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"})
        codes.append(response.status_code)

    assert codes[:5] == [302] * 5 and set(codes[5:]) == {429}
    assert "Too many requests" in response.content.decode() and response["Retry-After"] == "60"
    from django.contrib.auth.models import User

    assert User.objects.filter(username__startswith="spam").count() == 5
    # Another address is not affected.
    assert Client(REMOTE_ADDR="198.51.100.21").post("/signup/", {"username": "real", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}).status_code == 302


def test_search_is_throttled_per_address_cached_page_or_not(settings):
    settings.THROTTLE_SEARCH = "5/m"
    client = Client(REMOTE_ADDR="198.51.100.22")

    codes = [client.get("/jobs/", {"q": "python"}).status_code for _ in range(7)]

    assert codes == [200] * 5 + [429] * 2
    assert Client(REMOTE_ADDR="198.51.100.23").get("/jobs/").status_code == 200


def test_a_logged_in_search_counts_against_the_same_limit_as_anonymous_ones(alice, settings):
    settings.THROTTLE_SEARCH = "4/m"
    JobFactory(title="Python developer")
    anonymous = Client(REMOTE_ADDR="198.51.100.24")
    seeker = Client(REMOTE_ADDR="198.51.100.24")
    seeker.force_login(alice)

    codes = [anonymous.get("/jobs/", {"q": "python"}).status_code for _ in range(2)]  # built, then stored
    codes += [seeker.get("/jobs/", {"q": "python"}).status_code for _ in range(3)]

    assert codes == [200] * 4 + [429]
    assert seeker.get("/jobs/", {"q": "python"}).wsgi_request.limited
    assert Client(REMOTE_ADDR="198.51.100.25").get("/jobs/", {"q": "python"}).status_code == 200


@pytest.mark.skipif(not __import__("django.conf").conf.settings.REDIS_URL, reason="counts commands on a real Redis")
def test_a_search_the_view_builds_counts_in_one_redis_command_on_django_ratelimits_key():
    from careercopilot.tests.test_early_answers import _redis_commands_during

    JobFactory(title="Python developer")
    Client().get("/jobs/", {"q": "python"})  # Redis learns the counting script

    commands = _redis_commands_during(lambda: Client().get("/jobs/", {"q": "python developer"}))  # not stored yet

    from jobs.cache import COUNT_SCRIPT_SHA, STORED_PAGE_SCRIPT_SHA

    # The stored page's lookup names the key too, but counts only a page it finds (none here).
    counts = [command for kind, command in commands
              if kind != "lua" and ":rl:" in command and STORED_PAGE_SCRIPT_SHA not in command]
    assert len(counts) == 1 and counts[0].startswith(f"EVALSHA {COUNT_SCRIPT_SHA}"), commands  # not SET NX, then INCR


@pytest.mark.skipif(not __import__("django.conf").conf.settings.REDIS_URL, reason="counts commands on a real Redis")
def test_a_logged_in_search_costs_its_session_and_one_redis_call_the_throttles_count_included(alice):
    from careercopilot.tests.test_early_answers import _redis_commands_during

    JobFactory(title="Python developer")
    seeker = Client()
    seeker.force_login(alice)
    seeker.get("/jobs/", {"q": "python"})  # the block is built and kept; Redis learns the script
    seeker.get("/jobs/", {"q": "python"})

    commands = _redis_commands_during(lambda: seeker.get("/jobs/", {"q": "python"}))

    ours = [command for kind, command in commands if kind != "lua"]
    assert len(ours) == 2 and "sessions" in ours[0], commands
    # The kept block, the catalogue's generation and django-ratelimit's key, all in that one call.
    assert ours[1].startswith("EVALSHA") and ":rl:" in ours[1] and ":jobs:generation " in ours[1], commands
    assert ":jobs:seeker-search:" in ours[1]


@pytest.mark.parametrize("bypass", [False, True], ids=["caches", "CACHE_BYPASS"])
def test_a_logged_in_search_over_the_limit_is_refused_before_the_search_runs(alice, settings, bypass):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CACHE_BYPASS = bypass
    settings.THROTTLE_SEARCH = "1/m"
    JobFactory(title="Python developer")
    seeker = Client(REMOTE_ADDR="198.51.100.26")
    seeker.force_login(alice)
    assert seeker.get("/jobs/", {"q": "python"}).status_code == 200  # the one search of the minute: built (and kept)

    for q in ["python", "golang"]:  # its kept block found, then one never built
        with CaptureQueriesContext(connection) as queries:
            response = seeker.get("/jobs/", {"q": q})
        assert response.status_code == 429 and response.wsgi_request.limited
        assert not [query["sql"] for query in queries if "jobs_job" in query["sql"]], q  # refused before any search


def test_the_search_api_is_throttled(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # DRF reads the rates once, at import: set them where it keeps them.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "search": "3/min"})
    client = Client(REMOTE_ADDR="198.51.100.24")

    codes = [client.get("/api/v1/jobs/").status_code for _ in range(5)]

    assert codes == [200] * 3 + [429] * 2


def test_export_and_import_are_throttled_per_user(alice_client, settings):
    settings.THROTTLE_EXPORT, settings.THROTTLE_IMPORT = "2/m", "2/m"

    exports = [alice_client.get("/applications/export.csv").status_code for _ in range(3)]
    imports = [alice_client.post("/applications/import/", {"file": SimpleUploadedFile("a.csv", b"Company,Title\nA,B\n"), "encoding": "utf-8", "format": "auto"}).status_code for _ in range(3)]

    assert exports == [200, 200, 429] and imports == [200, 200, 429]
    assert alice_client.get("/applications/import/").status_code == 200  # only posting counts


def test_an_account_holds_at_most_the_configured_number_of_applications(alice, alice_client, settings):
    settings.APPLICATIONS_PER_USER_MAX = 3
    for n in range(3):
        application_create(user=alice, company_name=f"Company {n}", title="Engineer")

    with pytest.raises(LimitReached, match="at most 3 applications"):
        application_create(user=alice, company_name="One more", title="Engineer")
    api = alice_client.post("/api/v1/applications/", {"company_name": "One more", "title": "Engineer"}, content_type="application/json")
    page = alice_client.post("/applications/new/", {"company_name": "One more", "title": "Engineer", "status": "saved"})
    track = alice_client.post(f"/applications/track/{JobFactory().pk}/")
    imported = alice_client.post("/applications/import/", {"content": "Company,Title\nX,Y\n", "format": "generic", "confirm": "1"})

    assert api.status_code == 409 and "at most 3 applications" in api.json()["detail"]
    assert page.status_code == 400 and "at most 3 applications" in page.content.decode()
    assert track.status_code == 409 and "at most 3 applications" in track.content.decode()
    assert imported.status_code == 400 and "at most 3 applications" in imported.content.decode()
    assert Application.objects.filter(user=alice).count() == 3


def test_every_setting_django_ratelimit_reads_on_a_count_is_set_to_the_librarys_default():
    """django-ratelimit reads its settings with getattr(settings, name, default) on every count; a
    name Django's settings lack costs an AttributeError each time (~1.3 µs: a third of the key's
    cost). settings.py spells them out, with the library's defaults so the keys (and the "rl:"
    prefix the local fallback keeps counting under) stay as they were."""
    import hashlib
    import inspect
    import re

    from django.conf import settings
    from django_ratelimit import core

    read = set(re.findall(r"getattr\(settings, '(RATELIMIT_\w+)'", inspect.getsource(core)))
    assert {"RATELIMIT_ENABLE", "RATELIMIT_CACHE_PREFIX", "RATELIMIT_HASH_ALGORITHM"} <= read  # still found
    assert [name for name in sorted(read) if name not in dir(settings._wrapped)] == []
    assert (settings.RATELIMIT_ENABLE, settings.RATELIMIT_USE_CACHE, settings.RATELIMIT_CACHE_PREFIX,
            settings.RATELIMIT_HASH_ALGORITHM, settings.RATELIMIT_IPV4_MASK, settings.RATELIMIT_IPV6_MASK) == (
        True, "default", "rl:", hashlib.sha256, 32, 64)
