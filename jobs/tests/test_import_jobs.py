import json
import math
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jobs import cache as jobs_cache
from jobs.models import Company, Job, Skill

pytestmark = pytest.mark.django_db

HEADER = "source,external_id,title,company,description,location,remote_policy,job_type,experience_level,salary_min,salary_max,salary_currency,posted_at,is_active,skills\n"
GOOD_CSV = HEADER + (
    "feed,1,Python developer,Acme,Write Python.,Berlin,remote,full_time,senior,60000,80000,eur,2026-01-05T10:00:00Z,true,Python|Django\n"
    'feed,2,Chef,"Bistro, Inc.","Cook ""good"" food,\nevery day.",Paris,On-site,Part-time,Entry,,,,,yes,\n'
    "feed,3,Analyst,Acme,Count things.,London,hybrid,contract,mid,50000,40000,USD,,true,SQL\n"
    "feed,4,,Acme,No title.,London,hybrid,contract,mid,,,USD,,true,\n"
    "feed,5,Tester,Acme,Test.,London,underwater,contract,mid,abc,,USD,yesterday,maybe,\n"
    "feed,1,Python developer again,Acme,Duplicate key.,Berlin,remote,full_time,senior,,,USD,,true,\n"
)


def run(path, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_jobs", str(path), no_progress=True, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text(GOOD_CSV)
    return path


def test_it_imports_good_rows_and_reports_each_bad_one_by_line(csv_file):
    out, err = run(csv_file)
    assert "Read 6 rows" in out and "2 created, 0 updated, 0 unchanged, 4 bad." in out
    lines = err.strip().splitlines()
    # The chef's quoted description spans lines 3-4, so the analyst is on line 5.
    assert lines[0] == "line 5: salary_max: salary_max is below salary_min."
    assert lines[1] == "line 6: title: This field is required."
    assert lines[2].startswith("line 7: remote_policy: Select a valid choice.")
    assert "salary_min: Enter a whole number." in lines[2] and "posted_at: Enter a valid date/time." in lines[2]
    assert "is_active: Enter true or false." in lines[2]
    assert lines[3] == "line 8: duplicate of line 2 (same source and external_id)"

    python_job = Job.objects.get(source="feed", external_id="1")
    assert (python_job.title, python_job.slug, python_job.company.name, python_job.remote_policy) == ("Python developer", "python-developer", "Acme", "remote")
    assert (python_job.salary_min, python_job.salary_max, python_job.salary_currency) == (60000, 80000, "EUR")
    assert python_job.posted_at.isoformat() == "2026-01-05T10:00:00+00:00"
    assert sorted(python_job.skills.values_list("name", flat=True)) == ["Django", "Python"]
    # Found by a skill it names nowhere else: the search document was built with its skills.
    assert list(Job.objects.active().search("django").values_list("external_id", flat=True)) == ["1"]
    chef = Job.objects.get(external_id="2")
    assert (chef.company.name, chef.remote_policy, chef.job_type, chef.experience_level) == ("Bistro, Inc.", "onsite", "part_time", "entry")
    assert chef.description == 'Cook "good" food,\nevery day.'


def test_importing_the_same_file_twice_changes_nothing(csv_file):
    run(csv_file)
    before = {job.pk: (job.updated_at, job.posted_at, job.title) for job in Job.objects.all()}
    counts = (Job.objects.count(), Company.objects.count(), Skill.objects.count())
    out, _ = run(csv_file)
    assert "0 created, 0 updated, 2 unchanged, 4 bad." in out
    assert {job.pk: (job.updated_at, job.posted_at, job.title) for job in Job.objects.all()} == before
    assert (Job.objects.count(), Company.objects.count(), Skill.objects.count()) == counts


def test_a_changed_row_updates_its_posting_and_skills(tmp_path, capture_commits):
    path = tmp_path / "jobs.jsonl"
    row = {"source": "api", "external_id": "x1", "title": "Welder", "company": "Sparks", "description": "Weld.",
           "skills": ["Welding", "welding", "TIG"], "salary_min": 40000, "salary_max": 50000}
    path.write_text(json.dumps(row) + "\n")
    run(path)
    job = Job.objects.get(external_id="x1")
    assert sorted(job.skills.values_list("name", flat=True)) == ["TIG", "Welding"]

    path.write_text(json.dumps({**row, "title": "Senior welder", "skills": ["TIG"], "is_active": False}) + "\n")
    generation = jobs_cache.catalogue_generation()
    with capture_commits():
        out, _ = run(path)
    assert "0 created, 1 updated, 0 unchanged, 0 bad." in out
    job.refresh_from_db()
    assert (job.title, job.slug, job.is_active) == ("Senior welder", "senior-welder", False)
    assert list(job.skills.values_list("name", flat=True)) == ["TIG"]
    assert jobs_cache.catalogue_generation() > generation


def test_json_lines_report_broken_lines_and_carry_on(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(
        '{"external_id": "a", "title": "Baker", "company": "Crumbs", "description": "Bake."}\n'
        "\n"
        "{not json\n"
        "[1, 2]\n"
        '{"external_id": "b", "title": "Cook", "company": "Crumbs", "description": "Cook.", "location": {"city": "Rome"}}\n'
        '{"external_id": "c", "title": "Porter", "company": "!!!", "description": "Carry."}\n'
        '{"external_id": "d", "title": "Waiter", "company": "Crumbs", "description": "Serve.", "skills": "Service, Wine"}\n'
    )
    out, err = run(path, source="bakery")
    assert "Read 6 rows" in out and "2 created, 0 updated, 0 unchanged, 4 bad." in out
    assert err.splitlines() == [
        "line 3: is not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        "line 4: is not a JSON object",
        "line 5: location: expected a single value, got dict",
        "line 6: company: A company name needs at least one letter or digit.",
    ]
    assert set(Job.objects.values_list("source", "external_id")) == {("bakery", "a"), ("bakery", "d")}
    assert sorted(Job.objects.get(external_id="d").skills.values_list("name", flat=True)) == ["Service", "Wine"]


@pytest.mark.parametrize("rows", [5, 50])
def test_a_batch_costs_the_same_queries_whatever_its_size(tmp_path, rows, django_assert_num_queries):
    path = tmp_path / "jobs.csv"
    path.write_text(HEADER + "".join(f"feed,{n},Job {n},Company {n % 7},Text {n}.,,,,,,,,,,S{n % 3}|T{n % 5}\n" for n in range(rows)))
    # savepoint; companies insert + read; skills insert + read; stored postings (none yet, so
    # no read of their skills); the exchange rates; PostgreSQL only: ids from the sequence;
    # jobs; job skills; release; then the staff to tell it finished (notifications, on
    # jobs.signals.postings_imported). SQLite binds at most 999 parameters a statement, so there
    # Django splits the jobs' INSERT into as many statements as its batch size demands.
    if connection.vendor == "postgresql":
        expected = 12
    else:
        job_fields = [f for f in Job._meta.concrete_fields if not f.primary_key]
        expected = 10 + math.ceil(rows / connection.ops.bulk_batch_size(job_fields, [None] * rows))
    with django_assert_num_queries(expected):
        run(path)
    assert Job.objects.count() == rows


def test_a_csv_with_unknown_columns_is_refused_up_front(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text("external_id,title,colour\n1,x,red\n")
    with pytest.raises(CommandError, match="Unknown CSV column"):
        run(path)
    with pytest.raises(CommandError, match="is not a file"):
        run(tmp_path / "missing.csv")


def test_it_shows_a_progress_bar(csv_file, capsys):
    call_command("import_jobs", str(csv_file), stdout=StringIO(), stderr=StringIO())
    assert "lines" in capsys.readouterr().err
