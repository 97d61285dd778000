"""Job cards, the list item every list of postings shows (search, home page, company page).

Printed in Python rather than by including a card template twenty times: the include and its
thirty-odd variables, filters and tags cost ~210 µs a card, 5 ms of a search page's 6.5 ms
render on a cache miss. The markup is what the card template (jobs/_job_card.html, gone) printed,
byte for byte, and every value goes through conditional_escape as the template's autoescape did.
"""

from __future__ import annotations

from django import template
from django.utils.functional import Promise
from django.utils.safestring import mark_safe

from applications.templatetags.applications_tags import track_buttons
from careercopilot.templatetags.ui import icon, salary, sentence_start, time_tags
from jobs.links import company_urls, job_urls
from jobs.models import Job
from jobs.templatetags.jobs_tags import escaped, salary_in_usd

register = template.Library()

REMOTE_POLICIES = dict(Job.RemotePolicy.choices)
JOB_TYPES = dict(Job.JobType.choices)
_e = escaped  # the cards' name for it


def choice_label(choices: dict, value) -> str:
    """get_FOO_display(), from the choices read once."""
    label = choices.get(value, value)
    return str(label) if isinstance(label, Promise) else label


def place_and_policy(job, policies: dict | None = None) -> str:
    """Where, escaped: the location and the remote policy, "Remote" once (a location that only
    says remote is the policy already). `policies`: the policies' labels escaped (_Page's)."""
    location = job.location
    policy = policies.get(job.remote_policy) if policies else None
    if policy is None:
        policy = _e(choice_label(REMOTE_POLICIES, job.remote_policy))
    if location and str(location).lower() not in ("remote", "anywhere"):
        return f"{_e(location)} · {policy}"
    return policy


def _escaped_labels(choices: dict) -> dict:
    return {value: _e(choice_label(choices, value)) for value in choices}


class _Page:
    """What every card of one page shares, looked up once per page: whether the markup is kept for
    every seeker (`keep`: slots for the Track button and the relative time, filled per response),
    the Track buttons for the visitor and the postings they track (`tracked`), the addresses'
    layouts, and the zone, language and time the dates are written in (context locals, read
    several times a card when each card asked for them)."""

    def __init__(self, context, *, show_track: bool):
        self.keep = context.get("keep")
        self.track = None
        if show_track and not self.keep:
            self.track = track_buttons(context, context.get("tracked", ""))
        self.job_url, self.company_url = job_urls(), company_urls()
        self.time_tag = time_tags("slot" if self.keep else "ago")
        # The labels in the page's language and the icons, escaped once, as plain strings (a safe
        # string put in an f-string costs a call to its __str__): ~8 K instructions a card.
        self.policies, self.job_types = _escaped_labels(REMOTE_POLICIES), _escaped_labels(JOB_TYPES)
        self.icons = {name: str.__str__(icon(name)) for name in ("building", "pin", "money", "clock")}


def job_card(context, job, *, show_skills: bool = False, show_track: bool = False, page: _Page | None = None) -> str:
    """One card. `context` gives what the page decides for every card: `keep` (markup kept for
    every seeker: slots for the Track button and the relative time, filled per response) and
    `tracked` (the visitor's tracked postings, for the Track button); `page`, that already looked up."""
    page = page or _Page(context, show_track=show_track)
    icons = page.icons
    pay = salary(job)
    if pay:
        usd = salary_in_usd(job)
        usd = f' <span class="salary-usd">({_e(usd)})</span>' if usd else ""
        pay = f"<li>{icons['money']}{_e(pay)}{usd}</li>"
    snippet = getattr(job, "snippet_html", None)
    # sentence_start's answer is markup already (a safe string): nothing for escaping to do.
    snippet = f'<p class="snippet">{str.__str__(sentence_start(snippet))}</p>' if snippet else ""
    track = ""
    if show_track:
        track = f"<!--track:{job.pk}-->" if page.keep else page.track(job)
        track = f"<div>{track}</div>"
    skills = getattr(job, "skill_list", None) if show_skills else None
    skills = ('<ul class="tags" aria-label="Skills">'
              + "".join(f"<li>{_e(skill.name)}</li>" for skill in skills) + "</ul>") if skills else ""
    company = job.company
    job_type = page.job_types.get(job.job_type)
    if job_type is None:
        job_type = _e(choice_label(JOB_TYPES, job.job_type))
    return (
        '<li class="job-card">\n'
        f'  <a class="job-title" href="{_e(page.job_url(job.pk, job.slug))}"><strong>{_e(job.title)}</strong></a>\n'
        '  <ul class="meta">\n'
        f'    <li>{icons["building"]}<a href="{_e(page.company_url(company.slug))}">{_e(company.name)}</a></li>\n'
        "    \n"
        f'    <li>{icons["pin"]}{place_and_policy(job, page.policies)}</li>\n'
        f"    <li>{job_type}</li>\n"
        f"    {pay}\n"
        f'    <li>{icons["clock"]}{page.time_tag(job.posted_at)}</li>\n'
        "  </ul>\n"
        f"  {snippet}\n"
        f"  {track}\n"
        f"  {skills}\n"
        "</li>\n"
    )


@register.simple_tag(takes_context=True)
def job_cards(context, jobs, show_skills: bool = False, show_track: bool = False):
    """The cards of `jobs`, in order (what `{% for job in jobs %}{% include "jobs/_job_card.html" %}`
    printed)."""
    if not jobs:
        return mark_safe("")
    page = _Page(context, show_track=show_track)
    return mark_safe("".join(  # noqa: S308 (every value escaped in job_card)
        job_card(context, job, show_skills=show_skills, show_track=show_track, page=page) for job in jobs))
