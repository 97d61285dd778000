"""How pages say dates, salaries, snippets and descriptions (careercopilot/templatetags/ui.py)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone

from careercopilot.templatetags.ui import ago, first_words, markdown, salary, sentence_start, when

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def pay(low, high, currency="USD", period="year"):
    return SimpleNamespace(salary_min=low, salary_max=high, salary_currency=currency, salary_period=period)


def test_it_writes_every_moment_one_way_in_the_seekers_zone():
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        assert when(NOW) == "1 Dec 2026, 21:00"
        assert when(dt.date(2026, 12, 3)) == "3 Dec 2026"
        assert when("2026-12-03") == "3 Dec 2026"
        html = Template("{% load ui %}{% time_tag moment %}").render(Context({"moment": NOW}))
    assert html == '<time datetime="2026-12-01T21:00:00+09:00" title="1 Dec 2026, 21:00 JST">1 Dec 2026, 21:00</time>'
    assert when(None) == ""


@pytest.mark.parametrize(("before", "text"), [
    (dt.timedelta(seconds=20), "just now"),
    (dt.timedelta(minutes=5), "5 min ago"),
    (dt.timedelta(hours=3), "3 h ago"),
    (dt.timedelta(days=1), "1 day ago"),
    (dt.timedelta(days=22), "3 weeks ago"),
    (dt.timedelta(days=130), "4 months ago"),
    (dt.timedelta(days=800), "2 years ago"),
    (-dt.timedelta(days=2), "in 2 days"),
])
def test_it_says_relative_times_short(before, text):
    assert ago(NOW - before, NOW) == text


@pytest.mark.parametrize(("given", "text"), [
    (pay(120_000, 150_000), "$120k–150k a year"),
    (pay(60_000, 80_000, "EUR"), "€60k–80k a year"),
    (pay(60_000, None, "GBP"), "£60k+ a year"),
    (pay(None, 90_000), "$90k a year"),
    (pay(45, 60, period="hour"), "$45–60 an hour"),
    (pay(900, 1_200, period="week"), "$900–1,200 a week"),
    (pay(150_000_000, 181_000_000, "KRW"), "KRW 150M–181M a year"),
    (pay(62_500, 62_500, "CHF"), "CHF 62.5k a year"),
    (pay(None, None), ""),
])
def test_it_says_salary_ranges_as_people_do(given, text):
    assert salary(given) == text


def test_an_application_without_its_own_figures_shows_its_postings():
    job = pay(70_000, 90_000)
    application = SimpleNamespace(salary_min=None, salary_max=None, salary_currency="", job_id=1, job=job)
    assert salary(application) == "$70k–90k a year"


def test_a_snippet_starts_at_a_sentence_before_the_first_match():
    assert sentence_start("… the team. We ship <mark>Django</mark> code.") == "We ship <mark>Django</mark> code."
    # A match before any sentence break is never cut away.
    assert sentence_start("… of <mark>Django</mark> code. More.") == "… of <mark>Django</mark> code. More."
    # Markdown's markers are not read out as text.
    assert sentence_start("We build the **pipeline**. ## What you do - Own it") == "We build the pipeline. What you do Own it"


def test_a_snippet_loses_the_same_markdown_markers_as_the_rule_it_was_written_as():
    # The markers' regex is written for speed (ui._MARKDOWN_MARKS); every string of up to five
    # characters of these, markers, spaces of three kinds and text, loses what the plain rule took.
    import itertools
    import re

    from careercopilot.templatetags.ui import _MARKDOWN_MARKS

    plain = re.compile(r"(?:(?<=\s)|^)#{1,6}\s+|\*\*|__|(?:(?<=\s)|^)[-*+]\s+(?=\S)")
    alphabet = "#*_-+ \n\u00a0a"
    for size in range(6):
        for characters in itertools.product(alphabet, repeat=size):
            text = "".join(characters)
            assert _MARKDOWN_MARKS.sub("", text) == plain.sub("", text), repr(text)
    text = "## Role\n\n- Build **things** - fast\n* one\n+ two ###### Six __x__ a-b 3+ years #hash"
    assert _MARKDOWN_MARKS.sub("", text) == plain.sub("", text) == "Role\n\nBuild things fast\none\ntwo Six x a-b 3+ years #hash"

def test_a_description_keeps_its_structure_and_loses_any_markup_it_carried():
    html = markdown("We **build** things.\n\n## Duties\n\n- Code\n- Review\n\n<script>alert(1)</script>"
                    '<img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a> <a href="https://a.example">a</a>')
    assert "<strong>build</strong>" in html and "<h3>Duties</h3>" in html and "<li>Code</li>" in html
    assert "<script" not in html and "alert(1)" not in html.replace('href="javascript:alert(1)"', "") and "<img" not in html
    assert "javascript:" not in html
    assert '<a href="https://a.example" rel="nofollow noopener noreferrer">a</a>' in html



# Markdown's marks, entities, raw HTML and the characters html5ever rewrites, strung together.
_MARKDOWN_PIECES = [
    "#", "##", "###", "####", "######", "*", "**", "_", "-", "+", "1.", "2)", ">", "`", "```", "```py", "    ", "\n", "\n\n",
    " ", " ", "a", "word", "and", "&", "&amp;", "&quot;", "&copy;", '"', "'", "<", ">", "<b>", "</b>", "<em>", "<p>", "<script>",
    "[x](http://e.com)", "[y](javascript:alert(1))", "![i](x.png)", "<http://a.b>", "\\", "  \n", "---", "===", "***", "\t", "\r",
    "\r\n", "\xa0", "\x00", "\x0c", "é", "😀", "<!-- c -->", "|", "~~", "&#65;", "&nbsp;", "&lt;", "&gt;", "- a\n- b",
    "- a\n\n- b", "1. a\n2. b", "> q", "\u2028", "\ufeff",
]


@pytest.mark.parametrize("seed", range(4))
def test_a_description_that_skips_the_sanitiser_is_what_the_sanitiser_gives(seed):
    import random

    import cmarkgfm
    from cmarkgfm.cmark import Options

    from careercopilot.templatetags.ui import _CLEANER, _HEADING

    rng = random.Random(seed)
    # Half of them without what always sends a description through nh3, so both paths are walked often.
    pieces = _MARKDOWN_PIECES if seed % 2 else [p for p in _MARKDOWN_PIECES if not set(p) & set('<&"\r\xa0\x00')]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        html = cmarkgfm.markdown_to_html(_HEADING.sub("###", text), options=Options.CMARK_OPT_UNSAFE)
        assert markdown(text) == _CLEANER.clean(html), repr(text)


def test_a_plain_description_skips_the_sanitiser(monkeypatch):
    from careercopilot.templatetags import ui

    class Refusing:
        def clean(self, html):
            raise AssertionError("nh3 called")

    monkeypatch.setattr(ui, "_CLEANER", Refusing())
    html = markdown("About Pipes & Co\n\n## The role\n\n- Build *things*\n- Review **code** it's `fine`\n\n1. one\n\n> quoted")
    assert html == ("<p>About Pipes &amp; Co</p>\n<h3>The role</h3>\n<ul>\n<li>Build <em>things</em></li>\n"
                    "<li>Review <strong>code</strong> it's <code>fine</code></li>\n</ul>\n<ol>\n<li>one</li>\n</ol>\n"
                    "<blockquote>\n<p>quoted</p>\n</blockquote>\n")
    with pytest.raises(AssertionError, match="nh3 called"):
        markdown("[a link](https://example.com)")

@pytest.mark.parametrize("text", [
    "", "one", "  one  two\n\nthree\tfour  ", "a b c", "a b c d", "a b c …", "a b c d …", "a b c\n d e f",
    "<b>bold</b> & more words here", " ".join(f"word{n}" for n in range(300)),
])
@pytest.mark.parametrize("count", [0, 1, 3, 4, 30])
def test_first_words_says_what_truncatewords_says(text, count):
    from django.template.defaultfilters import truncatewords

    assert first_words(text, count) == truncatewords(text, count)
