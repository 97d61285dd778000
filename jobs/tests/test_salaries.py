"""Salaries compare across currencies: filters and the salary sort read annual US dollars,
pages show what the posting advertised."""

from __future__ import annotations

import importlib
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F

from jobs import cache as jobs_cache
from jobs.models import ExchangeRate, Job
from jobs.salaries import current_rates, read_rates_file, to_usd, usd_range
from jobs.selectors import SearchParams, Sort, filtered_jobs
from jobs.tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def posting(title: str, low: int | None, high: int | None, currency: str, period: str = "year") -> Job:
    return JobFactory(title=title, salary_min=low, salary_max=high, salary_currency=currency, salary_period=period)


def titles(response) -> list[str]:
    return re.findall(r'<a class="job-title" href="[^"]+"><strong>([^<]+)</strong>', response.content.decode())


@pytest.fixture
def world(db):
    return [
        posting("Seoul", 150_000_000, 181_000_000, "KRW"),  # 136,090 USD at 1,330 KRW per USD
        posting("New York", 170_000, 200_000, "USD"),
        posting("Bangalore", 1_500_000, 2_000_000, "INR"),  # 24,096 USD
        posting("Tokyo", 7_000_000, 9_000_000, "JPY"),  # 60,000 USD
        posting("Contractor", 55, 60, "USD", "hour"),  # 124,800 USD a year
        posting("Berlin", 90_000, 110_000, "EUR"),  # 119,565 USD
        posting("Unstated", None, None, "USD"),
    ]


def test_the_migration_loads_the_rate_table_in_the_repository():
    migration = importlib.import_module("jobs.migrations.0009_salary_in_usd")
    ExchangeRate.objects.all().delete()  # a transactional test may have flushed it already

    # The step only writes rows through the editor's connection: the editor is not entered, which
    # SQLite refuses inside the test's transaction.
    migration.load_rates(django_apps, connection.schema_editor())

    from_file = {rate.currency: rate.per_usd for rate in read_rates_file()}
    assert dict(ExchangeRate.objects.values_list("currency", "per_usd")) == from_file
    assert from_file["USD"] == 1 and from_file["KRW"] == Decimal("1330")


def test_an_empty_table_reads_as_the_repositorys_file():
    ExchangeRate.objects.all().delete()
    jobs_cache.bump_catalogue_generation()

    assert current_rates()["KRW"] == Decimal("1330")


def test_the_salary_sort_puts_usd_200000_above_krw_181000000(client, world):
    response = client.get("/jobs/?sort=salary")

    assert titles(response) == ["New York", "Seoul", "Contractor", "Berlin", "Tokyo", "Bangalore", "Unstated"]


def test_the_api_sorts_the_same_way_and_shows_the_original_and_the_dollars(client, world):
    items = client.get("/api/v1/jobs/", {"sort": "salary"}).json()["items"]

    assert [item["title"] for item in items[:2]] == ["New York", "Seoul"]
    seoul = items[1]
    assert (seoul["salary_max"], seoul["salary_currency"], seoul["salary_period"]) == (181_000_000, "KRW", "year")
    assert (seoul["salary_min_usd"], seoul["salary_max_usd"]) == (112_782, 136_090)


def test_at_least_100000_no_longer_lets_small_amounts_in_big_currencies_through(client, world):
    assert titles(client.get("/jobs/?sort=salary&salary_min=100000")) == ["New York", "Seoul", "Contractor", "Berlin"]


def test_the_bounds_can_be_given_in_another_currency(client, world):
    # JPY 100,000 to 20,000,000 a year is USD 667 to 133,333: New York starts above it.
    found = titles(client.get("/jobs/?sort=salary&salary_min=100000&salary_max=20000000&salary_currency=JPY"))
    assert found == ["Seoul", "Contractor", "Berlin", "Tokyo", "Bangalore"]
    # 100,000 EUR a year is 108,696 USD.
    assert titles(client.get("/jobs/?sort=salary&salary_min=100000&salary_currency=EUR")) == ["New York", "Seoul", "Contractor", "Berlin"]


def test_a_currency_without_a_rate_is_a_400_with_a_message(client, world):
    ExchangeRate.objects.filter(currency="CHF").delete()
    jobs_cache.bump_catalogue_generation()  # as a refresh of the rates does

    response = client.get("/jobs/?salary_min=100000&salary_currency=CHF")

    assert response.status_code == 400
    assert "no exchange rate for CHF" in response.content.decode()
    assert client.get("/jobs/?salary_min=1&salary_currency=XXX").status_code == 400


def test_cards_show_what_the_posting_advertised_and_the_dollars_beside_it(client, world):
    body = client.get("/jobs/?sort=salary").content.decode()

    assert "KRW 150M–181M a year <span class=\"salary-usd\">(≈ USD 112,782–136,090 a year)</span>" in body
    assert "$55–60 an hour" in body and "≈ USD 114,400–124,800 a year" in body
    assert "$170k–200k a year</li>" in body  # no conversion shown for dollars a year


def test_a_one_sided_range_counts_its_end_both_ways(db):
    job = posting("Open ended", 150_000, None, "USD")
    assert (job.salary_min_usd, job.salary_max_usd) == (150_000, 150_000)


def test_saving_a_posting_keeps_its_dollars_current_even_with_update_fields(db):
    job = posting("Movable", 50_000, 60_000, "USD")
    job.salary_currency = "GBP"
    job.save(update_fields=["salary_currency"])

    job.refresh_from_db()
    assert job.salary_max_usd == to_usd(60_000, "GBP", current_rates()) == 75_949


def test_the_sql_recomputation_agrees_with_python(db):
    rates = current_rates()
    jobs = [posting(f"P{n}", low, high, currency, period) for n, (low, high, currency, period) in enumerate([
        (1, 3, "EUR", "hour"), (45, None, "GBP", "day"), (None, 9_999, "JPY", "month"), (123_456, 234_567, "INR", "year"),
        (70_000, 80_000, "ZZZ", "year"), (3_000, 4_000, "CHF", "week"),
    ])]
    Job.objects.update(salary_min_usd=None, salary_max_usd=None)

    out = StringIO()
    call_command("refresh_exchange_rates", stdout=out)

    assert "5 postings changed" in out.getvalue()  # all but the one in ZZZ, which stays NULL
    for job in jobs:
        job.refresh_from_db()
        assert (job.salary_min_usd, job.salary_max_usd) == usd_range(job.salary_min, job.salary_max, job.salary_currency, job.salary_period, rates)
    assert Job.objects.get(title="P4").salary_max_usd is None  # no rate for ZZZ: never claimed to match


def test_refreshing_the_rates_reorders_postings_and_a_second_run_changes_nothing(client, world, tmp_path, capture_commits):
    path = tmp_path / "rates.csv"
    path.write_text("currency,per_usd,as_of\nKRW,800,2027-01-04\n")
    client.get("/jobs/?sort=salary")  # cached for anonymous visitors

    with capture_commits():
        out = StringIO()
        call_command("refresh_exchange_rates", file=path, stdout=out)

    assert "Loaded 1 rates (as of 2027-01-04); 1 postings changed" in out.getvalue()
    assert Job.objects.get(title="Seoul").salary_max_usd == 226_250
    assert titles(client.get("/jobs/?sort=salary"))[:2] == ["Seoul", "New York"]  # the cached page went stale
    again = StringIO()
    call_command("refresh_exchange_rates", file=path, stdout=again)
    assert "0 postings changed" in again.getvalue()


@pytest.mark.parametrize("text, message", [
    ("currency,rate\nKRW,800\n", "header must be currency,per_usd,as_of"),
    ("currency,per_usd,as_of\nKRWX,800,2027-01-04\n", "line 2: “KRWX” is not a three-letter currency code"),
    ("currency,per_usd,as_of\nKRW,-1,2027-01-04\n", "line 2: per_usd must be above zero"),
    ("currency,per_usd,as_of\nKRW,lots,2027-01-04\n", "line 2: per_usd must be a number"),
    ("currency,per_usd,as_of\nUSD,2,2027-01-04\n", "USD is the base currency"),
])
def test_a_bad_rates_file_is_refused_whole_with_the_line(tmp_path, text, message):
    path = tmp_path / "rates.csv"
    path.write_text(text)

    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("refresh_exchange_rates", file=path, stdout=StringIO())
    assert ExchangeRate.objects.get(currency="KRW").per_usd == Decimal("1330")


def test_import_reads_the_pay_period_and_stores_the_dollars(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text("source,external_id,title,company,description,salary_min,salary_max,salary_currency,salary_period\n"
                    "feed,1,Contractor,Acme,Fix things.,50,60,eur,hourly\nfeed,2,Odd,Acme,Odd.,1,2,USD,fortnightly\n")
    err = StringIO()

    call_command("import_jobs", str(path), no_progress=True, stdout=StringIO(), stderr=err)

    job = Job.objects.get(external_id="1")
    assert (job.salary_period, job.salary_min_usd, job.salary_max_usd) == ("hour", 113_043, 135_652)
    assert err.getvalue().startswith("line 3: salary_period:")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_the_salary_sort_walks_the_dollar_index_in_order(world):
    # The plan at a million postings is in the README (benchmark_search); here, a handful of
    # rows would be sorted in memory, so table scans and sorts are priced out.
    qs = filtered_jobs(SearchParams(sort=Sort.SALARY, salary_min=100_000)).order_by(F("salary_max_usd").desc(nulls_last=True), "-id")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")
        plan = qs[:21].explain()
    assert "Index Scan using job_active_salary_usd_idx" in plan
