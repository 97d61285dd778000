from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.5714 → "57%"; None (nothing to divide by) → "—", never a made-up 0%."""
    return "—" if value is None else f"{value:.0%}"


@register.filter
def days(value) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} day" if round(value, 1) == 1 else f"{value:.1f} days"
