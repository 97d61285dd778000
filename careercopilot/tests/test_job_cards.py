"""Job cards printed in Python (careercopilot/templatetags/listings.py), the dates they carry
(ui._formatted, ui.time_tag) and the addresses in them (jobs/links.py): the same markup the
card template printed, for a fraction of its CPU time."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import mark_safe

from careercopilot.templatetags import ui
from careercopilot.templatetags.listings import job_cards
from jobs.links import address, addresses, company_url, company_urls, job_url, job_urls
from jobs.models import Company, Job

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
POSTED = dt.datetime(2026, 11, 28, 9, 5, 30, tzinfo=dt.UTC)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def posting(**fields) -> Job:
    values = dict(pk=42, slug="python-developer", title="Python developer", location="Berlin", remote_policy="hybrid",
                  job_type="full_time", salary_min=60_000, salary_max=80_000, salary_currency="EUR", salary_period="year",
                  salary_min_usd=65_000, salary_max_usd=87_000, posted_at=POSTED)
    values.update(fields)
    company = values.pop("company", None) or Company(pk=7, name="Acme", slug="acme")
    job = Job(**values)
    job.company = company
    return job


def anonymous(**context) -> dict:
    request = RequestFactory().get("/jobs/")
    request.user = AnonymousUser()
    return {"request": request, **context}





def test_a_search_card_is_printed_as_the_card_template_printed_it(frozen, settings):
    job = posting()
    job.snippet_html = mark_safe("… and so on. We use <mark>Python</mark> daily. Join us")  # noqa: S308 (a test's own markup)
    job.skill_list = [SimpleNamespace(name="Python"), SimpleNamespace(name="SQL")]
    html = job_cards(anonymous(), [job], show_skills=True, show_track=True)
    login, SPRITE = reverse("application_track", args=[42]), ui._sprite()
    assert html == (
        '<li class="job-card">\n'
        '  <a class="job-title" href="/jobs/42/python-developer/"><strong>Python developer</strong></a>\n'
        '  <ul class="meta">\n'
        f'    <li><svg class="icon" aria-hidden="true" focusable="false"><use href="{SPRITE}#building"></use></svg><a href="/companies/acme/">Acme</a></li>\n'
        "    \n"
        f'    <li><svg class="icon" aria-hidden="true" focusable="false"><use href="{SPRITE}#pin"></use></svg>Berlin · Hybrid</li>\n'
        "    <li>Full-time</li>\n"
        f'    <li><svg class="icon" aria-hidden="true" focusable="false"><use href="{SPRITE}#money"></use></svg>€60k–80k a year <span class="salary-usd">(≈ USD 65,000–87,000 a year)</span></li>\n'
        f'    <li><svg class="icon" aria-hidden="true" focusable="false"><use href="{SPRITE}#clock"></use></svg>'
        '<time datetime="2026-11-28T09:05:30+00:00" title="28 Nov 2026, 09:05 UTC">3 days ago</time></li>\n'
        "  </ul>\n"
        '  <p class="snippet">We use <mark>Python</mark> daily. Join us</p>\n'
        f'  <div>\n<a class="button secondary track-button" href="{login}">Track</a>\n</div>\n'
        '  <ul class="tags" aria-label="Skills"><li>Python</li><li>SQL</li></ul>\n'
        "</li>\n"
    )


def test_a_list_card_has_no_snippet_track_button_or_skills_unless_asked(frozen):
    job = posting(salary_min=None, salary_max=None, location="Remote", remote_policy="remote")
    html = job_cards(anonymous(), [job])
    assert "Remote · Remote" not in html and "#pin\"></use></svg>Remote</li>" in html  # "Remote" once
    assert "#money" not in html and "snippet" not in html and "track" not in html and 'class="tags"' not in html
    assert "  </ul>\n  \n  \n  \n</li>\n" in html  # the empty lines the template left where they were


def test_everything_a_posting_says_is_escaped():
    evil = "<script>alert(1)</script>"
    job = posting(title=evil, location=evil, company=Company(pk=7, name=evil, slug="acme"))
    job.skill_list = [SimpleNamespace(name=evil)]
    html = job_cards(anonymous(), [job], show_skills=True)
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 4


def test_a_card_kept_for_every_seeker_has_slots_for_the_track_button_and_the_time(frozen):
    html = job_cards(anonymous(keep=True), [posting()], show_track=True)
    assert "<div><!--track:42--></div>" in html
    assert f"<!--ago:{int(POSTED.timestamp() * 1_000_000)}-->" in html
    assert "3 days ago" in ui.fill_ago_slots(html, NOW)


@pytest.mark.django_db
def test_the_search_home_and_company_pages_print_their_cards(client):
    from jobs.tests.factories import JobFactory

    job = JobFactory(title="Rust <engineer>")
    for url in ("/", "/jobs/", job.company.get_absolute_url()):
        body = client.get(url).content.decode()
        assert body.count('<li class="job-card">') == 1, url
        assert f'href="{job.get_absolute_url()}"><strong>Rust &lt;engineer&gt;</strong>' in body, url


def test_dates_read_as_djangos_formatter_writes_them_in_every_zone():
    rng = random.Random(11)
    zones = [dt.UTC, *(zoneinfo.ZoneInfo(name) for name in
                       ("UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "America/St_Johns"))]
    for _ in range(3000):
        moment = dt.datetime(rng.randint(1, 2100), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                             rng.randint(0, 59), tzinfo=dt.UTC).astimezone(rng.choice(zones))
        moment = moment.replace(fold=rng.randint(0, 1))
        for layout in (ui.FULL, ui.DATE_TIME, ui.DATE):
            assert ui._formatted(moment, layout) == date_format(moment, layout), (moment, layout)
        assert ui._formatted(moment.date(), ui.DATE) == date_format(moment.date(), ui.DATE)
    # A wall time that happens twice names no zone, as Django's "T" does; a naive one takes Django's path.
    twice = dt.datetime(2026, 10, 25, 1, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    assert ui._formatted(twice, ui.FULL) == date_format(twice, ui.FULL) == "25 Oct 2026, 01:30 "
    naive = dt.datetime(2026, 3, 4, 5, 6)
    assert ui._formatted(naive, ui.FULL) == date_format(naive, ui.FULL)


def test_a_time_tag_escapes_its_prefix():
    html = Template('{% load ui %}{% time_tag moment "date" prefix %}').render(Context({"moment": NOW, "prefix": "<b>"}))
    assert html == '<time datetime="2026-12-01T12:00:00+00:00" title="1 Dec 2026, 12:00 UTC">&lt;b&gt;1 Dec 2026, 12:00</time>'


@pytest.mark.parametrize(("name", "args"), [
    ("job_detail", [42, "python-developer"]),
    ("job_detail", [7, "Ünïcode slug"]),  # quoted: reverse() writes it
    ("job_detail", [7, "a b&c?"]),
    ("company_detail", ["acme_2"]),
    ("application_track", [99]),
])
def test_addresses_are_what_reverse_writes(name, args):
    assert address(name, *args) == reverse(name, args=args)


@pytest.mark.parametrize(("name", "args"), [
    ("job_detail", [42, "python-developer"]),
    ("job_detail", [7, "Ünïcode slug"]),
    ("company_detail", ["acme_2"]),
    ("application_track", [99]),
])
def test_addresses_made_for_a_whole_page_are_what_reverse_writes(name, args):
    made = {"job_detail": job_urls, "company_detail": company_urls}.get(name, lambda: addresses(name, int))()
    assert made(*args) == made(*args) == reverse(name, args=args)


def test_addresses_made_for_a_page_follow_its_script_prefix():
    set_script_prefix("/careers/")
    try:
        made = job_urls()
    finally:
        set_script_prefix("/")
    assert made(3, "x") == "/careers/jobs/3/x/" and job_urls()(3, "x") == "/jobs/3/x/"


@pytest.mark.parametrize("style", ["ago", "slot", "date"])
def test_time_tags_made_for_a_whole_page_are_what_time_tag_writes(frozen, style):
    rng = random.Random(5)
    for zone in ("UTC", "Europe/London", "America/St_Johns", "Asia/Kolkata"):
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            tag = ui.time_tags(style)
            for _ in range(300):
                moment = NOW - dt.timedelta(seconds=rng.randint(-10_000, 90_000_000))
                moment = moment.astimezone(rng.choice([dt.UTC, zoneinfo.ZoneInfo("Europe/Berlin")]))
                assert tag(moment) == ui.time_tag(moment, style), (zone, moment)
            naive = (dt.datetime(2026, 3, 4, 5, 6),) if style == "date" else ()  # "ago" refuses one, as time_tag does
            for other in (None, "", NOW.date(), *naive):  # not aware datetimes: time_tag's own path
                assert tag(other) == ui.time_tag(other, style)


@pytest.mark.parametrize("style", ["ago", "slot", "date"])
def test_time_tags_name_no_zone_for_a_wall_time_the_clocks_repeat_as_time_tag(frozen, style):
    # London's clocks go back at 01:00 UTC on 25 October 2026: 01:30 local happens twice.
    london = zoneinfo.ZoneInfo("Europe/London")
    moments = [dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC), dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC),
               dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC), dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)]
    for zone in (london, dt.timezone(dt.timedelta(hours=5, minutes=30)), zoneinfo.ZoneInfo("Etc/UTC")):
        with timezone.override(zone):
            tag = ui.time_tags(style)
            for moment in moments:
                assert tag(moment) == ui.time_tag(moment, style), (zone, moment)
    with timezone.override(london):
        assert 'title="25 Oct 2026, 01:30 "' in ui.time_tags(style)(moments[0])


@pytest.mark.django_db
def test_track_buttons_made_for_a_whole_page_are_what_track_button_writes(django_user_model):
    from applications.templatetags.applications_tags import track_button, track_buttons

    jobs = [posting(pk=pk, title=f"Dev <{pk}>") for pk in (1, 42, 987654)]
    seeker = RequestFactory().get("/jobs/")
    seeker.user = django_user_model.objects.create_user("alice", password="x")
    for context in (anonymous(), {"request": seeker}):
        for tracked in (frozenset(), frozenset({42})):
            made = track_buttons(context, tracked)
            assert [made(job) for job in jobs] == [track_button(context, job, tracked) for job in jobs]


def test_an_argument_reverse_refuses_is_refused_as_before():
    with pytest.raises(NoReverseMatch):
        company_url("not a slug")
    with pytest.raises(NoReverseMatch):
        job_url(-1, "x")


def test_addresses_follow_the_script_prefix_and_the_urlconf():
    set_script_prefix("/careers/")
    try:
        assert job_url(3, "x") == reverse("job_detail", args=[3, "x"]) == "/careers/jobs/3/x/"
    finally:
        set_script_prefix("/")
    assert job_url(3, "x") == "/jobs/3/x/"
    with override_settings(ROOT_URLCONF="careercopilot.tests.urls_elsewhere"):
        assert job_url(3, "x") == reverse("job_detail", args=[3, "x"]) == "/elsewhere/3/x/"
    assert job_url(3, "x") == "/jobs/3/x/"


def test_select_options_mark_the_chosen_one_and_escape_what_they_print():
    html = Template('{% load ui %}{% select_options choices current %}').render(
        Context({"choices": [("", "Any"), ("7", "A <week>"), ("a\"b", "Q")], "current": "7"}))
    assert html == ('<option value="">Any</option><option value="7" selected>A &lt;week&gt;</option>'
                    '<option value="a&quot;b">Q</option>')
    # A value the page does not have reads as "", as in the template comparison it replaces.
    assert Template('{% load ui %}{% select_options choices missing.value %}').render(
        Context({"choices": [("", "Any"), ("7", "A week")]})) == '<option value="" selected>Any</option><option value="7">A week</option>'



def test_pagination_links_keep_the_query_and_replace_the_page(client):
    from jobs.templatetags.jobs_tags import query_with

    request = RequestFactory().get("/jobs/?q=python&remote=remote&remote=hybrid&page=2")
    assert query_with({"request": request}, page=3, cursor=None) == "?page=3&q=python&remote=remote&remote=hybrid"
    assert query_with({"request": request}, page=None) == "?q=python&remote=remote&remote=hybrid"
    assert query_with({"request": RequestFactory().get("/jobs/?page=2")}, page=None) == "?"


def test_a_card_escapes_as_conditional_escape_does():
    from django.utils.functional import lazy
    from django.utils.html import conditional_escape

    from careercopilot.templatetags.listings import _e
    from jobs.templatetags.jobs_tags import escaped

    values = ["", "plain", "a & b", "<b>", 'say "hi"', "it's", "&amp;", "ü ñ €", mark_safe("<mark>x</mark>"), 42, None,
              lazy(lambda: "lazy <x>", str)()]
    for value in values:
        assert _e(value) == escaped(value) == conditional_escape(value), value
        assert type(escaped(value)) in (str, type(conditional_escape(value))), value
