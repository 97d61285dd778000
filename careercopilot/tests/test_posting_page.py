"""A posting's page: the parts printed in Python (posting_page.py) print what the template printed
(its old text: the strings below and posting_page_about.html beside this file)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import timezone

from jobs.tests.factories import CompanyFactory, JobFactory

pytestmark = pytest.mark.django_db

# jobs/detail.html's meta description and header facts as the template said them before.
TEMPLATE_SUMMARY = (
    "{% load ui %}{{ job.title }} at {{ job.company.name }}{% if job.location %}, {{ job.location }}{% endif %} "
    "({{ job.get_remote_policy_display }}). {{ job.description|first_words:30 }}"
)
TEMPLATE_FACTS = """{% load jobs_tags ui %}<h1>{{ job.title }}</h1>
    <ul class="meta">
      <li>{% icon 'building' %}<a href="{{ job.company.get_absolute_url }}">{{ job.company.name }}</a></li>
      <li>{% icon 'pin' %}{% if job.location and job.location|lower != "remote" and job.location|lower != "anywhere" %}{{ job.location }} · {% endif %}{{ job.get_remote_policy_display }}</li>
      <li>{{ job.get_job_type_display }}</li>
      <li>{{ job.get_experience_level_display }}</li>
    </ul>
    {% with pay=job|salary %}{% if pay %}<p class="salary">{{ pay }}{% with usd=job|salary_in_usd %}{% if usd %} <span class="muted">({{ usd }})</span>{% endif %}{% endwith %}</p>{% endif %}{% endwith %}
    <p class="muted">Posted {% time_tag job.posted_at %}{% if job.expires_at %} · closes {% time_tag job.expires_at %}{% endif %}</p>
    {% if not job.is_open %}<p class="message warning" role="status">This posting is closed.</p>{% endif %}
    {% if job.apply_url and job.is_open %}
      <p class="apply"><a class="button" href="{{ job.apply_url }}" target="_blank" rel="noopener noreferrer nofollow">Apply on their site <span aria-hidden="true">↗</span><span class="visually-hidden">(opens in a new tab)</span></a></p>
    {% endif %}"""

TEMPLATE_TITLE = "{{ job.title }} at {{ job.company.name }}"
TEMPLATE_LOG_IN = '{% load jobs_tags ui %}<p><a href="{% url \'login\' %}?next={{ request.path|urlencode }}">Log in</a> to track this job.</p>'
TEMPLATE_ABOUT = open(__file__.replace("test_posting_page.py", "posting_page_about.html")).read().removesuffix("\n")

SHAPES = {
    "plain": {},
    "remote location": {"location": "Remote", "remote_policy": "remote"},
    "anywhere, hybrid": {"location": "ANYWHERE", "remote_policy": "hybrid"},
    "no location": {"location": "", "remote_policy": "onsite"},
    "markup in every text": {"title": 'Dev <b>"lead"</b> & co\'s', "location": "Köln <i>&</i>",
                             "description": "<script>x</script> & " + " ".join(f"w{i}" for i in range(40)),
                             "apply_url": "https://example.com/apply?a=1&b=<2>", "company__name": "A & <B>"},
    "no salary": {"salary_min": None, "salary_max": None},
    "euros a month, minimum only": {"salary_currency": "EUR", "salary_period": "month", "salary_min": 4000, "salary_max": None,
                                    "salary_min_usd": 52_000, "salary_max_usd": 52_000},
    "dollars an hour": {"salary_currency": "USD", "salary_period": "hour", "salary_min": 45, "salary_max": 60,
                        "salary_min_usd": 93_600, "salary_max_usd": 124_800},
    "closing, with a link": {"expires_at": timezone.now() + timedelta(days=9), "apply_url": "https://example.com/j/1"},
    "expired": {"expires_at": timezone.now() - timedelta(days=1), "apply_url": "https://example.com/j/2"},
    "closed": {"is_active": False, "apply_url": "https://example.com/j/3"},
    "unknown choices": {"remote_policy": "elsewhere", "job_type": "gig", "experience_level": "guru"},
    "entry contract": {"job_type": "contract", "experience_level": "entry", "description": ""},
    "skills, company with a description and website": {"skills": ["Python", "C++ & <Go>"], "company__description": "We <b>fix</b> " * 40,
                                                        "company__website": "https://example.com/?a=1&b=2"},
    "markdown description": {"description": "# Role\n\n* one\n* **two** <script>x</script> [link](https://example.com/a?b=1&c=2)\n\nEnd."},
}


@pytest.mark.parametrize("shape", SHAPES)
def test_it_prints_what_the_template_printed(shape):
    from django.test import RequestFactory

    from jobs.similar import job_page
    from jobs.tests.factories import SkillFactory

    fields = dict(SHAPES[shape])
    company = CompanyFactory(name=fields.pop("company__name", "Pipes"), slug=f"co-{len(shape)}-{shape[:3].strip()}".replace(" ", "-"),
                             description=fields.pop("company__description", ""), website=fields.pop("company__website", ""))
    skills = [SkillFactory(name=name) for name in fields.pop("skills", [])]
    posting = JobFactory(company=company, skills=skills, **fields)
    job, _ = job_page(posting.pk)  # as the view has it (skill_list, the company's columns)
    request = RequestFactory().get(f"/jobs/{posting.pk}/caf%C3%A9 & <x>/")
    context = Context({"job": job, "request": request})

    new = Template("{% load posting_page %}{% posting_title job %}|{% posting_summary job %}|{% posting_facts job %}|"
                   "{% log_in_to_track request.path %}|{% posting_about job %}").render(context)

    old = [Template(text).render(context) for text in (TEMPLATE_TITLE, TEMPLATE_SUMMARY, TEMPLATE_FACTS, TEMPLATE_LOG_IN, TEMPLATE_ABOUT)]
    assert new == "|".join(old)


def test_the_page_shows_them(client):
    job = JobFactory(title="Plumber & fitter", location="Leeds", apply_url="https://example.com/a",
                     expires_at=timezone.now() + timedelta(days=3))
    page = Client().get(job.get_absolute_url()).content.decode()
    assert '<meta name="description" content="Plumber &amp; fitter at ' in page
    assert "<h1>Plumber &amp; fitter</h1>" in page and "Leeds · On-site</li>" in page
    assert " · closes <time" in page and '<p class="apply"><a class="button" href="https://example.com/a"' in page
    assert "Log in</a> to track this job." in page
    assert '<h2 id="h-about">About the job</h2>' in page and "<title>Plumber &amp; fitter at " in page


def test_a_page_built_for_everyone_is_the_page_the_context_processors_would_have_rendered(settings):
    """The view renders a shared page without the context processors (jobs.views.job_detail):
    shared_page_context gives what they would for an anonymous visitor with no messages, and
    nothing else they add is read by an anonymous page. A new processor must be checked here."""
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from jobs import cache as jobs_cache
    from jobs.similar import _card_of, job_page

    assert settings.TEMPLATES[0]["OPTIONS"]["context_processors"] == [
        "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages", "notifications.context_processors.bell",
        "careercopilot.csrf.csrf",  # csrf_token, which shared_page_context sets to ""
    ]
    cards = [_card_of(other) for other in JobFactory.create_batch(3, title="Data engineer")]
    for shape, fields in SHAPES.items():
        posting = JobFactory(**{name: value for name, value in fields.items() if "__" not in name and name != "skills"})
        job, _ = job_page(posting.pk)
        request = RequestFactory().get(posting.get_absolute_url())
        request.jobs_shared_page = True
        for similar in ([], cards):
            context = {"job": job, "similar": similar, **jobs_cache.shared_page_context(request)}
            with_processors = render_to_string("jobs/detail.html", context, request=request)
            assert render_to_string("jobs/detail.html", {**context, "request": request}) == with_processors, shape
        page = Client().get(posting.get_absolute_url())
        assert page.status_code == 200 and page.content.decode().startswith(with_processors.split("<h1>")[0]), shape


def test_a_page_built_for_everyone_is_its_parts_in_a_frame_rendered_once_and_equal_to_the_whole_template(alice):
    """jobs.views.job_detail: a shared page is the posting's parts put into a frame of base.html kept
    per worker; every shape of posting gets the page the whole template renders, and a logged-in
    visitor still gets the whole template (their name, their token, their track form)."""
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from jobs import views
    from jobs import cache as jobs_cache
    from jobs.similar import job_page

    views._frames.clear()
    for shape, fields in SHAPES.items():
        posting = JobFactory(**{name: value for name, value in fields.items() if "__" not in name and name != "skills"})
        page = Client().get(posting.get_absolute_url())
        assert page.status_code == 200 and page["X-Page-Cache"] == "miss", shape  # built by the view
        assert "jobs" in views._frames  # kept from the first page on

        job, similar = job_page(posting.pk)
        request = RequestFactory().get(posting.get_absolute_url())
        request.jobs_shared_page = True
        whole = render_to_string("jobs/detail.html", {"job": job, "similar": similar, **jobs_cache.shared_page_context(request)},
                                 request=request)
        assert page.content.decode() == whole, shape

    seeker = Client()
    seeker.force_login(alice)
    mine = seeker.get(posting.get_absolute_url()).content.decode()
    assert "(alice)" in mine and 'name="csrfmiddlewaretoken"' in mine and "Log in</a> to track" not in mine


def test_the_frame_is_made_again_when_the_templates_change(settings):
    from jobs import views

    views._frames["jobs"] = ("stale", "", "", "", "")
    settings.TEMPLATES = [{**settings.TEMPLATES[0]}]
    assert "jobs" not in views._frames
