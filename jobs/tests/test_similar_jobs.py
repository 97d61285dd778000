"""Similar jobs chosen ahead of the page (jobs/similar.py): the stored lists, their upkeep, and
the posting's page read in one statement."""

import random
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import Job, SimilarJobs
from jobs.similar import SIMILAR_MAX_AGE, SIMILAR_STORED, compute_similar, refresh_similar_jobs
from jobs.tests.conftest import postgres_only
from jobs.tests.factories import CompanyFactory, JobFactory, SkillFactory

pytestmark = [pytest.mark.django_db, postgres_only]

TITLES = ("Backend engineer", "Data engineer", "Product designer", "Account executive", "Staff accountant",
          "Platform developer", "Data analyst", "Office assistant")
LEVELS = ("entry", "mid", "senior", "lead", "executive")


def varied_catalogue(size: int, *, seed: int = 3) -> list[Job]:
    """Postings over several families, every level, a few companies and overlapping skills, some closed."""
    rng = random.Random(seed)
    skills = [SkillFactory(name=name) for name in ("Python", "SQL", "Figma", "Go", "Excel", "Kubernetes", "Salesforce")]
    companies = [CompanyFactory(name=f"Firm {n}") for n in range(4)]
    return [
        JobFactory(title=rng.choice(TITLES), experience_level=rng.choice(LEVELS), company=rng.choice(companies),
                   skills=rng.sample(skills, rng.randint(0, 4)), is_active=rng.random() > 0.15)
        for _ in range(size)
    ]


def similar_titles(body: str) -> list[str]:
    return re.findall(r"<strong>([^<]+)</strong>", body.split("Similar jobs", 1)[1]) if "Similar jobs" in body else []


def test_the_batch_stores_for_every_open_posting_what_the_live_rule_chooses():
    jobs = varied_catalogue(120)

    stored = refresh_similar_jobs(batch_size=25)  # several batches, each merged on its own

    open_jobs = [job for job in jobs if job.is_open]
    assert stored == len(open_jobs)
    lists = dict(SimilarJobs.objects.values_list("job_id", "job_ids"))
    for job in open_jobs:
        live = compute_similar(job, sorted(job.skills.values_list("pk", flat=True)))
        assert lists[job.pk] == [other.pk for other in live], job.title
    assert any(len(ids) == SIMILAR_STORED for ids in lists.values())


@pytest.mark.parametrize("catalogue", [3, 30], indirect=True)
def test_a_posting_with_a_stored_list_is_one_statement(client, catalogue, django_assert_num_queries):
    refresh_similar_jobs()
    job = catalogue[0]
    # 1 the posting, its company, its skills and its similar jobs' cards
    with django_assert_num_queries(1):
        response = client.get(job.get_absolute_url())
    assert response.status_code == 200 and "Similar jobs" in response.content.decode()


def test_the_first_view_stores_the_list_and_the_next_reads_it(client, settings, django_assert_num_queries):
    settings.CACHE_BYPASS = True  # each view builds the page
    python = SkillFactory(name="Python")
    job = JobFactory(title="Backend developer", skills=[python])
    other = JobFactory(title="Python developer", skills=[python])

    # 1 the page's statement, 2 the live query, 3 the write that keeps its answer
    with django_assert_num_queries(3):
        first = client.get(job.get_absolute_url())
    assert SimilarJobs.objects.get(job=job).job_ids == [other.pk]
    with django_assert_num_queries(1):
        again = client.get(job.get_absolute_url())
    assert similar_titles(first.content.decode()) == similar_titles(again.content.decode()) == ["Python developer"]


def test_the_page_leaves_out_postings_closed_since_the_list_was_chosen(client):
    python = SkillFactory(name="Python")
    job = JobFactory(title="Backend developer", skills=[python])
    keep, close = JobFactory(title="Python developer", skills=[python]), JobFactory(title="Django developer", skills=[python])
    refresh_similar_jobs()
    Job.objects.filter(pk=close.pk).update(is_active=False)

    assert similar_titles(client.get(job.get_absolute_url()).content.decode()) == [keep.title]
    assert close.pk in SimilarJobs.objects.get(job=job).job_ids  # no recomputation needed


@pytest.mark.parametrize("change", ["title", "level", "company", "skills"])
def test_a_change_to_what_chose_the_list_forgets_it(change):
    python = SkillFactory(name="Python")
    job = JobFactory(title="Backend developer", skills=[python])
    JobFactory(title="Python developer", skills=[python])
    refresh_similar_jobs()
    if change == "title":
        job.title = "Product designer"
        job.save()
    elif change == "level":
        job.experience_level = "executive"
        job.save()
    elif change == "company":
        job.company = CompanyFactory(name="Elsewhere")
        job.save()
    else:
        job.skills.add(SkillFactory(name="Rust"))

    assert not SimilarJobs.objects.filter(job=job).exists()


def test_a_save_that_changes_nothing_that_chose_it_keeps_the_list():
    job = JobFactory(title="Backend developer", skills=[SkillFactory(name="Python")])
    refresh_similar_jobs()
    job.description = "Now with a longer story."
    job.save()

    assert SimilarJobs.objects.filter(job=job).exists()


def test_a_list_older_than_a_day_is_chosen_again_on_the_next_view(client):
    python = SkillFactory(name="Python")
    job = JobFactory(title="Backend developer", skills=[python])
    refresh_similar_jobs()
    assert SimilarJobs.objects.get(job=job).job_ids == []
    newer = JobFactory(title="Python developer", skills=[python])
    SimilarJobs.objects.filter(job=job).update(computed_at=timezone.now() - SIMILAR_MAX_AGE - timedelta(minutes=1))

    assert similar_titles(client.get(job.get_absolute_url()).content.decode()) == [newer.title]
    assert SimilarJobs.objects.get(job=job).job_ids == [newer.pk]


def test_a_fresh_list_is_shown_as_stored_even_when_newer_postings_exist(client):
    python = SkillFactory(name="Python")
    job = JobFactory(title="Backend developer", skills=[python])
    refresh_similar_jobs()
    JobFactory(title="Python developer", skills=[python])

    # Until the next refresh (a day at most): the price of a page that reads one statement.
    assert similar_titles(client.get(job.get_absolute_url()).content.decode()) == []


def test_the_page_shows_the_posting_company_and_skills_from_the_one_statement(client):
    job = JobFactory(title="Data engineer", company=CompanyFactory(name="Northwind", website="https://northwind.example"),
                     description="Move data.", skills=[SkillFactory(name="SQL"), SkillFactory(name="Airflow")])
    refresh_similar_jobs()
    body = client.get(job.get_absolute_url()).content.decode()

    assert "<h1>Data engineer</h1>" in body and 'href="/companies/northwind/">Northwind</a>' in body
    assert body.index(">Airflow</a>") < body.index(">SQL</a>")  # by name
    assert 'href="/jobs/?skills=sql"' in body and 'href="https://northwind.example"' in body
    assert "<p>Move data.</p>" in body


def _prepared_here(name: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()[0]


def test_a_posting_page_is_one_statement_prepared_once_per_database_session(django_assert_num_queries):
    """PostgreSQL planned the page's statement in 2-6 ms for 0.4 ms of work: it is prepared once
    per session (not a query of the page's) and each page executes it."""
    from jobs.similar import _PAGE_STATEMENT, job_page, store_similar

    job = JobFactory(title="Plumber")
    store_similar(job.pk, [])  # its similar jobs kept and fresh: the page is then one statement
    with django_assert_num_queries(1) as page:
        found, _ = job_page(job.pk)
    assert found.title == "Plumber"
    assert page.captured_queries[0]["sql"].startswith(f"EXECUTE {_PAGE_STATEMENT}(")
    assert _prepared_here(_PAGE_STATEMENT) == 1
    job_page(job.pk)  # prepared already: PREPARE again would fail
    with pytest.raises(Job.DoesNotExist):
        job_page(job.pk + 1000)


@pytest.mark.django_db(transaction=True)
def test_the_page_statement_is_prepared_again_on_a_new_session():
    from django.db import connection, transaction

    from jobs.similar import _PAGE_STATEMENT, job_page

    job = JobFactory(title="Plumber")
    with transaction.atomic():
        job_page(job.pk)
        transaction.set_rollback(True)
    assert job_page(job.pk)[0].title == "Plumber"  # PREPARE outlives the rolled-back transaction
    connection.close()
    assert job_page(job.pk)[0].title == "Plumber" and _prepared_here(_PAGE_STATEMENT) == 1


def test_the_posting_page_reads_the_instances_the_orm_reads():
    """The posting and its company, made without Model.__init__: what the ORM's read of the same
    columns gives (the rest deferred), loaded value for loaded value."""
    from jobs.similar import _COMPANY_FIELDS, _JOB_FIELDS, job_page, store_similar
    from jobs.tests.test_card_reads import loaded

    company = CompanyFactory(name="Acme <Corp>", website="https://acme.example", headquarters="Berlin")
    job = JobFactory(title="Plumber", company=company, skills=[SkillFactory(name="Python")], expires_at=None)
    store_similar(job.pk, [])
    found, _ = job_page(job.pk)
    twin = Job.objects.only(*_JOB_FIELDS).get(pk=job.pk)
    twin_company = type(company).objects.only(*_COMPANY_FIELDS).get(pk=company.pk)
    assert loaded(found) == {**loaded(twin), "values": {**loaded(twin)["values"], "skill_list": found.skill_list}}
    assert loaded(found.company) == loaded(twin_company)
    assert [skill.name for skill in found.skill_list] == ["Python"]
