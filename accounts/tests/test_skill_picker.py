"""The profile's skills are typed by name: a text box with suggestions that works without JavaScript."""

from __future__ import annotations

import pytest

from jobs.models import Skill

pytestmark = pytest.mark.django_db

BASE = {"remote_preference": "any", "salary_currency": "USD"}


@pytest.fixture
def skills(db):
    return {name: Skill.objects.create(name=name) for name in ("Python", "PostgreSQL", "C++", "Go")}


def test_the_page_offers_every_skill_as_a_suggestion_and_loads_the_picker_script(alice_client, skills):
    body = alice_client.get("/profile/").content.decode()

    assert 'list="skill-names"' in body and "data-skill-picker" in body
    assert all(f'<option value="{name}">' in body for name in ("Python", "PostgreSQL", "C++", "Go"))
    assert "/static/js/skill-picker.js" in body
    assert "<script>" not in body and "style=" not in body  # nothing inline, for the coming CSP


def test_it_saves_skills_typed_by_name_in_any_case(alice_client, alice, skills):
    response = alice_client.post("/profile/", {**BASE, "skills": " python,c++ ,  GO, Python"})

    assert response.status_code == 302
    assert set(alice.profile.skills.values_list("name", flat=True)) == {"Python", "C++", "Go"}
    assert 'value="C++, Go, Python"' in alice_client.get("/profile/").content.decode()  # in name order


def test_an_unknown_skill_is_a_form_error_with_a_suggestion_and_saves_nothing(alice_client, alice, skills):
    response = alice_client.post("/profile/", {**BASE, "skills": "Python, Postgres"})

    assert response.status_code == 200
    assert "“Postgres” (did you mean PostgreSQL?)" in str(response.context["form"].errors["skills"])
    assert not alice.profile.skills.exists()


def test_an_empty_box_clears_the_skills(alice_client, alice, skills):
    alice.profile.skills.add(skills["Go"])

    alice_client.post("/profile/", {**BASE, "skills": ""})

    assert not alice.profile.skills.exists()
