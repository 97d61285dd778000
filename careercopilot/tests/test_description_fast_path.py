"""The description filter's fast path (careercopilot/templatetags/ui.py `_plain_markdown`) makes
exactly what python-markdown and nh3 make, or steps aside."""

import markdown as markdown_lib
import nh3
from hypothesis import given, settings, strategies as st

from careercopilot.templatetags import ui
from demo import data as demo_data


def full_markdown(text: str) -> str:
    html = markdown_lib.markdown(ui._HEADING.sub("###", text), extensions=["sane_lists"], output_format="html")
    return nh3.clean(html, tags=ui._TAGS, attributes={"a": {"href"}}, link_rel="nofollow noopener noreferrer",
                     url_schemes={"http", "https", "mailto"})


SEEDED_LIKE = """About Apex Cloud

Apex Cloud is a cloud hosting company founded in 2003. Our platform serves 5,000 customers across 49 countries.

What you'll do

- Feed customer insights back to product and marketing
- 3+ years of experience as a "Business Development Manager" (or similar: 0-2 years)

What we offer

- Competitive salary, 100% remote; café culture — €45k/year"""


def test_a_description_of_paragraphs_and_dash_lists_takes_the_fast_path_with_the_same_html():
    fast = ui._plain_markdown(SEEDED_LIKE)
    assert fast is not None and fast == full_markdown(SEEDED_LIKE)
    assert str(ui.markdown(SEEDED_LIKE)) == full_markdown(SEEDED_LIKE)


def test_the_demo_catalogues_lines_take_the_fast_path_with_the_same_html():
    items = [*demo_data.REQUIREMENTS, *demo_data.BENEFITS, *demo_data.NICE_TO_HAVES,
             *(duty for field in demo_data.FIELDS for duty in field.duties)]
    paragraphs = [*demo_data.CLOSINGS, *(intro.format(a_title="a Data Engineer", company="Acme", team="Platform")
                                         for intro in demo_data.ROLE_INTROS)]
    text = "\n\n".join(["\n".join(f"- {item}" for item in items), *paragraphs])
    assert ui._plain_markdown(text) == full_markdown(text)


def test_markup_leaves_the_fast_path_for_markdown():
    for text in ("Some *emphasis*", "A [link](https://example.com)", "<script>x</script>", "## Heading", "1. first\n2. second",
                 "- item\n  - nested", "Line with break  \nnext", "R&D", "Para\n---", "> quoted", "    code", "- 1. odd item",
                 "Tom\u00a0Jones", "a_b", "`code`", "Para\n- item"):
        assert ui._plain_markdown(text) is None, text
        assert str(ui.markdown(text)) == full_markdown(text)


# Plain lines (the fast path's) and lines with anything markup could start with, mixed.
PLAIN = st.text(alphabet=st.sampled_from(list("ab XY09.,;:'\"()%/+-!?é€—")), min_size=0, max_size=30)
ANY = st.text(alphabet=st.sampled_from(list("abc XYZ09.,;:'\"()%/+-#=>|*_`[]<>&\\!?é€—\t\u00a0")), min_size=0, max_size=30)
LINE = st.one_of(PLAIN, ANY)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(LINE, LINE.map(lambda line: "- " + line), st.just("")), min_size=1, max_size=8))
def test_any_text_takes_the_fast_path_only_with_markdowns_own_answer(lines):
    text = "\n".join(lines)
    fast = ui._plain_markdown(text)
    if fast is not None:
        assert fast == full_markdown(text)
