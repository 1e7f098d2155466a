"""Text preparation shared by indexing, querying and snippets.

Indexing, querying and snippets must cut and stem words identically, so they all go
through :func:`words_of` and :func:`stem_word` here. They deliberately bypass whoosh's
analyzer chain: it builds a ``Token`` object and runs four generator stages for every
word, which made analysis the largest cost of a rebuild. A C-level regex split, one
``lower()`` and a cached Porter stem give the same terms several times faster.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem as _porter_stem

# Words in any script; hyphens split words so "E-DOCK-101" also yields "dock" and "101".
WORD = re.compile(r"\w+")
STOPS = STOP_WORDS

# Codes like E-DOCK-101, ERR_42 or v2.3: letters/digits joined by - _ . and holding a digit
# or written in capitals, so that an agent can paste one from a caller's screen.
# Possessive runs (never given back: a shorter run would end before a letter, not a
# separator) make this about twice as fast as the plain pattern, with the same matches.
CODE_PATTERN = re.compile(r"\b[A-Za-z0-9]++(?:[-_.][A-Za-z0-9]++)+\b")

# Neither part crosses a bracket, so each "[" or "](" scans only to the next one: with
# "[^\]]*" a file of 5 MB of "[" took one scan to the end per "[" (hours).
_MD_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()\[\]]*\)")
_MD_LINE_MARKUP = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", re.MULTILINE)
_MD_INLINE_MARKUP = re.compile(r"[*_`~|]+")
_RULES = re.compile(r"^-{3,}\s*$", re.MULTILINE)
# Runs of blanks other than a single space: replacing every single space by itself
# was most of the cost of this function.
_SPACES = re.compile(r"[ \t]{2,}|\t")


def normalise(text: str) -> str:
    """NFKC-fold so full-width and compatibility characters match their plain forms."""
    return unicodedata.normalize("NFKC", text)


def markdown_to_text(markdown: str) -> str:
    """Readable plain text for indexing and snippets; markup characters removed.

    Each pass is skipped when a substring test (C speed) shows it has nothing to do:
    most articles have no links, rules or runs of blanks, and a rebuild does this
    10,000 times.
    """
    text = _MD_LINK.sub(r"\1", markdown) if "[" in markdown else markdown
    text = _MD_INLINE_MARKUP.sub("", _MD_LINE_MARKUP.sub("", text))
    if "---" in text:
        text = _RULES.sub("", text)
    text = normalise(text)
    if "  " in text or "\t" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def codes_in(text: str) -> list[str]:
    """Hyphenated or dotted identifiers, lowercased, as whole tokens."""
    found = []
    for match in CODE_PATTERN.finditer(text):
        token = match.group(0)
        if any(ch.isdigit() for ch in token) or token.isupper():
            found.append(token.lower())
    return found


def words_of(text: str) -> list[str]:
    """The lowercased words of ``text``, stop words included, in order."""
    return list(map(str.lower, WORD.findall(text)))


@lru_cache(maxsize=200_000)
def stem_word(word: str) -> str:
    """The Porter stem of one lowercased word; cached because text repeats its words."""
    return _porter_stem(word)


def stems(text: str) -> list[str]:
    """The indexed (stemmed, stop-word-free) forms of the words in ``text``."""
    return [stem_word(w) for w in words_of(normalise(text)) if w not in STOPS]
