"""Run by test_silk.py in a separate pytest process with SILK_ENABLED=1 (silk is wired at start-up),
with the static files collected beforehand by a process that had silk off, as the image is built."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def test_silk_is_for_staff_only(client, admin_user):
    assert client.get("/silk/").status_code == 302
    client.force_login(admin_user)
    assert client.get("/silk/").status_code == 200


def test_silk_pages_find_their_files_in_the_manifest(admin_user):
    # The manifest was written by collectstatic with silk off; a missing entry would be a 500.
    assert "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"]
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    client.get("/jobs/")
    for url in ("/silk/", "/silk/requests/", "/silk/profiling/"):
        assert client.get(url).status_code == 200, url


def test_a_request_body_with_a_nul_byte_is_profiled_without_a_500(admin_user):
    from silk.models import Request

    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    response = client.post("/profile/", data=b"note=a\x00b", content_type="application/x-www-form-urlencoded")
    assert response.status_code in {200, 302}
    assert Request.objects.filter(path="/profile/").exists()


def test_silk_records_no_token_session_key_or_password_hash(django_user_model):
    from silk.models import Request, SQLQuery

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user = django_user_model.objects.create_user("carol", password="carol-password-1")
    token = Token.objects.create(user=user)
    browser = Client()
    assert browser.post("/login/", {"username": "carol", "password": "carol-password-1"}).status_code == 302
    session_key = browser.session.session_key
    cache.clear()  # the next page loads the session from its row
    browser.get("/applications/")
    browser.post("/password/change/", {"old_password": "carol-password-1", "new_password1": "a-new-passphrase-8", "new_password2": "a-new-passphrase-8"})
    Client(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/v1/applications/")
    user.refresh_from_db()

    recorded = list(SQLQuery.objects.values_list("query", flat=True))
    assert any("applications_application" in query for query in recorded)  # silk did record the pages
    for secret in (token.key, session_key, user.password, user.password.split("$")[-1]):
        assert not [query for query in recorded if secret in query]
    paths = set(Request.objects.values_list("path", flat=True))
    assert "/applications/" in paths and "/api/v1/applications/" in paths
    assert not {"/login/", "/password/change/"} & paths
    for request in Request.objects.all():
        assert token.key not in request.encoded_headers and session_key not in request.encoded_headers
