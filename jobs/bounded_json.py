"""JSON from outside, with its nesting bounded.

Python's parser recurses once per level: a document nested a few hundred levels deep inside an
already deep stack (a web request) raises RecursionError, which nothing expects, so the
request 500s. Here any document nested deeper than MAX_DEPTH is a ValueError like any other
malformed input. Used by the API's parser and by import_jobs' JSON Lines reader; it is in the
bottom layer so both can use it.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32


class TooDeep(ValueError):
    pass


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in item if isinstance(child, (dict, list)))
    return deepest


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads, refusing documents nested deeper than `max_depth` with TooDeep (a ValueError)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep(f"it is nested too deeply (more than {max_depth} levels)") from None
    # Counting brackets is C-speed; only a document with many of them is walked.
    brackets = text.count(b"[" if isinstance(text, bytes) else "[") + text.count(b"{" if isinstance(text, bytes) else "{")
    if brackets > max_depth and _depth(value) > max_depth:
        raise TooDeep(f"it is nested too deeply (more than {max_depth} levels)")
    return value
