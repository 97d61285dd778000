"""What the board and the table show, read from the page itself: both come assembled from the
cache (applications/cards.py), so the markup is what there is to check."""

from __future__ import annotations

import html
import re


def table_titles(response) -> list[str]:
    body = response.content.decode()
    return [html.unescape(title) for title in re.findall(r'<td class="title"><a href="[^"]*">(.*?)</a></td>', body)]


def table_ids(response) -> list[int]:
    body = response.content.decode()
    return [int(pk) for pk in re.findall(r'<td class="title"><a href="/applications/(\d+)/">', body)]


def board_cards(response) -> dict[str, list[int]]:
    """The ids of the cards in each column, top to bottom, by status."""
    body = response.content.decode()
    columns = re.findall(r'<section class="board-column[^"]*" data-status="(\w+)".*?</section>', body, re.S)
    sections = re.split(r'(?=<section class="board-column)', body)[1:]
    return {status: [int(pk) for pk in re.findall(r'<li class="card" id="card-(\d+)"', section)]
            for status, section in zip(columns, sections, strict=True)}
