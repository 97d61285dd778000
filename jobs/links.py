"""A posting's and a company's address, without walking the URL resolver for each one.

`reverse()` costs ~10 µs a call (the resolver's patterns, converters and quoting), and a search
page asks for forty (two links a card), a posting page for nine. The address of a name only
changes with the URLconf and the script prefix, so each worker reverses a name once with
stand-in arguments and fills the real ones into that layout afterwards. Only arguments that
reverse() would write unchanged take this path (digits, and slugs of ASCII letters, digits, `-`
and `_`: nothing to quote); anything else, and any URLconf the layout cannot be read from,
goes through reverse() itself, which answers (or refuses) as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

# Stand-ins no real argument equals; each must appear once in the reversed address.
_NUMBER_PROBE, _SLUG_PROBE = 918273645, "zqx-probe-slug"
_PLAIN = re.compile(r"[-a-zA-Z0-9_]+\Z")


@lru_cache(maxsize=64)
def _layout(name: str, probes: tuple, prefix: str, urlconf) -> tuple[str, ...] | None:
    """The reversed address of `name` split around its arguments, or None (reverse() each time)."""
    address = reverse(name, args=list(probes))
    parts = []
    for probe in map(str, probes):
        head, found, address = address.partition(probe)
        if not found or probe in address:
            return None
        parts.append(head)
    return (*parts, address)


def _fill(name: str, probes: tuple, args: tuple) -> str:
    return _fill_layout(_layout(name, probes, get_script_prefix(), get_urlconf()), name, args)


def _fill_layout(layout: tuple[str, ...] | None, name: str, args: tuple) -> str:
    if layout is None:
        return reverse(name, args=list(args))
    pieces = [layout[0]]
    for arg, rest in zip(args, layout[1:]):
        if isinstance(arg, int) and not isinstance(arg, bool) and arg >= 0:
            text = str(arg)
        elif isinstance(arg, str) and _PLAIN.match(arg):
            text = arg
        else:
            return reverse(name, args=list(args))
        pieces += (text, rest)
    return "".join(pieces)


def address(name: str, *args: int | str) -> str:
    """reverse(name, args=args), for a URL whose arguments are numbers and slugs."""
    return _fill(name, tuple(_NUMBER_PROBE if isinstance(arg, int) else _SLUG_PROBE for arg in args), args)


def job_url(pk: int, slug: str) -> str:
    """reverse("job_detail", args=[pk, slug])."""
    return _fill("job_detail", (_NUMBER_PROBE, _SLUG_PROBE), (pk, slug))


def company_url(slug: str) -> str:
    """reverse("company_detail", args=[slug])."""
    return _fill("company_detail", (_SLUG_PROBE,), (slug,))


def job_urls() -> Callable[[int, str], str]:
    """job_url, for the many postings of one response: the script prefix and URLconf (context
    locals, read twice an address) are read once, by this call."""
    return _filler("job_detail", (_NUMBER_PROBE, _SLUG_PROBE))


def company_urls() -> Callable[[str], str]:
    """company_url, for the many companies of one response (see job_urls)."""
    return _filler("company_detail", (_SLUG_PROBE,))


def addresses(name: str, *kinds: type) -> Callable[..., str]:
    """address(name, …) for arguments of these kinds (int, str), for many calls within one
    response (see job_urls)."""
    return _filler(name, tuple(_NUMBER_PROBE if kind is int else _SLUG_PROBE for kind in kinds))


def _filler(name: str, probes: tuple) -> Callable[..., str]:
    layout = _layout(name, probes, get_script_prefix(), get_urlconf())
    # A posting's address (an id, a slug) and a company's (a slug), forty a search page: the
    # arguments _fill_layout would write unchanged, tested and put in place in one expression
    # (15 -> 5 K instructions an address); anything else goes to _fill_layout as before.
    if layout is not None and probes == (_NUMBER_PROBE, _SLUG_PROBE):
        head, middle, tail = layout

        def number_and_slug(number, slug) -> str:
            if type(number) is int and number >= 0 and type(slug) is str and _PLAIN.match(slug):
                return f"{head}{number}{middle}{slug}{tail}"
            return _fill_layout(layout, name, (number, slug))

        return number_and_slug
    if layout is not None and probes == (_SLUG_PROBE,):
        head, tail = layout

        def slug_only(slug) -> str:
            if type(slug) is str and _PLAIN.match(slug):
                return f"{head}{slug}{tail}"
            return _fill_layout(layout, name, (slug,))

        return slug_only
    if layout is not None and probes == (_NUMBER_PROBE,):
        head, tail = layout

        def number_only(number) -> str:
            if type(number) is int and number >= 0:
                return f"{head}{number}{tail}"
            return _fill_layout(layout, name, (number,))

        return number_only
    return lambda *args: _fill_layout(layout, name, args)


@receiver(setting_changed)
def _forget_layouts(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":  # tests; a running site never changes it
        _layout.cache_clear()
