"""manage.py lighthouse's own parts (Lighthouse itself is run by hand: README, Pages): the log-in that
gives it a seeker's session, and the summary it reads out of a report."""

from __future__ import annotations

import io
import json
import urllib.request

import pytest

from careercopilot.management.commands.lighthouse import CATEGORIES, Command, _scores, _session_cookie


@pytest.mark.django_db(transaction=True)
def test_it_logs_in_through_the_form_and_the_cookie_opens_the_dashboard(alice, live_server):
    cookie = _session_cookie(live_server.url, "alice", "alice-password-1")

    request = urllib.request.Request(f"{live_server.url}/dashboard/", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.url.endswith("/dashboard/") and b"Your search" in response.read()


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_is_a_clear_error_not_a_report_of_the_login_page(alice, live_server):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="could not log in"):
        _session_cookie(live_server.url, "alice", "not-her-password")


def _report(scores: dict, total_bytes: int) -> dict:
    audits = {"total-byte-weight": {"numericValue": total_bytes}, "network-requests": {"details": {"items": [{}] * 7}},
              "largest-contentful-paint": {"score": 0.9}, "color-contrast": {"score": 1}}
    refs = {"performance": [{"id": "largest-contentful-paint", "weight": 25}], "accessibility": [{"id": "color-contrast", "weight": 7}]}
    return {"environment": {"benchmarkIndex": 751.5}, "audits": audits, "categories": {name: {"score": scores[name], "auditRefs": refs.get(name, [])} for name in CATEGORIES}}


def test_the_summary_gives_scores_bytes_and_what_missed_its_target(tmp_path):
    report = _report({"performance": 0.97, "accessibility": 1, "best-practices": 1, "seo": 1}, 16_800)
    row = {"page": "home", "path": "/", "form_factor": "mobile", **_scores(report)}
    command = Command(stdout=io.StringIO())

    command._summarise([row], tmp_path, check=False)

    printed = command.stdout.getvalue()
    assert "| home | mobile | 97 | 100 | 100 | 100 | 16.4 | 7 | 752 |" in printed
    assert "home mobile: performance 97 < 98 (audits below 1: largest-contentful-paint)" in printed
    assert json.loads((tmp_path / "summary.json").read_text())[0]["bytes"] == 16_800
    assert (tmp_path / "summary.md").read_text().startswith("| page | form factor |")
