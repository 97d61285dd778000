"""Slots in kept markup filled by jobs_tags.sub_slots: the same text as the regular expression's
own sub() gives, for the slot patterns the pages use and for markup that only looks like them."""

import random
import re

import pytest

from jobs.templatetags.jobs_tags import sub_slots

PATTERNS = [
    (re.compile(r"<!--ago:(-?\d+)-->"), "<!--ago:"),
    (re.compile(r"<!--track(-form)?:(\d+)-->"), "<!--track"),
]
PIECES = ["<!--ago:", "<!--ago:12-->", "<!--ago:-5-->", "<!--ago:x-->", "<!--ago:<!--ago:7-->", "<!--track:42-->",
          "<!--track-form:42-->", "<!--track-form:-->", "<!--trac", "<!--track:9", "-->", "<li>Ünïcode · ✓</li>",
          "text", "", "<!--", "<!--ago:1--><!--ago:2-->"]


def fill(match) -> str:
    return f"[{'|'.join(group or '' for group in match.groups())}]"


@pytest.mark.parametrize(("pattern", "prefix"), PATTERNS)
def test_it_fills_what_the_patterns_sub_fills(pattern, prefix):
    rng = random.Random(11)
    for _ in range(3000):
        markup = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12)))
        assert sub_slots(pattern, prefix, markup, fill) == pattern.sub(fill, markup), markup


def test_markup_without_a_slot_comes_back_as_it_is():
    markup = "<p>nothing to fill</p>" * 100
    assert sub_slots(*PATTERNS[0], markup, fill) is markup
