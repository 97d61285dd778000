"""benchmark_pipeline prepares its heavy seeker once and reports queries, latency and CPU per page."""

from __future__ import annotations

import io

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command

from applications.models import Application, ApplicationDocument, Contact, Interview
from applications.tests.factories import make_applications

pytestmark = pytest.mark.django_db


def test_it_prepares_the_seeker_once_and_reports_every_page(bob, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    make_applications(bob, 40, events_each=2)
    out = io.StringIO()

    call_command("benchmark_pipeline", "--prepare", "--applications", "30", "--requests", "3", stdout=out)
    call_command("benchmark_pipeline", "--prepare", "--applications", "30", "--requests", "0", stdout=out)

    report = out.getvalue()
    seeker = Application.objects.exclude(user=bob).values_list("user_id", flat=True).distinct().get()
    assert Application.objects.filter(user_id=seeker).count() == 30
    assert Application.objects.filter(user=bob).count() == 40  # copied, not taken
    assert (Contact.objects.count(), Interview.objects.count(), ApplicationDocument.objects.count()) == (30, 20, 90)
    # The board and the table: 1 query (the user) once kept assembled (applications/cards.py); the
    # timing ran them first. An application page is kept per application: 1 query once kept, the
    # 7 of a whole build when the loop meets one the timing did not keep (exact budgets:
    # applications/tests/test_query_budgets.py).
    for line in ("health     queries", "board      queries 1–1", "detail     queries 1–", "table      queries 1–1",
                 "dashboard  queries"):
        assert line in report, line
    assert "in-process CPU p50" in report and "already has 30 applications" in report
    assert not Session.objects.exists()


def test_it_asks_for_the_seeker_to_be_prepared_first(db):
    with pytest.raises(CommandError, match="--prepare"):
        call_command("benchmark_pipeline", stdout=io.StringIO())
