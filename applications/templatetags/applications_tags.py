"""Template tags that let pages of lower apps show a seeker's pipeline without importing it.

The job page (a `jobs` template) asks `{% tracked_application job as application %}`; `jobs`
itself never learns that applications exist.
"""

from django import template

from applications.models import Application

register = template.Library()


@register.simple_tag(takes_context=True)
def tracked_application(context, job) -> Application | None:
    """The visitor's application for this posting (one query), or None for anonymous visitors."""
    user = context["request"].user
    if not user.is_authenticated:
        return None
    return Application.objects.of(user).filter(job=job).only("status").first()
