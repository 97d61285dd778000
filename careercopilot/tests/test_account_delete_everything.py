"""Deleting an account removes every row the seeker owns, in every app, and nobody else's.

It lives at the top layer because it looks at every app's models: a model added later with a
foreign key to the user (or to a row of theirs) is checked without touching this test.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from accounts.models import Profile
from analytics.services import user_metrics_recompute
from applications.models import Application, ApplicationEvent
from applications.services import application_add_note, application_change_status, application_create
from jobs.models import Skill

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_with_data(alice, bob):
    alice.profile.skills.add(Skill.objects.create(name="Python"))
    for n in range(3):
        application = application_create(user=alice, company_name=f"Co {n}", title="SRE")
        application_change_status(application=application, to_status="applied", by=alice)
        application_add_note(application=application, text="Called back", by=alice)
    application_create(user=bob, company_name="Globex", title="Data Engineer")
    user_metrics_recompute(user_ids=[alice.pk, bob.pk])
    Token.objects.create(user=alice)
    return alice


def owned_rows(user) -> dict[type, set]:
    """Every row that goes with the user, found the way Django's delete finds them."""
    collector = NestedObjects(using="default")
    collector.collect([user])
    return {model: {obj.pk for obj in objs} for model, objs in collector.data.items()}


def test_it_removes_every_row_the_seeker_owns(alice_with_data, bob, client):
    alice = alice_with_data
    before = owned_rows(alice)
    assert {Application, ApplicationEvent, Profile, Token, apps.get_model("analytics", "UserMetrics")} <= set(before)
    client.force_login(alice)

    response = client.post("/account/delete/", {"password": "alice-password-1"})

    assert response.status_code == 302
    for model, pks in before.items():
        assert not model._default_manager.filter(pk__in=pks).exists(), f"{model.__name__} rows of alice are left"
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model in apps.get_models():  # and nothing anywhere still points at her
        for field in model._meta.fields:
            if field.is_relation and field.related_model is user_model:
                assert not model._default_manager.filter(**{field.name: alice.pk}).exists(), model.__name__
    assert User.objects.filter(pk=bob.pk).exists()
    assert Application.objects.of(bob).count() == 1
    assert ApplicationEvent.objects.filter(application__user=bob).count() == 1
