"""Geometry of the dashboard charts, drawn as inline SVG by templates/analytics/_*.svg.html.

Plain arithmetic over a stored snapshot: no query, no JavaScript, no CDN. Coordinates leave
here as strings: the template engine would otherwise localize every number (slow, and a
decimal comma or thousands separator is not SVG).
"""

from __future__ import annotations

from datetime import date

WIDTH = 480
LABEL_WIDTH = 96
VALUE_WIDTH = 80
PAD_LEFT = 44  # room for the axis labels
PAD_RIGHT = 24


def _n(value: float) -> str:
    """A coordinate for SVG: one decimal at most, no trailing zeros."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def funnel(metrics) -> dict:
    """One horizontal bar per stage, as wide as its share of the widest stage."""
    steps = metrics.funnel
    widest = max((step["count"] for step in steps), default=0) or 1
    bar, gap = 26, 10
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for i, step in enumerate(steps):
        width = room * step["count"] / widest
        bars.append({
            **step, "y": _n(i * (bar + gap)), "width": _n(width), "bar_height": _n(bar),
            "text_y": _n(i * (bar + gap) + bar * 0.68), "value_x": _n(LABEL_WIDTH + width + 8),
        })
    return {"width": _n(WIDTH), "height": _n(len(steps) * (bar + gap)), "label_width": _n(LABEL_WIDTH), "bars": bars}


def _week_label(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day:%b} {day.day}"


def weekly_activity(metrics) -> dict:
    """Applications sent per week over the 26 weeks, as columns; every fourth week is labelled."""
    weeks = metrics.weekly_applications or []
    height, bottom = 160, 24
    busiest = max((week["applied"] for week in weeks), default=0)
    tallest = busiest or 1  # scale for an all-empty chart: flat, not a division by zero
    step = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(weeks), 1)
    columns = []
    for i, week in enumerate(weeks):
        value = week["applied"]
        h = (height - bottom - 12) * value / tallest
        columns.append({
            "x": _n(PAD_LEFT + i * step + 1), "width": _n(step - 2), "y": _n(height - bottom - h),
            "height": _n(h), "value": value, "label": _week_label(week["week"]) if i % 5 == 0 else "",
            "label_x": _n(PAD_LEFT + i * step + step / 2), "week": week["week"],
        })
    return {"width": _n(WIDTH), "height": _n(height), "baseline": _n(height - bottom), "label_y": _n(height - 6),
            "columns": columns, "tallest": busiest, "top_y": _n(12 + 4), "pad_left": _n(PAD_LEFT),
            "right": _n(WIDTH - PAD_RIGHT)}


def response_rate(metrics) -> dict:
    """The share of each week's applications that got a reply, as a line over the weeks with any."""
    weeks = metrics.weekly_applications or []
    height, bottom, top = 160, 24, 10
    plot = height - bottom - top
    step = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(weeks), 1)
    points = []
    for i, week in enumerate(weeks):
        if week["applied"]:
            rate = week["responded"] / week["applied"]
            points.append({
                "x": _n(PAD_LEFT + i * step + step / 2), "y": _n(top + plot * (1 - rate)),
                "rate": rate, "week": week["week"], "applied": week["applied"], "responded": week["responded"],
            })
    grid = [{"y": _n(top + plot * (1 - share)), "label": f"{share:.0%}"} for share in (0, 0.5, 1)]
    labels = [{"x": _n(PAD_LEFT + i * step + step / 2), "text": _week_label(w["week"])}
              for i, w in enumerate(weeks) if i % 5 == 0]
    return {"width": _n(WIDTH), "height": _n(height), "points": points, "grid": grid, "labels": labels,
            "label_y": _n(height - 6), "mid_x": _n(WIDTH / 2), "pad_left": _n(PAD_LEFT), "right": _n(WIDTH - PAD_RIGHT),
            "polyline": " ".join(f"{p['x']},{p['y']}" for p in points)}
