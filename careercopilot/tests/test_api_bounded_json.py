"""JSON nested 935 levels deep is a 400, not a RecursionError 500 (Deliver 11)."""

from __future__ import annotations

import pytest
from django.test import Client

from jobs import bounded_json

pytestmark = pytest.mark.django_db

DEEP = "[" * 935 + "]" * 935
DEEP_OBJECT = '{"notes": ' + '{"a": ' * 935 + "1" + "}" * 935 + "}"


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, "[" * 33 + "]" * 33])
def test_a_deeply_nested_body_is_a_400_on_every_kind_of_endpoint(alice, alice_client, body):
    from applications.services import application_create

    application = application_create(user=alice, company_name="Initech", title="Engineer")
    anonymous = Client(raise_request_exception=False)
    requests = [
        (alice_client.post, "/api/v1/applications/"),
        (alice_client.patch, f"/api/v1/applications/{application.pk}/"),
        (alice_client.post, f"/api/v1/applications/{application.pk}/status/"),
        (anonymous.post, "/api/v1/auth/token/"),
    ]
    for send, url in requests:
        response = send(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
        assert "nested too deeply" in response.json()["detail"]


def test_ordinary_nesting_still_parses():
    assert bounded_json.loads('{"a": [1, {"b": [2, 3]}]}') == {"a": [1, {"b": [2, 3]}]}
    assert bounded_json.loads("[" * 32 + "]" * 32) is not None
    with pytest.raises(bounded_json.TooDeep):
        bounded_json.loads("[" * 33 + "]" * 33)
