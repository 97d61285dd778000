"""Chart geometry from a snapshot: proportional, and calm when there is nothing to draw."""

from __future__ import annotations

from django.utils import timezone

from analytics import charts
from analytics.models import UserMetrics


def _metrics(**fields) -> UserMetrics:
    weeks = [{"week": f"2026-01-{i + 1:02d}", "applied": 0, "responded": 0} for i in range(26)]
    for index, (applied, responded) in fields.pop("weeks", {}).items():
        weeks[index].update(applied=applied, responded=responded)
    return UserMetrics(weekly_applications=weeks, computed_at=timezone.now(), **fields)


def test_it_draws_funnel_bars_in_proportion_to_the_first_stage():
    bars = charts.funnel(_metrics(total=10, reached_applied=5, reached_interviewing=0))["bars"]

    assert float(bars[1]["width"]) == float(bars[0]["width"]) / 2
    assert bars[2]["width"] == "0" and bars[2]["conversion"] == 0.0


def test_it_draws_the_busiest_week_full_height_and_empty_weeks_flat():
    chart = charts.weekly_activity(_metrics(weeks={3: (4, 1), 10: (2, 2)}))

    heights = [float(column["height"]) for column in chart["columns"]]
    assert heights[3] == max(heights) and heights[10] == heights[3] / 2
    assert heights.count(0) == 24 and chart["tallest"] == 4


def test_it_plots_response_rate_only_for_weeks_with_applications():
    chart = charts.response_rate(_metrics(weeks={3: (4, 1), 10: (2, 2)}))

    assert [(p["week"], p["rate"]) for p in chart["points"]] == [("2026-01-04", 0.25), ("2026-01-11", 1.0)]
    assert float(chart["points"][1]["y"]) < float(chart["points"][0]["y"])  # higher rate, higher on the chart


def test_it_draws_empty_charts_for_an_empty_search():
    empty = _metrics(total=0)

    assert all(bar["width"] == "0" for bar in charts.funnel(empty)["bars"])
    weekly = charts.weekly_activity(empty)
    assert weekly["tallest"] == 0 and all(column["height"] == "0" for column in weekly["columns"])
    assert charts.response_rate(empty)["points"] == [] and charts.response_rate(empty)["polyline"] == ""


def test_it_writes_coordinates_that_no_locale_can_turn_into_invalid_svg():
    chart = charts.weekly_activity(_metrics(weeks={0: (1234, 3)}))

    assert chart["columns"][0]["height"] == "124" and chart["columns"][1]["x"] == "60.8"
    assert charts._n(1234.56) == "1234.6" and charts._n(0.0) == "0" and charts._n(10) == "10"
