"""Run by test_silk.py in a separate pytest process with SILK_ENABLED=1 (silk is wired at start-up)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_silk_is_for_staff_only(client, admin_user):
    assert client.get("/silk/").status_code == 302
    client.force_login(admin_user)
    assert client.get("/silk/").status_code == 200


def test_a_request_body_with_a_nul_byte_is_profiled_without_a_500(admin_user):
    from silk.models import Request

    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    response = client.post("/signup/", data=b"note=a\x00b", content_type="application/x-www-form-urlencoded")
    assert response.status_code in {200, 302}
    assert Request.objects.filter(path="/signup/").exists()
