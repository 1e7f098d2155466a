"""Short extracts of an article with the query's words marked.

Computed directly from the stored plain text and the query's stems, once per result
set, instead of whoosh's per-hit highlighter that re-expands every prefix and fuzzy
term for each hit (the slow tail measured in DESIGN.md).
"""

from __future__ import annotations

import html
from collections.abc import Collection
from dataclasses import dataclass

from kb.search.text import STEMMED

SNIPPET_CHARS = 180


@dataclass(frozen=True)
class Snippet:
    """Pieces of text, each flagged as a match or not; renderable as HTML or plain text."""

    parts: tuple[tuple[str, bool], ...]

    def to_html(self) -> str:
        return "".join(
            f"<b>{html.escape(text)}</b>" if hit else html.escape(text) for text, hit in self.parts
        )

    def to_text(self, mark: str = "**") -> str:
        return "".join(f"{mark}{text}{mark}" if hit else text for text, hit in self.parts)

    @property
    def matched(self) -> bool:
        return any(hit for _, hit in self.parts)


def make_snippet(text: str, terms: Collection[str], width: int = SNIPPET_CHARS) -> Snippet:
    """The window of ``text`` holding the most distinct query terms, with them marked.

    ``terms`` are analysed forms (stems, and unstemmed prefix/fuzzy expansions); a word in
    the text matches when its stem or its lowercase form is among them.
    """
    if not text:
        return Snippet(())
    matches = [
        (token.startchar, token.endchar, token.text)
        for token in STEMMED(text, chars=True, removestops=False)
        if token.text in terms or text[token.startchar : token.endchar].lower() in terms
    ]
    if not matches:
        return Snippet(((_clip(text, 0, width), False),))
    best_start, best_count = matches[0][0], 0
    for i, (start, _, _) in enumerate(matches):
        window = {m[2] for m in matches[i:] if m[1] <= start + width}
        if len(window) > best_count:
            best_start, best_count = start, len(window)
    begin = _word_start(text, max(0, best_start - width // 4))
    end = _word_end(text, min(len(text), begin + width))
    parts: list[tuple[str, bool]] = []
    cursor = begin
    for start, stop, _ in matches:
        if start < begin or stop > end:
            continue
        if start > cursor:
            parts.append((text[cursor:start], False))
        parts.append((text[start:stop], True))
        cursor = stop
    if cursor < end:
        parts.append((text[cursor:end], False))
    if begin > 0:
        parts.insert(0, ("…", False))
    if end < len(text):
        parts.append(("…", False))
    return Snippet(tuple(_flatten_newlines(parts)))


def _clip(text: str, begin: int, width: int) -> str:
    end = _word_end(text, min(len(text), begin + width))
    clipped = text[begin:end].replace("\n", " ")
    return clipped + ("…" if end < len(text) else "")


def _word_start(text: str, index: int) -> int:
    while index > 0 and not text[index - 1].isspace():
        index -= 1
    return index


def _word_end(text: str, index: int) -> int:
    while index < len(text) and not text[index].isspace():
        index += 1
    return index


def _flatten_newlines(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    return [(piece.replace("\n", " "), hit) for piece, hit in parts]
