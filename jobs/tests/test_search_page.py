import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from jobs import selectors
from jobs.tests.conftest import DEADLINE_QUERIES, RELEVANCE_EXTRA_QUERIES, postgres_only
from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return re.findall(r'class="job-title" href="[^"]+"><strong>([^<]+)</strong>', response.content.decode())


# --- Query budgets ---------------------------------------------------------------------------


# Every filter combination at two sizes: test_search_query_budgets.py.


@pytest.mark.parametrize("catalogue", [30], indirect=True)
def test_it_estimates_the_total_past_the_count_cap(client, catalogue, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    # SQLite: the count stops at 11 rows, so a full count; PostgreSQL: the planner's
    # estimate (already asked for) stands in. Then rows, skills, facets; on PostgreSQL the
    # facets are counted from the 11 rows the count read (a sample, scaled to the estimate).
    postgres = connection.vendor == "postgresql"
    with django_assert_num_queries(DEADLINE_QUERIES + (3 if postgres else 2) + (2 if postgres else 3)):
        response = client.get("/jobs/")
    assert "10+</strong> jobs" in response.content.decode()


@pytest.mark.parametrize("catalogue", [30], indirect=True)
@postgres_only
def test_past_the_count_cap_the_facets_come_from_the_rows_the_count_read(catalogue, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    monkeypatch.setattr(selectors, "WHOLE_SET_FACTOR", 1)  # whatever the estimate, counted only to the cap
    params = selectors.SearchParams()
    page = selectors.search_jobs(params)
    assert page.total.is_estimate and page.candidates is not None and not page.candidates.complete
    assert len(page.candidates.rows) == 11
    facets = selectors.job_facets(params, candidates=page.candidates, total=page.total)
    counted = sum(value.count for value in facets["remote"])
    assert all(value.approximate for value in facets["remote"] if value.count)
    # 11 rows scaled to the planner's estimate of the 30: about 30 in all, whatever the rounding
    assert abs(counted - page.total.count) <= len(facets["remote"])


@pytest.mark.parametrize("catalogue", [30], indirect=True)
def test_a_second_visit_reads_total_and_facets_from_the_cache(alice_client, catalogue, django_assert_num_queries):
    alice_client.get("/jobs/?q=python")
    # 1 the session's user, 2 rows (relevance: and the page's cards), 3 skills, 4 which of
    # them she tracks (applications' tag), and the statement timeout: total, facets and
    # aliases come from the cache
    with django_assert_num_queries(DEADLINE_QUERIES + RELEVANCE_EXTRA_QUERIES + 4):
        alice_client.get("/jobs/?q=python&page=2")


# --- Search, filters, sort -----------------------------------------------------------------


def test_it_finds_words_in_title_company_skills_and_description(client):
    JobFactory(title="Backend engineer", skills=[SkillFactory(name="Rust")])
    JobFactory(title="Gardener", company=CompanyFactory(name="Verdant Farms"))
    JobFactory(title="Chef", description="You will cook risotto for our guests.")
    JobFactory(title="Risotto taster")
    JobFactory(title="Accountant")

    assert titles(client.get("/jobs/?q=rust")) == ["Backend engineer"]
    assert titles(client.get("/jobs/?q=verdant")) == ["Gardener"]
    assert sorted(titles(client.get("/jobs/?q=risotto"))) == ["Chef", "Risotto taster"]
    assert titles(client.get("/jobs/?q=risotto+-chef")) == ["Risotto taster"]


def test_it_ranks_title_matches_above_description_matches(client):
    JobFactory(title="Office manager", description="Some python scripting would help.", posted_at=timezone.now())
    JobFactory(title="Python developer", description="Build services.", posted_at=timezone.now() - timedelta(days=3))
    assert titles(client.get("/jobs/?q=python")) == ["Python developer", "Office manager"]
    assert titles(client.get("/jobs/?q=python&sort=newest")) == ["Office manager", "Python developer"]


def test_it_highlights_why_a_posting_matched_and_escapes_the_rest(client):
    JobFactory(title="Cook", description="Make <script>alert(1)</script> pasta with our chef every day.")
    body = client.get("/jobs/?q=pasta").content.decode()
    assert "<mark>pasta</mark>" in body
    assert "<script>alert(1)" not in body


def test_it_filters_by_every_facet_and_field(client):
    python, django = SkillFactory(name="Python"), SkillFactory(name="Django")
    acme = CompanyFactory(name="Acme Corp")
    match = JobFactory(title="Match", company=acme, location="Berlin, Germany", remote_policy="remote", job_type="contract",
                       experience_level="senior", salary_min=80_000, salary_max=100_000, skills=[python, django])
    JobFactory(title="Wrong place", company=acme, location="Paris", remote_policy="remote", job_type="contract",
               experience_level="senior", skills=[python, django])
    JobFactory(title="Wrong skill", company=acme, location="Berlin", remote_policy="remote", job_type="contract",
               experience_level="senior", skills=[python])
    JobFactory(title="Too cheap", company=acme, location="Berlin", remote_policy="remote", job_type="contract",
               experience_level="senior", salary_min=30_000, salary_max=40_000, skills=[python, django])
    JobFactory(title="Old", company=acme, location="Berlin", remote_policy="remote", job_type="contract",
               experience_level="senior", skills=[python, django], posted_at=timezone.now() - timedelta(days=40))
    JobFactory(title="Elsewhere", location="Berlin", remote_policy="remote", job_type="contract", experience_level="senior",
               skills=[python, django])

    url = ("/jobs/?location=berlin&remote=remote&job_type=contract&experience=senior&salary_min=90000"
           "&company=Acme+Corp&skills=Python,+django&posted_within=30")
    assert titles(client.get(url)) == [match.title]
    assert titles(client.get("/jobs/?company=acme-corp&skills=django&salary_max=45000")) == ["Too cheap"]


def test_closed_and_expired_postings_are_not_listed(client):
    JobFactory(title="Open")
    JobFactory(title="Closed", is_active=False)
    JobFactory(title="Expired", expires_at=timezone.now() - timedelta(hours=1))
    assert titles(client.get("/jobs/")) == ["Open"]


def test_it_sorts_by_salary_with_unstated_salaries_last(client):
    JobFactory(title="Unstated", salary_min=None, salary_max=None)
    JobFactory(title="Mid", salary_min=50_000, salary_max=60_000)
    JobFactory(title="Top", salary_min=90_000, salary_max=120_000)
    assert titles(client.get("/jobs/?sort=salary")) == ["Top", "Mid", "Unstated"]


def test_facets_count_each_value_and_keep_other_choices_countable(client):
    for policy, n in (("remote", 3), ("hybrid", 2), ("onsite", 1)):
        for _ in range(n):
            JobFactory(remote_policy=policy, job_type="contract" if policy == "remote" else "full_time")
    body = client.get("/jobs/?remote=remote").content.decode()
    # The chosen facet still shows what the other values would add...
    assert re.search(r'value="hybrid"> Hybrid <span class="count">\(2\)', body)
    assert re.search(r'value="remote" checked> Remote <span class="count">\(3\)', body)
    # ...while the other facets count within the choice.
    assert re.search(r'value="contract"> Contract <span class="count">\(3\)', body)
    assert re.search(r'value="full_time"> Full-time <span class="count">\(0\)', body)



def test_two_chosen_facets_each_count_within_the_other_from_one_sample(django_assert_max_num_queries):
    # (remote policy, job type, experience level) -> postings
    for (policy, job_type, level), n in {("remote", "contract", "senior"): 3, ("remote", "contract", "mid"): 1,
                                         ("remote", "full_time", "senior"): 2, ("onsite", "contract", "senior"): 4,
                                         ("onsite", "full_time", "entry"): 5}.items():
        for _ in range(n):
            JobFactory(remote_policy=policy, job_type=job_type, experience_level=level)
    params = selectors.SearchParams(remote=("remote",), job_type=("contract",))
    # One sample of the postings before the facet filters serves both chosen facets and the unchosen one.
    total = selectors.search_total(params)
    with django_assert_max_num_queries(1):
        facets = selectors._compute_facets(params, total=total)
    counts = {name: {value.value: value.count for value in values if value.count} for name, values in facets.items()}
    assert counts["remote"] == {"remote": 4, "onsite": 4}  # the contracts, by remote policy
    assert counts["job_type"] == {"contract": 4, "full_time": 2}  # the remote ones, by job type
    assert counts["experience"] == {"senior": 3, "mid": 1}  # remote contracts, by level
    assert not any(value.approximate for values in facets.values() for value in values)

# --- Pagination ------------------------------------------------------------------------------


def test_newest_first_pages_follow_cursors_through_every_posting_once(client):
    now = timezone.now()
    # Ties on posted_at: the id breaks them, so no posting is skipped or repeated.
    jobs = [JobFactory(title=f"Job {n:02}", posted_at=now - timedelta(minutes=n // 3)) for n in range(45)]
    expected = [job.title for job in sorted(jobs, key=lambda j: (j.posted_at, j.pk), reverse=True)]

    seen, url, pages = [], "/jobs/", []
    while url:
        response = client.get(url)
        pages.append(url)
        seen += titles(response)
        match = re.search(r'rel="next" href="([^"]+)"', response.content.decode())
        url = "/jobs/" + match.group(1).replace("&amp;", "&") if match else None
    assert seen == expected
    assert "cursor=" in pages[2] and "page=3" in pages[2]

    # And back: the previous page of page 3 is page 2.
    previous = re.search(r'rel="prev" href="([^"]+)"', client.get(pages[2]).content.decode()).group(1)
    assert titles(client.get("/jobs/" + previous.replace("&amp;", "&"))) == expected[20:40]


def test_relevance_pages_by_number_and_stop_at_the_last(client):
    for n in range(25):
        JobFactory(title=f"Python {n}")
    second = client.get("/jobs/?q=python&page=2")
    assert len(titles(second)) == 5
    assert 'rel="next"' not in second.content.decode()
    assert "Page 2 of 2" in second.content.decode()
    beyond = client.get("/jobs/?q=python&page=3")
    assert beyond.status_code == 200 and "No more results" in beyond.content.decode()


# --- Bad input: a 400 with the reason, never a 500 ---------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", "greater than or equal to 1"),
        ("page=-1", "greater than or equal to 1"),
        ("page=abc", "Enter a whole number"),
        (f"page={10**20}", "less than or equal to"),
        ("page=200&q=python", "past the first 2,000 results"),
        ("salary_min=abc", "Enter a whole number"),
        ("salary_min=90000&salary_max=10", "at least the minimum salary"),
        ("q=python%00", "Null characters are not allowed"),
        ("location=ber%00lin", "Null characters are not allowed"),
        ("q=" + "a" * 10_000, "at most 200 characters"),
        ("sort=cheapest", "Select a valid choice"),
        ("remote=underwater", "Select a valid choice"),
        ("posted_within=9999", "Select a valid choice"),
        ("cursor=not-a-cursor", "has expired or was changed"),
        ("cursor=a999999999999999999_1", "has expired or was changed"),
        ("sort=salary&cursor=a1700000000000000_5", "newest-first results only"),
        ("skills=a,b,c,d,e,f", "at most 5 skills"),
    ],
)
def test_bad_search_input_gets_a_400_that_says_what_is_wrong(client, query, message):
    JobFactory()
    response = client.get(f"/jobs/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'href="/jobs/">Start a new search' in response.content.decode()


def test_a_facet_count_past_a_thousand_is_grouped_and_an_estimate_says_so():
    from jobs.selectors import FacetValue
    from jobs.templatetags.jobs_tags import facet_options

    printed = facet_options("job_type", [FacetValue("full_time", "Full-time & more", 12345, True, True),
                                         FacetValue("contract", "Contract", 999, False, False)])
    assert printed == (
        '\n      <label><input type="checkbox" id="f-job_type-full_time" name="job_type" value="full_time" checked>'
        ' Full-time &amp; more <span class="count">(~12,345)</span></label>\n    '
        '\n      <label><input type="checkbox" id="f-job_type-contract" name="job_type" value="contract">'
        ' Contract <span class="count">(999)</span></label>\n    '
    )


@pytest.mark.django_db
def test_facets_are_kept_as_their_fields_and_read_back_equal():
    import dataclasses

    from django.core.cache import cache

    from jobs import cache as jobs_cache

    JobFactory(title="Rust engineer", remote_policy="remote", job_type="contract")
    params = selectors.SearchParams(q="rust", remote=("remote",))
    facets = selectors.job_facets(params)
    kept = cache.get(jobs_cache.facets_key(jobs_cache.catalogue_generation(), params.filters_key()))
    assert kept == {name: [dataclasses.asdict(value) for value in values] for name, values in facets.items()}
    assert selectors.job_facets(params) == facets  # read back from what was kept


def test_search_forms_share_their_fields_and_no_use_changes_them(client):
    import copy

    from jobs.forms import JobSearchForm

    def state():
        fields = JobSearchForm.base_fields.items()
        return {name: ({k: v for k, v in vars(field).items() if k != "widget"}, field.widget, vars(field.widget)) for name, field in fields}

    before = copy.deepcopy(state())
    JobFactory(title="Rust engineer")
    for query in ("q=rust", "q=rust&remote=remote&remote=hybrid&salary_min=9&salary_currency=EUR&sort=salary",
                  "salary_min=9&salary_max=1", "page=0&sort=nope", "salary_currency=XXX&salary_min=5", "cursor=zz"):
        form = JobSearchForm(dict(pair.split("=") for pair in query.split("&")))
        form.is_valid()
        str(form)  # every widget rendered, errors and all
        assert all(form.fields[name] is field for name, field in JobSearchForm.base_fields.items())
        assert client.get(f"/jobs/?{query}").status_code in (200, 400)
    after = state()
    assert {name: (f, w) for name, (f, _, w) in after.items()} == {name: (f, w) for name, (f, _, w) in before.items()}
