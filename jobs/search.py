"""What a seeker typed, turned into the text-search queries the catalogue is matched with.

Two documents per posting (PostgreSQL, kept by triggers, migrations 0002 and 0010):
- `search_vector`: title, company, skills and description, stemmed ('english');
- `search_title`: title (weight A) and skill names (B), both as words ('simple') and as
  stems ('english'), technology names that carry symbols written as one word first
  (normalise_symbols), so "c++", "c#", ".net" and "node.js" are words of their own and an
  exact word is told from its stem.

A query is parsed once (words, "quoted phrases", -exclusions, like websearch_to_tsquery),
each word normalised the same way and widened by the admin-editable aliases (SearchAlias:
"golang" -> "go", "k8s" -> "kubernetes", "sr" -> "senior"), then written out as to_tsquery
text for both configurations. The relevance tiers in jobs/selectors.py rank on them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

# Technology names the default parser splits or drops, as one token each. The same rules,
# in PostgreSQL's regex dialect, build the document side (migration 0010's
# jobs_search_terms); a test searches for each on a real posting to keep the two in step.
SYMBOL_RULES: tuple[tuple[str, str], ...] = (
    (r"c\+\+", "cplusplus"),
    (r"c#", "csharp"),
    (r"f#", "fsharp"),
    (r"\.net\b", " dotnet"),
    (r"(?<=[a-z0-9])\.js\b", "js"),
)
SYMBOL_TOKENS = frozenset({"cplusplus", "csharp", "fsharp", "dotnet"})
_SYMBOLS = [(re.compile(pattern), replacement) for pattern, replacement in SYMBOL_RULES]
T = TypeVar("T")
_TOKEN_RE = re.compile(r"[a-z0-9]+")
# A word, or words joined by slashes ("ci/cd", "tcp/ip", "a/b", "24/7"): PostgreSQL's parser
# reads the joined form as one token (a file path), so a document holds 'ci/cd', never 'ci' and
# 'cd', and a query for the words alone found nothing.
_UNIT_RE = re.compile(r"[a-z0-9]+(?:/[a-z0-9]+)*")
_TERM_RE = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')


def normalise_symbols(text: str) -> str:
    text = text.lower()
    for pattern, replacement in _SYMBOLS:
        text = pattern.sub(replacement, text)
    return text


def tokens(text: str) -> list[str]:
    return _TOKEN_RE.findall(normalise_symbols(text))


def plain_terms(text: str) -> list[tuple[bool, str]]:
    """Split a query the way websearch_to_tsquery reads it: words, "quoted phrases", -exclusions."""
    terms = []
    for match in _TERM_RE.finditer(text):
        negated, phrase = (match.group(1), match.group(2)) if match.group(2) is not None else (match.group(3), match.group(4))
        phrase = phrase.strip()
        if phrase and phrase.lower() != "or":
            terms.append((bool(negated), phrase))
    return terms


@dataclass(frozen=True)
class ParsedQuery:
    """to_tsquery text for each document; empty strings when nothing searchable was typed."""

    simple: str  # exact words: 'simple' over search_title (title or skills)
    title: str  # the same, title only (weight A)
    english: str  # stems: 'english' over search_vector (anywhere) or search_title (title, skills); no aliases
    # An alias or a technology name widened the query: the exact side (search_title) can match
    # what the stemmed document cannot, so a posting matches either. Otherwise the stemmed
    # document alone decides the match, with the plans (and costs) it always had.
    widened: bool = False

    def __bool__(self) -> bool:
        return bool(self.simple)

    @property
    def excludes(self) -> bool:
        """Whether the query excludes a word or phrase ("-sales")."""
        return "!" in self.simple


def _lexeme(token: str, weights: str) -> str:
    return f"{token}:{weights}" if weights else token


def _alternative(token: str, aliases: dict[str, str], weights: str) -> str:
    """A token, or (token | its expansion) when an alias widens it; a phrase expansion keeps its order."""
    options = [_lexeme(token, weights)]
    expansion = tokens(aliases.get(token, ""))
    if expansion and expansion != [token]:
        options.append(" <-> ".join(_lexeme(word, weights) for word in expansion))
    return options[0] if len(options) == 1 else "(" + " | ".join(options) + ")"


def _units(phrase: str) -> list[list[str]]:
    """A phrase's words (tokens), grouped where slashes join them: "CI/CD pipelines" ->
    [["ci", "cd"], ["pipelines"]]."""
    return [unit.split("/") for unit in _UNIT_RE.findall(normalise_symbols(phrase))]


def _unit_text(words: list[str], aliases: dict[str, str], weights: str) -> str:
    """A word, or slash-joined words as the documents hold them ('ci/cd', one token) or as
    words in a row (a posting that wrote "CI and CD" spaced out, or "ci cd"). The joined form is
    quoted: [a-z0-9/] only, so it cannot carry tsquery syntax, and to_tsquery reads it with the
    parser the documents were written with."""
    spaced = " <-> ".join(_alternative(word, aliases, weights) for word in words)
    if len(words) == 1:
        return spaced
    joined = "'" + "/".join(words) + "'"
    return f"({_lexeme(joined, weights)} | {spaced})"


def _query_text(terms: list[tuple[bool, list[list[str]]]], aliases: dict[str, str], weights: str = "") -> str:
    parts = []
    for negated, units in terms:
        expression = " <-> ".join(_unit_text(words, aliases, weights) for words in units)
        if len(units) > 1:
            expression = f"({expression})"
        parts.append(f"!{expression}" if negated else expression)
    return " & ".join(parts)


def parse_query(text: str, aliases: dict[str, str] | None = None) -> ParsedQuery:
    """The to_tsquery texts for what a seeker typed. Tokens are [a-z0-9]+ only, so no
    input can inject tsquery syntax; whole-phrase aliases ("machine learning" <- "ml") too.

    Within aliases_read_once, a text parsed with the aliases it read is parsed once: a page
    parses its query four times or more (the match, the tiers, the total's tiers, the snippet)."""
    kept = getattr(_read_once, "aliases", None)
    if kept and aliases is kept["aliases"]:
        parsed = kept.setdefault("parsed", {})
        if text not in parsed:
            parsed[text] = _parse_query(text, aliases)
        return parsed[text]
    return _parse_query(text, aliases)


def _parse_query(text: str, aliases: dict[str, str] | None) -> ParsedQuery:
    aliases = aliases or {}
    phrases = plain_terms(text)
    terms = [(negated, units) for negated, phrase in phrases if (units := _units(phrase))]
    if not any(not negated for negated, _ in terms):
        return ParsedQuery("", "", "")
    widened = any(normalise_symbols(phrase) != phrase.lower() for _, phrase in phrases) or any(
        word in aliases or word in SYMBOL_TOKENS or word.endswith("js")
        for _, units in terms for words in units for word in words)
    return ParsedQuery(
        simple=_query_text(terms, aliases),
        title=_query_text(terms, aliases, "A"),
        # Expansions stay on the small title document: a phrase such as "chief financial
        # officer" over every description would recheck thousands of rows.
        english=_query_text(terms, {}),
        widened=widened,
    )


ALIASES_TIMEOUT = 60 * 60
_read_once = threading.local()


@contextmanager
def aliases_read_once() -> Iterator[None]:
    """Within it current_aliases() reads the aliases once and keeps them: one search parses its
    query in four places (the match, the total's tiers, the page's tiers, the snippet), and each
    read them again: a cache read each, and with the cache cold (an admin edit or a new posting
    bumps the generation) a statement each. Thread-local; nested scopes share the outer one."""
    if getattr(_read_once, "aliases", None) is not None:
        yield
        return
    _read_once.aliases = {}
    try:
        yield
    finally:
        _read_once.aliases = None


def page_scope() -> dict | None:
    """What the enclosing aliases_read_once() scope (one page) keeps, for other reads made once
    a page to keep theirs beside the aliases; None outside one."""
    return getattr(_read_once, "aliases", None)


def once_a_page(key: tuple, compute: Callable[[], T]) -> T:
    """compute()'s answer, kept in the page scope under `key` and read from there by the page's
    later calls; outside a page scope, computed on every call."""
    scope = page_scope()
    if scope is None:
        return compute()
    if key not in scope:
        scope[key] = compute()
    return scope[key]


def current_aliases() -> dict[str, str]:
    """term -> expansion from SearchAlias, cached per catalogue generation (an admin edit bumps it)."""
    kept = getattr(_read_once, "aliases", None)
    if kept and "aliases" in kept:
        return kept["aliases"]
    aliases = _current_aliases()
    if kept is not None:
        kept["aliases"] = aliases
    return aliases


def _current_aliases() -> dict[str, str]:
    from jobs import cache as jobs_cache
    from jobs.models import SearchAlias

    key = f"jobs:aliases:{jobs_cache.catalogue_generation()}"
    return jobs_cache.cached_value(key, ALIASES_TIMEOUT, lambda: {
        " ".join(tokens(term)): expansion for term, expansion in SearchAlias.objects.values_list("term", "expansion")
    }, layer="search-aliases")
