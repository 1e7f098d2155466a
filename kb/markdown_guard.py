"""Keeping python-markdown linear on hostile articles.

python-markdown is built for documents people write, and several of its passes cost
time proportional to the square of what they scan on text nobody would write: every
``[`` scans ahead (in a Python loop) for its ``]``, every unclosed ``<a`` makes the
HTML-block parser rescan the rest of the document, every fenced block restarts the
fence search from the top, every inline match rebuilds its paragraph, and each ``>``
of a quote nested 100,000 deep is one more recursive pass over the line. A 20 KB file
of ``[`` took 51 s to render.

The guard bounds each of those costs; an article that stays inside every bound (all
ordinary articles do, by orders of magnitude) renders exactly as it always did:

- at most :data:`MAX_SHOWN_CHARS` of the article, :data:`MAX_FENCES` fence lines and
  :data:`MAX_MARKUP_EVENTS` ``<`` and ``&`` are rendered; :func:`shown_part` says
  where to cut, and the viewer says it did;
- quotes and lists nest at most :data:`MAX_NESTING` deep: a deeper marker is escaped
  and shows as the character it is, and indentation past :data:`MAX_INDENT` columns
  is cut back to it;
- where the document has more than :data:`MAX_UNCLOSED_TAGS` ``<`` with no ``>``
  before the next ``<``, those ``<`` are written as ``&lt;``;
- a paragraph, list item, heading or table cell whose inline markup would cost too
  much (too long, too much markup, or brackets whose search for a partner would scan
  too far) is shown as literal text, markup characters and all.
"""

from __future__ import annotations

import bisect
import itertools
import re
import xml.etree.ElementTree as etree

import markdown
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from kb.links import code_regions

MAX_SHOWN_CHARS = 100_000
MAX_FENCES = 200
# Each "<" and "&" is an event for python-markdown's HTML parser, at several microseconds.
MAX_MARKUP_EVENTS = 20_000
MAX_NESTING = 16
# Columns of indentation kept: four per level of nesting.
MAX_INDENT = 4 * MAX_NESTING
MAX_UNCLOSED_TAGS = 64
MAX_INLINE_CHARS = 50_000
MAX_INLINE_MARKUP = 1_000
# Characters python-markdown's bracket and parenthesis loops may step through, per text
# and in the whole document; at about a tenth of a microsecond each, a fraction of a second.
MAX_TEXT_SCAN = 400_000
MAX_DOCUMENT_SCAN = 2_000_000

_FENCE_LINE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})", re.MULTILINE)
# A run of container markers opening a line: quotes, bullets, numbers, with their spaces.
_CONTAINERS = re.compile(r"[ \t]*+(?:(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]*+)+")
_OPENERS = frozenset(">-*+0123456789")
_RULE = re.compile(r"[ \t]*(?:(?:-[ \t]*)+|(?:\*[ \t]*)+|(?:_[ \t]*)+)$")
_MARKER = re.compile(r">|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])")
_ANGLE = re.compile("<")
_HTML_EVENT = re.compile("[<&]")
_INLINE_MARKUP = re.compile(r"[\[\]()*_`<>&\\!~]")
_BRACKETS = re.compile(r"[\[\]()]")


def shown_part(source: str) -> str:
    """The part of ``source`` that is rendered: all of it, unless it is enormous.

    A cut for length falls at a line break, so no line is split in half, unless the
    last break comes early (one enormous line after a title): then it falls at a
    space, or anywhere, so the reader still sees the first part of that line. A cut
    for too many fences falls before a fence line, one for too many ``<`` and ``&``
    before one.
    """
    end = len(source)
    if end > MAX_SHOWN_CHARS:
        half = MAX_SHOWN_CHARS // 2
        end = source.rfind("\n", half, MAX_SHOWN_CHARS) + 1
        end = end or source.rfind(" ", half, MAX_SHOWN_CHARS) + 1 or MAX_SHOWN_CHARS
    if source.count("```", 0, end) + source.count("~~~", 0, end) > MAX_FENCES:
        end = _nth_start(_FENCE_LINE, source, end, MAX_FENCES)
    if source.count("<", 0, end) + source.count("&", 0, end) > MAX_MARKUP_EVENTS:
        end = _nth_start(_HTML_EVENT, source, end, MAX_MARKUP_EVENTS)
    return source[:end]


def _nth_start(pattern: re.Pattern[str], source: str, end: int, number: int) -> int:
    """Where the ``number``-th (from 0) match of ``pattern`` before ``end`` starts, or ``end``."""
    found = next(itertools.islice(pattern.finditer(source, 0, end), number, None), None)
    return end if found is None else found.start()


def close_enough_tags(source: str) -> str:
    """``source`` with ``<`` written as ``&lt;`` where no ``>`` follows before the next ``<``.

    Such a ``<`` can open no tag, so Markdown shows it as the character either way, but
    python-markdown's HTML parser rescans the rest of the document for each one that
    looks like a tag, and spends microseconds on every other. Only done when there are
    many: a few cost nothing, and an ordinary article keeps its text exactly. Code keeps
    its ``<``: there it is shown as typed anyway.
    """
    if source.count("<") <= MAX_UNCLOSED_TAGS:
        return source
    starts = [match.start() for match in _ANGLE.finditer(source)]
    unclosed = [
        start
        for start, following in zip(starts, [*starts[1:], len(source)], strict=True)
        if source.find(">", start, following) < 0
    ]
    if len(unclosed) <= MAX_UNCLOSED_TAGS:
        return source
    regions = code_regions(source)
    region_starts = [start for start, _ in regions]
    pieces: list[str] = []
    position = 0
    for start in unclosed:
        before = bisect.bisect_right(region_starts, start) - 1
        if before >= 0 and regions[before][1] > start:
            continue
        pieces.append(source[position:start])
        pieces.append("&lt;")
        position = start + 1
    pieces.append(source[position:])
    return "".join(pieces)


def guard(md: markdown.Markdown) -> None:
    """Install the line and inline guards on a converter."""
    # Before fenced code (25) and raw HTML blocks (20); after whitespace is normalised.
    md.preprocessors.register(_NestingGuard(md), "hostile_nesting", 27)
    # Just before the inline patterns (20) run over the block tree.
    md.treeprocessors.register(_InlineGuard(md), "hostile_inline", 21)


class _NestingGuard(Preprocessor):
    """Escape container markers past :data:`MAX_NESTING` on each line."""

    def run(self, lines: list[str]) -> list[str]:
        return [_limit_nesting(line) for line in lines]


def _limit_nesting(line: str) -> str:
    indent = len(line) - len(line.lstrip(" \t"))
    if indent > MAX_INDENT and len(line[:indent].expandtabs(4)) > MAX_INDENT:
        line = " " * MAX_INDENT + line[indent:]
    if len(line) <= MAX_NESTING or line.lstrip(" \t")[:1] not in _OPENERS:
        return line
    if _RULE.match(line):
        return line  # "* * * * …" is a horizontal rule however long, not a nested list
    prefix = _CONTAINERS.match(line)
    if prefix is None:
        return line
    markers = list(itertools.islice(_MARKER.finditer(line, 0, prefix.end()), MAX_NESTING + 1))
    if len(markers) <= MAX_NESTING:
        return line
    cut = markers[MAX_NESTING].start()
    return line[:cut] + "\\" + line[cut:]


class _InlineGuard(Treeprocessor):
    """Mark texts whose inline parsing would cost too much as literal text."""

    def run(self, root: etree.Element) -> None:
        budget = MAX_DOCUMENT_SCAN
        for element in root.iter():
            for name in ("text", "tail"):
                text = getattr(element, name)
                if not text or isinstance(text, AtomicString):
                    continue
                cost = _inline_cost(text)
                if cost is None or cost > min(MAX_TEXT_SCAN, budget):
                    # Literal text is escaped when written out, so the "&lt;" written
                    # by close_enough_tags goes back to the "<" it stands for.
                    setattr(element, name, AtomicString(text.replace("&lt;", "<")))
                else:
                    budget -= cost


def _inline_cost(text: str) -> int | None:
    """Characters the link parsers would step through in ``text``; None if beyond any bound.

    Each ``[`` is scanned (by three patterns) up to its ``]`` or, unclosed, to the end;
    each ``](`` up to its ``)`` or the end. Counted in one pass over the brackets.
    """
    if len(text) > MAX_INLINE_CHARS:
        return None
    if "[" not in text and "(" not in text:
        return 0 if len(_INLINE_MARKUP.findall(text)) <= MAX_INLINE_MARKUP else None
    if len(_INLINE_MARKUP.findall(text)) > MAX_INLINE_MARKUP:
        return None
    events = [(m.start(), m.group()) for m in _BRACKETS.finditer(text)]
    cost = 0
    for opening, closing, weight in (("[", "]", 3), ("(", ")", 1)):
        stack: list[int] = []
        for position, char in events:
            if char == opening:
                stack.append(position)
            elif char == closing and stack:
                start = stack.pop()
                if opening == "[" or _after_bracket(text, start):
                    cost += weight * (position - start)
        unclosed = [p for p in stack if opening == "[" or _after_bracket(text, p)]
        cost += weight * sum(len(text) - position for position in unclosed)
    return cost


def _after_bracket(text: str, position: int) -> bool:
    """Only a "(" right after "]" makes python-markdown look for the link's end."""
    return position > 0 and text[position - 1] == "]"
