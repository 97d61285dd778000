import pytest

from jobs.models import Skill

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get("/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_saves_skills_locations_remote_preference_and_salary(alice_client, alice):
    python, sql = Skill.objects.create(name="Python"), Skill.objects.create(name="SQL")
    response = alice_client.post(
        "/profile/",
        {
            "skills": "Python, SQL",
            "preferred_locations": "Berlin, london , Berlin, Remote",
            "remote_preference": "hybrid",
            "desired_salary": "85000",
            "salary_currency": "eur",
        },
    )
    assert response.status_code == 302
    alice.profile.refresh_from_db()
    assert set(alice.profile.skills.all()) == {python, sql}
    assert alice.profile.preferred_locations == ["Berlin", "london", "Remote"]
    assert alice.profile.remote_preference == "hybrid"
    assert (alice.profile.desired_salary, alice.profile.salary_currency) == (85000, "EUR")


@pytest.mark.parametrize(
    "field, value",
    [("desired_salary", "abc"), ("desired_salary", "-5"), ("remote_preference", "moon"), ("salary_currency", "E1"),
     ("preferred_locations", "x" * 81), ("skills", "Cobol on Cogs")],
)
def test_it_answers_bad_input_with_a_form_error(alice_client, alice, field, value):
    data = {"remote_preference": "any", "salary_currency": "USD", field: value}
    response = alice_client.post("/profile/", data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]


def test_it_creates_a_missing_profile_on_first_visit(client, django_user_model):
    user = django_user_model.objects.create_user("dave", password="dave-password-1")
    client.force_login(user)
    assert client.get("/profile/").status_code == 200
    assert user.profile is not None
