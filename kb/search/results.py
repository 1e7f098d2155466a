"""What a search answers: plain data, so the window and the command line can show it."""

from __future__ import annotations

from dataclasses import dataclass

from kb.article import Status
from kb.search.snippets import Snippet


@dataclass(frozen=True)
class SearchHit:
    slug: str
    title: str
    category: str
    score: float
    snippet: Snippet
    status: Status


@dataclass(frozen=True)
class SearchResults:
    text: str
    hits: tuple[SearchHit, ...]
    total: int
    widened: bool  # misspellings were widened to nearby words
