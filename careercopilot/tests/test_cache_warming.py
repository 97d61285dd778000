"""Cache warming: after an import the pages people hit first are already built, so the first
visitor pays nothing (careercopilot/cache_warming.py). Real commits (transactional tests): the
catalogue's bump runs on commit, as in production; the warming task runs inline (tests' eager Celery)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from careercopilot import cache_warming
from jobs import cache as jobs_cache
from jobs.models import SearchTerm
from jobs.tests.factories import JobFactory
from jobs.vocabulary import refresh_search_terms

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "source,external_id,title,company,description,location,remote_policy,job_type,experience_level,salary_min,salary_max,salary_currency,posted_at,is_active,skills\n"


@pytest.fixture
def warming(settings):
    settings.CACHE_WARMING = True
    settings.THROTTLE_SEARCH = "10000/m"


@pytest.fixture
def catalogue():
    for _ in range(3):
        JobFactory(title="Welder")
    JobFactory(title="Baker")
    refresh_search_terms()


def import_csv(tmp_path, *rows: str) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text(HEADER + "".join(rows))
    call_command("import_jobs", str(path), no_progress=True, stdout=StringIO(), stderr=StringIO())


def test_after_an_import_home_and_a_top_search_are_cache_hits_with_no_query(
    catalogue, warming, client, tmp_path, django_assert_num_queries,
):
    top = cache_warming.top_search_terms(1)[0]
    assert top == "Welder"  # three postings: the vocabulary's most frequent term
    # Cached before the import, under the old generation.
    assert client.get("/")["X-Page-Cache"] == "miss" and client.get("/")["X-Page-Cache"] == "hit"

    import_csv(tmp_path, "feed,1,Underwater welder,Deep Ltd,Weld.,Aberdeen,onsite,full_time,senior,,,,,true,\n")

    with django_assert_num_queries(0):
        home = client.get("/")
        search = client.get("/jobs/", {"q": top})
    assert home["X-Page-Cache"] == "hit" and search["X-Page-Cache"] == "hit"
    # Built after the import, not the copy from before it.
    assert "Underwater welder" in home.content.decode() and "Underwater welder" in search.content.decode()
    with django_assert_num_queries(0):
        assert client.get("/jobs/")["X-Page-Cache"] == "hit"


def test_a_burst_of_changes_warms_once(catalogue, warming, client, tmp_path):
    # A warming is already scheduled (the first bump of the burst): later bumps add nothing.
    cache.add(cache_warming.SCHEDULED_KEY, 1, timeout=60)
    import_csv(tmp_path, "feed,1,Welder's mate,Deep Ltd,Weld.,Aberdeen,onsite,full_time,junior,,,,,true,\n")
    assert client.get("/")["X-Page-Cache"] == "miss"  # nothing warmed it yet

    # The scheduled task runs: it clears the mark first, so the next change schedules again.
    from careercopilot.tasks import warm_catalogue_caches

    done = warm_catalogue_caches()
    assert done["/"] == "200 hit"  # the visit above stored it under the current generation
    assert done["/jobs/?q=Welder"] == "200 miss"  # built and stored by the warming
    assert cache.get(cache_warming.SCHEDULED_KEY) is None
    import_csv(tmp_path, "feed,2,Welding inspector,Deep Ltd,Inspect.,Leeds,onsite,full_time,senior,,,,,true,\n")
    assert client.get("/")["X-Page-Cache"] == "hit"


def test_it_can_be_turned_off(settings, catalogue, client, tmp_path):
    settings.CACHE_WARMING = False
    client.get("/")

    import_csv(tmp_path, "feed,1,Underwater welder,Deep Ltd,Weld.,Aberdeen,onsite,full_time,senior,,,,,true,\n")

    assert client.get("/")["X-Page-Cache"] == "miss"  # the first visitor pays, as before
    assert cache.get(cache_warming.SCHEDULED_KEY) is None


def test_an_edit_a_list_shows_warms_the_lists_and_one_it_does_not_show_warms_nothing(warming, catalogue, client):
    job = JobFactory(title="Glassblower")
    client.get("/")
    generation = jobs_cache.catalogue_generation()

    job.description = "Now with a furnace."  # not on any list: the lists keep their generation
    job.save()
    assert jobs_cache.catalogue_generation() == generation

    job.title = "Master glassblower"
    job.save()
    assert jobs_cache.catalogue_generation() != generation
    home = client.get("/")
    assert home["X-Page-Cache"] == "hit" and "Master glassblower" in home.content.decode()


def test_the_most_frequent_terms_are_warmed_once_each(settings, catalogue):
    settings.CACHE_WARMING_SEARCHES = 2
    SearchTerm.objects.create(term="welder", key="welder", kind="skill", frequency=3)  # same words, another kind

    pages = cache_warming.pages_to_warm()
    assert [page.lower() for page in pages] == ["/", "/jobs/", "/jobs/?q=welder", "/jobs/?q=baker"]
