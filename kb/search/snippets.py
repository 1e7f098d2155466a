"""Short extracts of an article with the query's words marked.

Computed directly from the stored plain text and the query's terms, once per result
set, instead of whoosh's per-hit highlighter that re-expands every prefix and fuzzy
term for each hit (the slow tail the search benchmark measured). Ten hits of 600 words each
are 6,000 words per keystroke, so words are not examined one by one: the distinct
words of the text are checked against the terms (a few hundred cached stem lookups),
and one regex of the matching words finds every place they occur, at C speed.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from kb.search.text import WORD, stem_word

SNIPPET_CHARS = 180
# A snippet never extends by more than this to avoid cutting a word in half.
WORD_REACH = 40


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
    matches = _matches(text, terms) if terms else []
    if not matches:
        return Snippet(((_clip(text, 0, width), False),))
    begin = _word_start(text, max(0, _best_start(matches, width) - width // 4))
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


def _matches(text: str, terms: Collection[str]) -> list[tuple[int, int, str]]:
    """(start, end, matched term) of every word in ``text`` whose form is in ``terms``."""
    wanted: dict[str, str] = {}
    for word in set(WORD.findall(text)):
        lower = word.lower()
        if lower in terms:
            wanted[word] = lower
        elif (stem := stem_word(lower)) in terms:
            wanted[word] = stem
    if not wanted:
        return []
    # Longest first so that a word is never matched as the prefix of a longer one.
    alternatives = "|".join(re.escape(w) for w in sorted(wanted, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
    return [(m.start(), m.end(), wanted[m.group()]) for m in pattern.finditer(text)]


def _best_start(matches: list[tuple[int, int, str]], width: int) -> int:
    """Where the ``width``-character window with the most distinct terms starts (one pass)."""
    best_start, best_count = matches[0][0], 0
    inside: Counter[str] = Counter()
    end = 0  # matches[i:end] lie in the window starting at matches[i]
    for i, (start, _, _) in enumerate(matches):
        end = max(end, i)
        while end < len(matches) and matches[end][1] <= start + width:
            inside[matches[end][2]] += 1
            end += 1
        if len(inside) > best_count:
            best_start, best_count = start, len(inside)
        if end > i:
            term = matches[i][2]
            inside[term] -= 1
            if not inside[term]:
                del inside[term]
    return best_start


def _clip(text: str, begin: int, width: int) -> str:
    end = _word_end(text, min(len(text), begin + width))
    clipped = text[begin:end].replace("\n", " ")
    return clipped + ("…" if end < len(text) else "")


def _word_start(text: str, index: int) -> int:
    """Back to the start of the word at ``index``, but never past :data:`WORD_REACH`.

    Text without spaces (a pasted megabyte of symbols) would otherwise be walked one
    character at a time to its start.
    """
    limit = max(0, index - WORD_REACH)
    while index > limit and not text[index - 1].isspace():
        index -= 1
    return index


def _word_end(text: str, index: int) -> int:
    limit = min(len(text), index + WORD_REACH)
    while index < limit and not text[index].isspace():
        index += 1
    return index


def _flatten_newlines(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    return [(piece.replace("\n", " "), hit) for piece, hit in parts]
