"""Load exchange rates and recompute every posting's salary in annual US dollars.

    manage.py refresh_exchange_rates                       # the table in the repository
    manage.py refresh_exchange_rates --file rates.csv      # a newer one: currency,per_usd,as_of

Rates are units of the currency per US dollar (EUR 0.92 means 1 USD = 0.92 EUR). Currencies
in the file are added or updated; others are kept. Only postings whose dollars change are
written, so running it again with the same rates changes nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jobs.salaries import RATES_FILE, read_rates_file
from jobs.services import exchange_rates_refresh


class Command(BaseCommand):
    help = "Load exchange rates (currency,per_usd,as_of) and recompute the postings' salaries in annual USD."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=RATES_FILE, help=f"CSV of rates (default: {RATES_FILE.name} in jobs/data).")
        parser.add_argument("--batch-size", type=int, default=50_000, help="Postings per UPDATE (by id range).")

    def handle(self, *args, file: Path, batch_size: int, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            rates = read_rates_file(file)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        started = time.monotonic()
        changed = exchange_rates_refresh(rates=rates, batch_size=batch_size)
        newest = max(rate.as_of for rate in rates)
        self.stdout.write(
            f"Loaded {len(rates)} rates (as of {newest}); {changed:,} postings changed, "
            f"in {time.monotonic() - started:.1f}s."
        )
