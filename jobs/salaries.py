"""Salaries made comparable: every posting's range as an annual amount in US dollars.

A posting keeps what it advertised (salary_min / salary_max in salary_currency, per
salary_period); beside it the range's ends are stored annualised and converted with the rate
table (ExchangeRate, loaded from jobs/data/exchange_rates.csv by migration 0009 and refreshed
by `manage.py refresh_exchange_rates`). Filter and sort read only the stored dollars, through
an index, so comparing a KRW posting with a USD one costs nothing at query time.

The stored ends: salary_max_usd is the top of the range (or its only end), salary_min_usd the
bottom (or its only end), so "at least 100,000" keeps a posting whose range reaches it and
"150,000+" counts as 150,000 both ways. A currency missing from the table stores NULL: such a
posting is never claimed to match a salary filter and sorts last.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from django.db import connections, transaction

from jobs import cache as jobs_cache

BASE_CURRENCY = "USD"
RATES_FILE = Path(__file__).resolve().parent / "data" / "exchange_rates.csv"

# What one period's pay comes to in a year: 52 weeks, 260 working days, 2,080 working hours.
PERIOD_FACTORS: dict[str, int] = {"year": 1, "month": 12, "week": 52, "day": 260, "hour": 2080}

RATES_TIMEOUT = 60 * 60


@dataclass(frozen=True)
class Rate:
    currency: str
    per_usd: Decimal
    as_of: date


def read_rates_file(path: Path = RATES_FILE) -> list[Rate]:
    """Rows of `currency,per_usd,as_of`; ValueError naming the line for anything else."""
    rates: dict[str, Rate] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if set(reader.fieldnames or ()) != {"currency", "per_usd", "as_of"}:
            raise ValueError(f"{path}: the header must be currency,per_usd,as_of (got {','.join(reader.fieldnames or [])})")
        for record in reader:
            line = reader.line_num
            currency = (record["currency"] or "").strip().upper()
            if len(currency) != 3 or not currency.isalpha():
                raise ValueError(f"{path}, line {line}: “{record['currency']}” is not a three-letter currency code")
            try:
                per_usd = Decimal(record["per_usd"].strip())
                as_of = date.fromisoformat(record["as_of"].strip())
            except (ArithmeticError, ValueError, AttributeError):
                raise ValueError(f"{path}, line {line}: per_usd must be a number and as_of a date like 2026-11-30") from None
            if not per_usd.is_finite() or per_usd <= 0:
                raise ValueError(f"{path}, line {line}: per_usd must be above zero")
            rates[currency] = Rate(currency, per_usd, as_of)
    if rates.get(BASE_CURRENCY, Rate(BASE_CURRENCY, Decimal(1), date.min)).per_usd != 1:
        raise ValueError(f"{path}: {BASE_CURRENCY} is the base currency; its rate must be 1")
    return list(rates.values())


@lru_cache(maxsize=1)
def known_currencies() -> tuple[str, ...]:
    """The currencies of the table in the repository: the choices a salary filter offers."""
    return tuple(sorted(rate.currency for rate in read_rates_file()))


def current_rates() -> dict[str, Decimal]:
    """Units per US dollar by currency, from the database's table; cached per catalogue generation.

    An empty table (one emptied by hand, or a test database flushed after migrating) reads as
    the repository's file, which is what migration 0009 and refresh_exchange_rates load.
    """
    from jobs.models import ExchangeRate

    def load() -> dict[str, Decimal]:
        return dict(ExchangeRate.objects.values_list("currency", "per_usd")) or {
            rate.currency: rate.per_usd for rate in read_rates_file()
        }

    key = jobs_cache.rates_key(jobs_cache.catalogue_generation())
    return jobs_cache.cached_value(key, RATES_TIMEOUT, load, layer="rates")


def to_usd(amount: int | None, currency: str, rates: dict[str, Decimal], *, period: str = "year") -> int | None:
    """`amount` of `currency` per `period`, as whole US dollars a year; None when it cannot be known."""
    if amount is None or currency not in rates or period not in PERIOD_FACTORS:
        return None
    dollars = Decimal(amount) * PERIOD_FACTORS[period] / rates[currency]
    return int(dollars.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_usd(amount: int, currency: str, rates: dict[str, Decimal]) -> int | None:
    """Annual US dollars in `currency` (a seeker's "at least 85,000 EUR" the other way round)."""
    if currency not in rates:
        return None
    return int((Decimal(amount) * rates[currency]).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def usd_range(salary_min: int | None, salary_max: int | None, currency: str, period: str,
              rates: dict[str, Decimal]) -> tuple[int | None, int | None]:
    """(salary_min_usd, salary_max_usd) of a posting: each end, or the other one when it is open."""
    low = salary_min if salary_min is not None else salary_max
    high = salary_max if salary_max is not None else salary_min
    return to_usd(low, currency, rates, period=period), to_usd(high, currency, rates, period=period)


# --- Set-based recomputation (the refresh command, and migration 0009 with the same SQL) -----

_PERIOD_CASE = "CASE salary_period " + " ".join(f"WHEN '{p}' THEN {f}" for p, f in PERIOD_FACTORS.items()) + " END"


def _usd_sql(amount: str) -> str:
    """The SQL twin of to_usd for a jobs_job row: NULL when the amount or the rate is missing."""
    return (
        # "* 1.0": SQLite keeps a whole-number rate as an integer, and would divide as integers.
        f"(SELECT CAST(ROUND({amount} * {_PERIOD_CASE} * 1.0 / r.per_usd) AS BIGINT) "
        f"FROM jobs_exchangerate r WHERE r.currency = jobs_job.salary_currency)"
    )


def recompute_sql(vendor: str) -> str:
    """One UPDATE of the stored dollars for postings with ids in [%s, %s), changed rows only.

    Rows whose dollars stay the same are not written, so a refresh with unchanged rates
    rewrites nothing; the search-document trigger ignores these columns either way.
    """
    low, high = _usd_sql("COALESCE(salary_min, salary_max)"), _usd_sql("COALESCE(salary_max, salary_min)")
    distinct = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return (
        f"UPDATE jobs_job SET salary_min_usd = {low}, salary_max_usd = {high} "
        f"WHERE id >= %s AND id < %s AND (salary_min_usd {distinct} {low} OR salary_max_usd {distinct} {high})"
    )


def recompute_usd(*, using: str = "default", batch_size: int = 50_000, progress=None) -> int:
    """Recompute every posting's stored dollars from the rate table, in id batches; returns rows changed."""
    connection = connections[using]
    sql = recompute_sql(connection.vendor)
    changed = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM jobs_job")
        first, last = cursor.fetchone()
        if first is None:
            return 0
        for start in range(first, last + 1, batch_size):
            with transaction.atomic(using=using):
                cursor.execute(sql, [start, start + batch_size])
                changed += max(cursor.rowcount, 0)
            if progress:
                progress(min(start + batch_size, last + 1) - first, last + 1 - first)
    if changed:
        jobs_cache.catalogue_changed()
    return changed
