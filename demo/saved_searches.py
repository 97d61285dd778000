"""Saved searches for seeded seekers, in the shape people save them: a title or a skill, often a
remote or seniority filter, sometimes a city, a job type or a salary floor; popular searches
repeat (so the matcher's grouping by query has real work to do).

About SHARE of the seekers keep 1-5 (MEAN on average), as seed_demo's users: 3 on average for
30 % of them, whatever the size.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone

from demo import data
from notifications.models import SavedSearch
from notifications.queries import query_key

SHARE = 0.3
COUNTS = (1, 2, 3, 3, 4, 5)  # mean 3
FREQUENCIES = (("daily", 60), ("instant", 15), ("off", 25))
CITIES = [name.split(",")[0] for name, _, _, policy in data.LOCATIONS if not policy]


class SearchMaker:
    def __init__(self, rng: random.Random):
        self.rng = rng
        titles = [(title, field.weight) for field in data.FIELDS for title in field.titles]
        skills = [(name, 2) for name in data.ALL_SKILLS]
        self.terms = [term.lower() for term, _ in titles + skills]
        # Zipf-like popularity: a few searches are saved by many, most by few.
        base = [weight for _, weight in titles + skills]
        order = list(range(len(self.terms)))
        rng.shuffle(order)
        self.weights = [base[i] / (rank + 1) ** 0.8 for rank, i in enumerate(order)]
        self.frequencies = [f for f, _ in FREQUENCIES]
        self.frequency_weights = [w for _, w in FREQUENCIES]

    def query(self) -> tuple[str, dict]:
        rng = self.rng
        q = rng.choices(self.terms, self.weights)[0]
        query: dict = {"q": q}
        if rng.random() < 0.35:
            query["remote"] = ["remote"] if rng.random() < 0.7 else ["hybrid", "remote"]
        elif rng.random() < 0.2:
            query["location"] = rng.choice(CITIES).lower()
        if rng.random() < 0.3:
            query["experience"] = [rng.choice(("entry", "mid", "senior", "lead"))]
        if rng.random() < 0.06:
            query["job_type"] = ["contract"]
        if rng.random() < 0.1:
            query["salary_min"] = rng.choice((60_000, 80_000, 100_000, 120_000, 150_000))
            query["salary_currency"] = "USD"
        name = q.title() + (" (remote)" if "remote" in query else "")
        return name[:100], query

    def frequency(self) -> str:
        return self.rng.choices(self.frequencies, self.frequency_weights)[0]


def seed_saved_searches(user_ids: Sequence[int], *, seed: int, mark: tuple[datetime, int],
                        share: float = SHARE, batch_size: int = 5000) -> int:
    """Saved searches for about `share` of these users, their marks at `mark` (nothing new yet)."""
    rng = random.Random(seed ^ 0x5EA5C4)
    maker = SearchMaker(rng)
    now = timezone.now()
    rows, made = [], 0
    for user_id in user_ids:
        if rng.random() >= share:
            continue
        for _ in range(rng.choice(COUNTS)):
            name, query = maker.query()
            rows.append(SavedSearch(user_id=user_id, name=name, query=query, query_key=query_key(query), sort="newest",
                                    frequency=maker.frequency(), mark_posted_at=mark[0], mark_job_id=mark[1],
                                    seen_at=now, created_at=now))
        if len(rows) >= batch_size:
            SavedSearch.objects.bulk_create(rows)
            made += len(rows)
            rows = []
    SavedSearch.objects.bulk_create(rows)
    return made + len(rows)
