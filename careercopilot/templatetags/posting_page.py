"""A posting's own page, the parts printed in Python (jobs/detail.html).

Half the crowd's pages are postings seen for the first time, so the page is built on a miss
over and over. Its title, summary, header facts, skills, description and company were some
sixty template nodes, each a lookup that first tries `job["title"]` (an exception), then the
attribute, then escapes it: about half the page's render. Here they are one pass of f-strings over the same values, escaped
as the template escaped them; `test_posting_page.py` holds the markup equal to what the
template printed for postings of every shape.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import urlencode
from django.utils.safestring import mark_safe

from careercopilot.templatetags.listings import JOB_TYPES, REMOTE_POLICIES, choice_label, place_and_policy
from careercopilot.templatetags.ui import first_words, icon, markdown, salary, time_tags
from jobs.links import address
from jobs.models import Job
from jobs.templatetags.jobs_tags import escaped as _e, salary_in_usd, skill_links

register = template.Library()

# What get_FOO_display() says for each value (it builds this dict from the field's choices on every
# call); the remote policies and job types are the cards' (listings).
_LEVELS = dict(Job.ExperienceLevel.choices)

_APPLY = ('\n      <p class="apply"><a class="button" href="{}" target="_blank" rel="noopener noreferrer nofollow">'
          'Apply on their site <span aria-hidden="true">↗</span><span class="visually-hidden">(opens in a new tab)</span></a></p>\n    ')


@register.simple_tag
def posting_summary(job: Job):
    """The page's meta description: title, company, place, policy and the description's first 30 words."""
    place = f", {_e(job.location)}" if job.location else ""
    return mark_safe(  # noqa: S308 (every value escaped)
        f"{_e(job.title)} at {_e(job.company.name)}{place} ({_e(choice_label(REMOTE_POLICIES, job.remote_policy))}). "
        f"{_e(first_words(job.description, 30))}")


@register.simple_tag
def posting_facts(job: Job):
    """The header's title, facts, pay, dates, the closed notice and the link to apply."""
    company = job.company
    parts = [
        f'<h1>{_e(job.title)}</h1>\n    <ul class="meta">\n'
        f'      <li>{icon("building")}<a href="{_e(company.get_absolute_url())}">{_e(company.name)}</a></li>\n'
        f'      <li>{icon("pin")}{place_and_policy(job)}</li>\n'
        f'      <li>{_e(choice_label(JOB_TYPES, job.job_type))}</li>\n'
        f'      <li>{_e(choice_label(_LEVELS, job.experience_level))}</li>\n    </ul>\n    '
    ]
    if pay := salary(job):
        usd = salary_in_usd(job)
        parts.append(f'<p class="salary">{_e(pay)}' + (f' <span class="muted">({_e(usd)})</span>' if usd else "") + "</p>")
    time_tag = time_tags()  # the zone, language and clock read once for the page's two dates
    closes = f" · closes {time_tag(job.expires_at)}" if job.expires_at else ""
    parts.append(f'\n    <p class="muted">Posted {time_tag(job.posted_at)}{closes}</p>\n    ')
    is_open = job.is_open
    if not is_open:
        parts.append('<p class="message warning" role="status">This posting is closed.</p>')
    parts.append("\n    ")
    if job.apply_url and is_open:
        parts.append(_APPLY.format(_e(job.apply_url)))
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped)


@register.simple_tag
def posting_title(job: Job):
    return mark_safe(f"{_e(job.title)} at {_e(job.company.name)}")  # noqa: S308 (every value escaped)


@register.simple_tag
def log_in_to_track(path: str):
    """The anonymous visitor's way to the Track button: log in, then back to this page."""
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<p><a href="{_e(address("login"))}?next={_e(urlencode(path))}">Log in</a> to track this job.</p>')


@register.simple_tag
def posting_about(job: Job):
    """The posting's skills (each a link to its search), its description and its company."""
    parts = ["  "]
    if skills := job.skill_list:
        parts.append(f'\n    <section aria-labelledby="h-skills"><h2 id="h-skills">Skills</h2>\n'
                     f'      <ul class="tags">{skill_links(skills)}</ul>\n    </section>\n  ')
    company = job.company
    name = _e(company.name)
    parts.append(f'\n\n  <section class="description" aria-labelledby="h-about">\n    <h2 id="h-about">About the job</h2>\n'
                 f'    {_e(markdown(job.description))}\n  </section>\n\n'
                 f'  <section aria-labelledby="h-company"><h2 id="h-company">About {name}</h2>\n    ')
    if company.description:
        parts.append(f"<p>{_e(first_words(company.description, 60))}</p>")
    website = f' · <a href="{_e(company.website)}" rel="nofollow noopener">Website</a>' if company.website else ""
    parts.append(f'\n    <p><a href="{_e(company.get_absolute_url())}">All open jobs at {name}</a>{website}</p>\n  </section>')
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped)
