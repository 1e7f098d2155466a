"""Links between playbook articles.

Inside the app an article links to another as ``article:SLUG``; on disk (import and
export) the same link is a relative path to the other ``.md`` file, so a playbook
folder reads correctly in any Markdown viewer too.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Sequence

ARTICLE_SCHEME = "article"


def article_url(slug: str) -> str:
    return f"{ARTICLE_SCHEME}:{slug}"


def slug_from_url(url: str) -> str | None:
    """The slug an in-app link points at, or None for any other kind of link."""
    prefix = f"{ARTICLE_SCHEME}:"
    if not url.startswith(prefix):
        return None
    slug = url[len(prefix) :].strip("/").split("#", 1)[0]
    return slug or None


# --- Rewriting link destinations in Markdown (import and export) -------------------

LinkRewrite = Callable[[str], str | None]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)$", re.MULTILINE)
_BACKTICKS = re.compile(r"`+")
# The "\n" that opens each blank line; the lookahead lets blank lines in a row all count.
_BLANK_LINE_START = re.compile(r"\n(?=[ \t]*+\n)")
# Brackets, parentheses, quotes and backslashes inside code become "x" before the link
# patterns run, so code can neither form a link nor swallow one that follows it.
_MASK = str.maketrans({c: "x" for c in "[]()<>!\"'\\"})
_DEST = r"(?P<dest><[^<>\n]*>|[^\s<>()]+(?:\([^\s()]*\)[^\s<>()]*)*)"
_INLINE_LINK = re.compile(
    r"(?<![\\!])\[(?:[^\[\]\\]|\\[\s\S]|\[(?:[^\[\]\\]|\\[\s\S])*\])*\]"
    r"\([ \t]*\n?[ \t]*" + _DEST
)
_REFERENCE = re.compile(
    r"^[ ]{0,3}\[(?!\^)(?:[^\[\]\\\n]|\\.)+\]:[ \t]*\n?[ \t]*" + _DEST, re.MULTILINE
)


def is_external(dest: str) -> bool:
    """True for links that leave the playbook: any scheme (http:, mailto:, article:) or //host."""
    return bool(_SCHEME.match(dest)) or dest.startswith("//")


def split_fragment(dest: str) -> tuple[str, str]:
    """('../a.md', '#steps') from '../a.md?x=1#steps'; a query is dropped, it means nothing here."""
    path, hash_sign, fragment = dest.partition("#")
    return path.partition("?")[0], hash_sign + fragment


def relative_article_path(from_category: str, to_category: str, slug: str) -> str:
    """Where an exported article finds another: exports lay files out as CATEGORY/SLUG.md."""
    if from_category == to_category:
        return f"{slug}.md"
    return f"../{to_category}/{slug}.md"


@functools.lru_cache(maxsize=4)
def code_regions(markdown: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every fenced code block and inline code span, in order.

    Links there are examples to show, not links to follow, so nothing rewrites them.
    Fences may be indented (they often sit inside list items); an unclosed fence runs to
    the end, as Markdown renders it. Cached: an import asks for the same text's regions
    to find its title and again to convert its links.
    """
    regions: list[tuple[int, int]] = []
    position = 0
    for start, end in _fenced_blocks(markdown):
        if markdown.find("`", position, start) >= 0:
            regions.extend(_code_spans(markdown, position, start))
        regions.append((start, end))
        position = end
    regions.extend(_code_spans(markdown, position, len(markdown)))
    return tuple(regions)


def rewrite_links(markdown: str, rewrite: LinkRewrite) -> str:
    """Replace link destinations outside code: ``rewrite(dest)`` returns the new one or None.

    Covers inline links ``[text](dest "title")`` and reference definitions
    ``[id]: dest``; images are left alone. Everything else in the text is kept exactly.
    """
    regions = code_regions(markdown)
    masked = _masked(markdown, regions)
    pieces: list[str] = []
    position = 0
    for start, end in _destination_spans(masked, regions):
        original = markdown[start:end]
        replacement = rewrite(_unwrap(original))
        if replacement is None:
            continue
        pieces.append(markdown[position:start])
        pieces.append(_wrap(replacement))
        position = end
    pieces.append(markdown[position:])
    return "".join(pieces)


def link_destinations(markdown: str) -> list[str]:
    """Every link destination outside code, in order (images excluded)."""
    found: list[str] = []

    def collect(dest: str) -> None:
        found.append(dest)

    rewrite_links(markdown, collect)
    return found


def _fenced_blocks(markdown: str) -> list[tuple[int, int]]:
    blocks: list[tuple[int, int]] = []
    position = 0
    while True:
        opening = _FENCE.search(markdown, position)
        if opening is None:
            return blocks
        fence = opening.group("fence")
        if fence[0] == "`" and "`" in opening.group("info"):
            position = opening.end()  # "```a``` text" is a code span, not a fence
            continue
        end = _closing_fence(markdown, opening.end(), fence)
        blocks.append((opening.start(), end))
        position = end


def _closing_fence(markdown: str, after: int, fence: str) -> int:
    closing = _closing_pattern(fence[0], len(fence)).search(markdown, after + 1)
    return len(markdown) if closing is None else closing.end()


@functools.lru_cache(maxsize=64)
def _closing_pattern(char: str, width: int) -> re.Pattern[str]:
    """Compiled once per fence shape: a file of many fences asks for the same few."""
    return re.compile(rf"^[ \t]*{re.escape(char)}{{{width},}}[ \t]*$", re.MULTILINE)


def _code_spans(markdown: str, start: int, end: int) -> list[tuple[int, int]]:
    """Backtick runs closed by a run of the same length within the same paragraph.

    Whether a blank line separates a run from its closer is looked up among the blank
    lines found once, not searched for again between each pair: runs of many widths
    in one paragraph made those searches cover the paragraph once per run.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(markdown, start, end)]
    if not runs:
        return []
    blanks = [m.start() for m in _BLANK_LINE_START.finditer(markdown, start, end)]
    by_width: dict[int, list[int]] = {}
    for number, (run_start, run_end) in enumerate(runs):
        by_width.setdefault(run_end - run_start, []).append(number)
    spans: list[tuple[int, int]] = []
    number = 0
    while number < len(runs):
        open_start, open_end = runs[number]
        same = by_width[open_end - open_start]
        later = bisect.bisect_right(same, number)
        close = same[later] if later < len(same) else None
        if close is None or _blank_line_between(markdown, blanks, open_end, runs[close][0]):
            number += 1
            continue
        spans.append((open_start, runs[close][1]))
        number = close + 1
    return spans


def _blank_line_between(markdown: str, blanks: list[int], start: int, end: int) -> bool:
    """Whether a whole blank line lies in ``markdown[start:end]``; ``blanks`` as found above.

    The first blank line starting at or after ``start`` is also the first to end.
    """
    index = bisect.bisect_left(blanks, start)
    if index == len(blanks):
        return False
    line_end = markdown.find("\n", blanks[index] + 1) + 1
    return 0 < line_end <= end


def _masked(markdown: str, regions: Sequence[tuple[int, int]]) -> str:
    pieces: list[str] = []
    position = 0
    for start, end in regions:
        pieces.append(markdown[position:start])
        pieces.append(markdown[start:end].translate(_MASK))
        position = end
    pieces.append(markdown[position:])
    return "".join(pieces)


def _destination_spans(masked: str, regions: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    starts = [start for start, _ in regions]

    def in_code(span: tuple[int, int]) -> bool:
        before = bisect.bisect_left(starts, span[1]) - 1
        return before >= 0 and regions[before][1] > span[0]

    spans = [m.span("dest") for m in _INLINE_LINK.finditer(masked)]
    spans += [m.span("dest") for m in _REFERENCE.finditer(masked)]
    kept: list[tuple[int, int]] = []
    for span in sorted(spans):
        if not in_code(span) and (not kept or span[0] >= kept[-1][1]):
            kept.append(span)
    return kept


def _unwrap(dest: str) -> str:
    return dest[1:-1] if dest.startswith("<") and dest.endswith(">") else dest


def _wrap(dest: str) -> str:
    """Angle brackets only where the new destination needs them (spaces, parentheses)."""
    return f"<{dest}>" if re.search(r"[\s()]", dest) else dest
