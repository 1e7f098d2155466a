"""Text preparation shared by indexing, querying and snippets.

The same analyzers must be used on both sides of the search, so they are built once
here and imported everywhere else.
"""

from __future__ import annotations

import re
import unicodedata

from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer

# Words in any script; hyphens split words so "E-DOCK-101" also yields "dock" and "101".
WORD_PATTERN = r"\w+"
STEMMED = StemmingAnalyzer(expression=WORD_PATTERN, minsize=1, cachesize=50000)
PLAIN = RegexTokenizer(WORD_PATTERN) | LowercaseFilter()

# Codes like E-DOCK-101, ERR_42 or v2.3: letters/digits joined by - _ . and holding a digit
# or written in capitals, so that an agent can paste one from a caller's screen.
CODE_PATTERN = re.compile(r"\b[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)+\b")

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKUP = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)|[*_`~|]+", re.MULTILINE)
_SPACES = re.compile(r"[ \t]+")


def normalise(text: str) -> str:
    """NFKC-fold so full-width and compatibility characters match their plain forms."""
    return unicodedata.normalize("NFKC", text)


def markdown_to_text(markdown: str) -> str:
    """Readable plain text for indexing and snippets; markup characters removed."""
    text = _MD_LINK.sub(r"\1", markdown)
    text = _MD_MARKUP.sub("", text)
    text = re.sub(r"^-{3,}\s*$", "", text, flags=re.MULTILINE)
    return _SPACES.sub(" ", normalise(text)).strip()


def codes_in(text: str) -> list[str]:
    """Hyphenated or dotted identifiers, lowercased, as whole tokens."""
    found = []
    for match in CODE_PATTERN.finditer(text):
        token = match.group(0)
        if any(ch.isdigit() for ch in token) or token.isupper():
            found.append(token.lower())
    return found


def stems(text: str) -> list[str]:
    """The indexed (stemmed, stop-word-free) forms of the words in ``text``."""
    return [token.text for token in STEMMED(normalise(text))]
