from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import selectors
from jobs.tests.conftest import ALIAS_QUERIES, DEADLINE_QUERIES, SKILL_ID_QUERIES, TOTAL_QUERIES
from jobs.tests.factories import JobFactory, SkillFactory

pytestmark = pytest.mark.django_db

PAGE_KEYS = {"items", "total", "total_is_estimate", "page", "page_size", "total_pages", "has_next", "has_prev",
             "next_cursor", "prev_cursor"}


@pytest.mark.parametrize("catalogue", [3, 30], indirect=True)
@pytest.mark.parametrize("query,extra", [
    ("", 0),
    # relevance on a set this small: the page is ordered from the matches the total read, so no
    # tiers' statement (RELEVANCE_EXTRA_QUERIES is for the total from the cache or a big set)
    ("?q=python", ALIAS_QUERIES),
    ("?q=developer&remote=remote&skills=python&salary_min=1000&sort=salary", ALIAS_QUERIES + SKILL_ID_QUERIES),
])
def test_the_list_costs_a_fixed_number_of_queries(client, catalogue, query, extra, django_assert_num_queries):
    # the statement timeout, the total, then rows with their companies, and their skills;
    # with a query its aliases, a skill filter its ids, relevance its tiers (conftest)
    with django_assert_num_queries(DEADLINE_QUERIES + TOTAL_QUERIES + 2 + extra):
        response = client.get(f"/api/v1/jobs/{query}")
    assert response.status_code == 200, response.json()
    assert response.json()["items"]


@pytest.mark.parametrize("catalogue", [3, 30], indirect=True)
def test_detail_and_similar_cost_a_fixed_number_of_queries(client, catalogue, django_assert_num_queries):
    job = catalogue[0]
    # 1 the job and its company, 2 its skills
    with django_assert_num_queries(2):
        assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 200
    # 1 job, 2 skills, 3 similar jobs
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/jobs/{job.pk}/similar/")
    assert response.status_code == 200
    assert response.json()["items"]


def test_the_list_answers_with_the_page_envelope(client):
    python = SkillFactory(name="Python")
    for n in range(5):
        JobFactory(title=f"Python developer {n}", skills=[python], posted_at=timezone.now() - timedelta(hours=n))
    body = client.get("/api/v1/jobs/?q=python&page_size=2&page=2").json()
    assert set(body) == PAGE_KEYS
    assert (body["total"], body["total_is_estimate"], body["page"], body["page_size"], body["total_pages"]) == (5, False, 2, 2, 3)
    assert body["has_next"] and body["has_prev"]
    item = body["items"][0]
    assert item["title"].startswith("Python developer")
    assert item["company"]["url"].startswith("/companies/")
    assert item["skills"] == ["Python"]
    assert item["url"] == f"/jobs/{item['id']}/{item['slug']}/"


def test_newest_first_pages_by_cursor(client):
    for n in range(5):
        JobFactory(title=f"Job {n}", posted_at=timezone.now() - timedelta(hours=n))
    first = client.get("/api/v1/jobs/?sort=newest&page_size=2").json()
    second = client.get(f"/api/v1/jobs/?sort=newest&page_size=2&cursor={first['next_cursor']}&page=2").json()
    third = client.get(f"/api/v1/jobs/?sort=newest&page_size=2&cursor={second['next_cursor']}&page=3").json()
    assert [i["title"] for i in first["items"] + second["items"] + third["items"]] == [f"Job {n}" for n in range(5)]
    assert third["has_next"] is False and third["next_cursor"] is None
    back = client.get(f"/api/v1/jobs/?sort=newest&page_size=2&cursor={third['prev_cursor']}&page=2").json()
    assert back["items"] == second["items"]


def test_a_huge_page_size_is_capped(client):
    JobFactory()
    body = client.get("/api/v1/jobs/?page_size=1000000").json()
    assert body["page_size"] == selectors.MAX_PAGE_SIZE


def test_a_total_past_the_cap_is_flagged_as_an_estimate(client, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for _ in range(6):
        JobFactory()
    body = client.get("/api/v1/jobs/").json()
    assert body["total_is_estimate"] is True
    assert body["total"] >= 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), (f"page={10**20}", "page"),
        ("page_size=0", "page_size"), ("page_size=abc", "page_size"),
        ("salary_min=abc", "salary_min"), ("q=nul%00byte", "q"), ("q=" + "x" * 10_000, "q"),
        ("sort=random", "sort"), ("cursor=%00", "cursor"), ("experience=wizard", "experience"),
    ],
)
def test_bad_parameters_get_a_400_naming_the_field(client, query, field):
    response = client.get(f"/api/v1/jobs/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Invalid search parameters."
    assert field in body["errors"] and body["errors"][field][0]


def test_detail_has_the_description_and_a_missing_id_is_a_404(client):
    job = JobFactory(description="Fix pipes.")
    body = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["description"] == "Fix pipes." and body["is_open"] is True
    assert client.get("/api/v1/jobs/999999/").status_code == 404
    assert client.get("/api/v1/jobs/999999/similar/").json() == {"detail": "No such job posting."}


def test_the_schema_documents_the_endpoints_and_the_docs_need_no_cdn(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert {"/api/v1/jobs/", "/api/v1/jobs/{id}/", "/api/v1/jobs/{id}/similar/"} <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/v1/jobs/"]["get"]["parameters"]}
    assert {"q", "remote", "salary_min", "sort", "page", "page_size", "cursor"} <= parameters
    docs = client.get("/api/v1/docs/").content.decode()
    assert "cdn" not in docs.lower() and "/static/drf_spectacular_sidecar/" in docs
