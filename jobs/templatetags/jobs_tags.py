from django import template
from django.utils.http import urlencode

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """This page's query string with some parameters replaced; None or "" drops one."""
    query = context["request"].GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value not in (None, ""):
            query[name] = value
    return "?" + urlencode(sorted(query.lists()), doseq=True) if query else "?"


@register.filter
def salary_range(job) -> str:
    low, high, currency = job.salary_min, job.salary_max, job.salary_currency
    if low is None and high is None:
        return ""
    if low is not None and high is not None and low != high:
        return f"{currency} {low:,}–{high:,}"
    return f"{currency} {(high if low is None else low):,}" + ("+" if high is None else "")
