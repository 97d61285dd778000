from __future__ import annotations

import pytest

from analytics.selectors import recommendations_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_profile(alice):
    from accounts.models import Profile
    from jobs.models import Skill

    for name in ("Python", "Django", "Go"):
        Skill.objects.create(name=name)
    profile = Profile.objects.get(user=alice)
    profile.skills.set(Skill.objects.filter(name__in=["Python", "Django"]))
    profile.preferred_locations = ["Berlin"]
    profile.remote_preference = "remote"
    profile.desired_experience = "senior"
    profile.desired_salary = 100_000
    profile.save()
    return profile


def test_it_ranks_postings_by_how_well_they_match_and_says_why(alice, alices_profile, make_job):
    make_job("Perfect", "Acme", ("Python", "Django"), location="Berlin, DE", remote_policy="remote",
             experience_level="senior", salary_min=90_000, salary_max=120_000)
    make_job("Skills only", "Beta", ("Python", "Django"), location="Paris", remote_policy="remote", experience_level="lead")
    make_job("One skill", "Gamma", ("Python",), location="Paris", remote_policy="remote", experience_level="senior")
    make_job("Place only", "Delta", ("Go",), location="Berlin", remote_policy="remote", experience_level="senior")
    make_job("Nothing in common", "Eps", ("Go",), location="Oslo", remote_policy="remote", experience_level="senior")
    make_job("Closed", "Zeta", ("Python", "Django"), location="Berlin", remote_policy="remote", is_active=False)

    found = recommendations_for(alice)

    assert [job["title"] for job in found] == ["Perfect", "Skills only", "One skill", "Place only"]
    assert found[0]["reasons"] == [
        "Matches 2 of your 2 skills: Django, Python",
        "In Berlin, DE, one of your preferred locations",
        "Remote, as you prefer",
        "Senior level, as you want",
        "Pays up to 120,000 USD, at least your 100,000",
    ]
    assert found[0]["misses"] == []
    assert found[1]["misses"] == ["In Paris, not one of your preferred locations",
                                  "Lead level, one above what you asked for", "Salary not stated"]
    assert found[3]["misses"][0] == "None of your skills listed"


def test_remote_work_level_and_pay_are_filters_not_hints(alice, alices_profile, make_job):
    # alice: remote only, senior, at least 100,000 USD
    make_job("Remote senior", "Acme", ("Python",), remote_policy="remote", experience_level="senior")
    make_job("On-site senior", "Acme", ("Python", "Django"), location="Berlin", remote_policy="onsite", experience_level="senior")
    make_job("Hybrid senior", "Acme", ("Python", "Django"), location="Berlin", remote_policy="hybrid", experience_level="senior")
    make_job("Remote associate", "Acme", ("Python", "Django"), location="Berlin", remote_policy="remote", experience_level="entry")
    make_job("Remote mid", "Acme", ("Python", "Django"), location="Berlin", remote_policy="remote", experience_level="mid")
    make_job("Remote executive", "Acme", ("Python", "Django"), remote_policy="remote", experience_level="executive")
    make_job("Remote senior, underpaid", "Acme", ("Python", "Django"), location="Berlin", remote_policy="remote",
             experience_level="senior", salary_min=50_000, salary_max=80_000)

    assert [job["title"] for job in recommendations_for(alice)] == ["Remote senior"]


def test_it_recommends_nothing_for_an_empty_profile(alice, make_job):
    make_job("Anything", "Acme", ("Python",))

    assert recommendations_for(alice) == []


@pytest.mark.parametrize("postings", [3, 300])
def test_it_uses_the_same_bounded_queries_for_few_or_many_postings(alice, alices_profile, make_job, postings, django_assert_num_queries):
    from jobs.models import Company, Job, JobSkill, Skill

    company = Company.objects.create(name="Bulk", slug="bulk")
    jobs = Job.objects.bulk_create(
        (Job(company=company, title=f"Bulk {i}", slug=f"bulk-{i}", description="x", external_id=f"bulk-{i}",
             location="Berlin" if i % 2 else "Paris", remote_policy="remote", experience_level="senior")
         for i in range(postings)), batch_size=50,
    )
    python = Skill.objects.get(name="Python")
    JobSkill.objects.bulk_create((JobSkill(job=job, skill=python) for job in jobs), batch_size=50)

    with django_assert_num_queries(5):
        # 1. postings hidden ("Not interested")  2. profile  3. its skills  4. the scored candidates
        # (a pool of LIMITed index walks)  5. which of the profile's skills each of the (at most 20) results has
        found = recommendations_for(alice)
    with django_assert_num_queries(3):
        # 1. hidden  2. profile  3. its skills: together they are the cache key; the matches come from the cache
        assert recommendations_for(alice) == found

    assert 1 <= len(found) <= 20


def test_it_shows_matches_on_the_page_and_asks_anonymous_visitors_to_log_in(client, alice, alices_profile, make_job):
    make_job("Perfect", "Acme", ("Python",), location="Berlin", remote_policy="remote", experience_level="senior")
    make_job("On-site", "Acme", ("Python",), location="Berlin", remote_policy="onsite", experience_level="lead")

    assert client.get("/recommendations/").status_code == 302
    client.force_login(alice)
    html = client.get("/recommendations/").content.decode()

    assert "Perfect" in html and "Matches 1 of your 2 skills: Python" in html and "Salary not stated" in html
    assert "On-site" not in html


def test_it_takes_a_typed_percent_sign_in_a_place_literally(alice, make_job):
    from accounts.models import Profile

    profile = Profile.objects.get(user=alice)
    profile.preferred_locations = ["100%"]
    profile.save()
    make_job("Literal", "Acme", location="100% remote island")
    make_job("Not it", "Beta", location="1000 Oaks")

    assert [job["title"] for job in recommendations_for(alice)] == ["Literal"]


def test_not_interested_hides_a_posting_from_later_recommendations_until_undone(client, alice, alices_profile, make_job):
    from analytics.models import NotInterested

    wanted = make_job("Wanted", "Acme", ("Python",), remote_policy="remote", experience_level="senior")
    unwanted = make_job("Unwanted", "Beta", ("Python", "Django"), remote_policy="remote", experience_level="senior")
    client.force_login(alice)
    assert [job["title"] for job in recommendations_for(alice)] == ["Unwanted", "Wanted"]

    response = client.post(f"/recommendations/{unwanted.pk}/not-interested/", follow=True)

    assert NotInterested.objects.filter(user=alice, job=unwanted).exists()
    assert [job["title"] for job in recommendations_for(alice)] == ["Wanted"]  # the cached list is not served
    html = response.content.decode()
    assert "Unwanted will not be recommended again" in html
    hidden = html.split('id="hidden-postings"', 1)[1]
    assert "Unwanted" in hidden and "Show again" in hidden and "Wanted" not in hidden.replace("Unwanted", "")
    # Saying it twice changes nothing.
    client.post(f"/recommendations/{unwanted.pk}/not-interested/")
    assert NotInterested.objects.filter(user=alice).count() == 1

    response = client.post(f"/recommendations/{unwanted.pk}/not-interested/undo/", follow=True)

    assert not NotInterested.objects.filter(user=alice).exists()
    assert [job["title"] for job in recommendations_for(alice)] == ["Unwanted", "Wanted"]
    assert 'id="hidden-postings"' not in response.content.decode()


def test_not_interested_is_remembered_per_seeker(client, alice, bob, alices_profile, make_job):
    from accounts.models import Profile

    job = make_job("Shared", "Acme", ("Python",), remote_policy="remote", experience_level="senior")
    Profile.objects.filter(user=bob).update(remote_preference="any")
    Profile.objects.get(user=bob).skills.set(alices_profile.skills.all())
    client.force_login(alice)
    client.post(f"/recommendations/{job.pk}/not-interested/")

    assert recommendations_for(alice) == []
    assert [found["title"] for found in recommendations_for(bob)] == ["Shared"]
    # bob's undo touches only bob's list
    client.force_login(bob)
    client.post(f"/recommendations/{job.pk}/not-interested/undo/")
    assert recommendations_for(alice) == []


def test_not_interested_refuses_bad_requests(client, alice, make_job):
    job = make_job("Any", "Acme")
    for path in (f"/recommendations/{job.pk}/not-interested/", f"/recommendations/{job.pk}/not-interested/undo/"):
        assert client.post(path).status_code == 302 and "/login/" in client.post(path)["Location"]
    client.force_login(alice)
    assert client.get(f"/recommendations/{job.pk}/not-interested/").status_code == 405
    assert client.post("/recommendations/999999/not-interested/").status_code == 404
    assert client.post("/recommendations/999999/not-interested/undo/").status_code == 404


def test_each_recommendation_offers_track_and_not_interested(client, alice, alices_profile, make_job):
    from applications.models import Application

    untracked = make_job("Untracked", "Acme", ("Python",), remote_policy="remote", experience_level="senior")
    tracked = make_job("Tracked one", "Beta", ("Python",), remote_policy="remote", experience_level="senior")
    Application.objects.create(user=alice, job=tracked, status="saved")
    client.force_login(alice)

    html = client.get("/recommendations/").content.decode()

    assert f'aria-label="Track Untracked"' in html and f'action="/applications/track/{untracked.pk}/"' in html
    assert "Tracked ✓" in html and f'form="track-{tracked.pk}"' not in html
    assert f'action="/recommendations/{untracked.pk}/not-interested/"' in html
    # Track from a recommendation comes back to the recommendations.
    response = client.post(f"/applications/track/{untracked.pk}/", {"next": "/recommendations/"})
    assert response.status_code == 302 and response["Location"] == "/recommendations/"
    assert Application.objects.filter(user=alice, job=untracked).exists()
