import re
from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from jobs.role_families import role_family
from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory

pytestmark = pytest.mark.django_db


def track_url(job) -> str:
    try:
        return reverse("application_track", args=[job.pk])
    except NoReverseMatch:
        return f"/applications/track/{job.pk}/"


@pytest.mark.parametrize("catalogue", [3, 30], indirect=True)
def test_it_shows_a_posting_in_a_fixed_number_of_queries(client, catalogue, django_assert_num_queries):
    job = catalogue[0]
    # No similar jobs stored yet (test_similar_jobs.py: 1 statement once they are). PostgreSQL: 1 the posting,
    # its company, skills and stored list, 2 similar jobs (one bounded query), 3 keeping them. Elsewhere: 1 the
    # posting and its company, 2 its skills, 3 similar jobs.
    with django_assert_num_queries(3):
        response = client.get(job.get_absolute_url())
    assert response.status_code == 200


def test_it_shows_company_skills_salary_and_description(client):
    job = JobFactory(title="Data engineer", company=CompanyFactory(name="Northwind"), salary_min=60_000, salary_max=80_000,
                     salary_currency="EUR", description="Move data.\n\nKeep it clean.",
                     skills=[SkillFactory(name="SQL"), SkillFactory(name="Airflow")])
    body = client.get(job.get_absolute_url()).content.decode()
    assert "<h1>Data engineer</h1>" in body
    assert 'href="/companies/northwind/">Northwind</a>' in body
    assert "€60k–80k a year" in body  # the one human salary format (careercopilot/templatetags/ui.py)
    assert ">SQL</a>" in body and ">Airflow</a>" in body
    assert "<p>Move data.</p>" in body


def test_a_wrong_or_missing_slug_redirects_permanently_to_the_right_one(client):
    job = JobFactory(title="Site reliability engineer")
    for path in (f"/jobs/{job.pk}/old-title/", f"/jobs/{job.pk}/"):
        response = client.get(path)
        assert response.status_code == 301
        assert response["Location"] == f"/jobs/{job.pk}/site-reliability-engineer/"


def test_a_missing_posting_is_a_404(client):
    assert client.get("/jobs/999999/anything/").status_code == 404
    assert client.get("/jobs/999999/").status_code == 404


def test_similar_jobs_share_skills_most_first_and_only_open_ones(client):
    python, django, sql = SkillFactory(name="Python"), SkillFactory(name="Django"), SkillFactory(name="SQL")
    job = JobFactory(title="Backend developer", skills=[python, django, sql])
    JobFactory(title="Developer sharing three", skills=[python, django, sql], posted_at=timezone.now() - timedelta(days=5))
    JobFactory(title="Developer sharing one", skills=[sql])
    JobFactory(title="Developer sharing two", skills=[python, django])
    JobFactory(title="Developer sharing none")
    JobFactory(title="Closed twin", skills=[python, django, sql], is_active=False)
    body = client.get(job.get_absolute_url()).content.decode()
    similar = body.split("Similar jobs", 1)[1]
    assert re.findall(r"<strong>([^<]+)</strong>", similar) == ["Developer sharing three", "Developer sharing two", "Developer sharing one"]


def test_similar_cards_carry_their_link_company_place_and_type_and_no_template_text(client):
    python = SkillFactory(name="Python")
    job = JobFactory(title="Backend developer", skills=[python])
    other = JobFactory(title="Developer <two>", skills=[python], company=CompanyFactory(name="Acme & Co"))
    body = client.get(job.get_absolute_url()).content.decode()
    card = re.search(r'<li class="job-card">.*?</li>\s*</ul>\s*</li>', body.split("Similar jobs", 1)[1], re.S).group(0)
    assert f'href="{other.get_absolute_url()}"><strong>Developer &lt;two&gt;</strong>' in card
    assert "<li>Acme &amp; Co</li>" in card and f"<li>{other.get_job_type_display()}</li>" in card
    assert "{#" not in body and "#}" not in body


def test_each_skill_links_to_the_search_for_it_in_the_order_of_their_names(client):
    job = JobFactory(skills=[SkillFactory(name="R&D <ops>", slug="r-d-ops"), SkillFactory(name="Airflow", slug="airflow")])
    body = client.get(job.get_absolute_url()).content.decode()
    assert ('<ul class="tags"><li><a href="/jobs/?skills=airflow">Airflow</a></li>'
            '<li><a href="/jobs/?skills=r-d-ops">R&amp;D &lt;ops&gt;</a></li></ul>') in body


def test_similar_jobs_keep_the_seniority_band(client):
    python = SkillFactory(name="Python")
    job = JobFactory(title="Junior developer", experience_level="entry", skills=[python])
    JobFactory(title="VP of Engineering", experience_level="executive", skills=[python])
    JobFactory(title="Lead developer", experience_level="lead", skills=[python])
    JobFactory(title="Developer", experience_level="mid", skills=[python])
    JobFactory(title="Graduate developer", experience_level="entry", skills=[python])
    body = client.get(job.get_absolute_url()).content.decode()
    similar = body.split("Similar jobs", 1)[1]
    assert sorted(re.findall(r"<strong>([^<]+)</strong>", similar)) == ["Developer", "Graduate developer"]


def test_similar_jobs_keep_the_role_family(client):
    figma, css = SkillFactory(name="Figma"), SkillFactory(name="CSS")
    job = JobFactory(title="Product Designer", experience_level="mid", skills=[figma, css])
    JobFactory(title="Frontend Engineer", experience_level="mid", skills=[figma, css])  # shares more, not a designer
    JobFactory(title="Product Manager", experience_level="mid", skills=[figma, css])
    JobFactory(title="UX Designer", experience_level="mid", skills=[figma], posted_at=timezone.now() - timedelta(days=1))
    JobFactory(title="Senior Visual Designer", experience_level="senior", skills=[css], posted_at=timezone.now() - timedelta(days=2))
    body = client.get(job.get_absolute_url()).content.decode()
    similar = body.split("Similar jobs", 1)[1]
    assert re.findall(r"<strong>([^<]+)</strong>", similar) == ["UX Designer", "Senior Visual Designer"]


@pytest.mark.parametrize(("title", "family"), [
    ("Senior Data Engineer", "data"), ("Sales Engineer", "sales"), ("Product Designer", "design"),
    ("Product Marketing Manager", "marketing"), ("Technical Product Manager", "product"),
    ("Security Analyst", "security"), ("Revenue Accountant", "finance"), ("Chief Revenue Officer", "sales"),
    ("Site Reliability Engineer", "engineering"), ("Technical Recruiter", "people"), ("Scrum Master", None),
])
def test_the_role_family_comes_from_the_title_most_specific_first(title, family):
    assert role_family(title) == family


def test_anonymous_visitors_are_asked_to_log_in_to_track(client):
    job = JobFactory()
    body = client.get(job.get_absolute_url()).content.decode()
    assert "Log in</a> to track this job" in body
    assert "Track this job</button>" not in body


def test_a_seeker_gets_a_post_form_to_track_the_job(alice_client):
    job = JobFactory()
    body = alice_client.get(job.get_absolute_url()).content.decode()
    assert f'<form method="post" action="{track_url(job)}" class="track">' in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert "Track this job</button>" in body


def test_a_closed_posting_still_shows_but_says_so(alice_client):
    job = JobFactory(is_active=False)
    body = alice_client.get(job.get_absolute_url()).content.decode()
    assert "This posting is closed." in body
    assert "Track this job</button>" not in body
