"""Turning what an agent types into a whoosh query.

Agents type fragments, not query syntax, so nothing they type is treated as an
operator: quotes, brackets, AND/OR/NOT, ``*`` and ``?`` are just characters, and no
input can raise. The query is built in three layers:

- every complete word, stemmed, against title, aliases, tags, category and body;
- the last, half-typed word as a prefix on the unstemmed ``words`` field, expanded to
  its most frequent completions (the stemmed parser would turn ``pas*`` into ``pa*``);
- codes such as ``E-DOCK-101`` as whole tokens;
and, when exact matching finds little, misspelt words widened to indexed words within
an edit distance of one or two.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.reading import IndexReader

from kb.search.text import codes_in, normalise, stems

MAX_QUERY_CHARS = 300
MAX_WORDS = 24
PREFIX_MIN = 2
PREFIX_EXPANSIONS = 24
FUZZY_MIN = 4
FUZZY_EXPANSIONS = 6

# Field boosts live in the schema (kb.search.index); every field takes the same stems.
SEARCH_FIELDS = ("title", "aliases", "tags", "category", "body")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ParsedQuery:
    """The words an agent typed, with the still-being-typed last word set apart."""

    words: tuple[str, ...]
    partial: str | None
    codes: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.partial and not self.codes


@dataclass
class BuiltQuery:
    """A whoosh query plus the analysed terms to mark in snippets."""

    query: wq.Query | None
    highlight_terms: set[str] = field(default_factory=set)


def parse(text: str) -> ParsedQuery:
    """Split typed text into complete words, a trailing partial word and codes."""
    text = normalise(text)[:MAX_QUERY_CHARS]
    words = [w.lower() for w in _WORD.findall(text)][:MAX_WORDS]
    partial = None
    if words and text and not text[-1].isspace() and _WORD.search(text[-1]):
        partial = words[-1] if len(words[-1]) >= PREFIX_MIN else None
    return ParsedQuery(tuple(words), partial, tuple(dict.fromkeys(codes_in(text))))


def build(parsed: ParsedQuery, reader: IndexReader, *, fuzzy: bool = False) -> BuiltQuery:
    """The whoosh query for ``parsed``; ``fuzzy`` widens words the index does not know."""
    clauses: list[wq.Query] = []
    highlight: set[str] = set()
    for stem in dict.fromkeys(stems(" ".join(parsed.words))):
        clauses.append(any_field(stem))
        highlight.add(stem)
    for code in parsed.codes:
        clauses.append(wq.Term("codes", code, boost=3.0))
        highlight.update(stems(code))
    if parsed.partial:
        completions = _completions(reader, parsed.partial)
        if completions:
            clauses.append(wq.Or([wq.Term("words", w) for w in completions], boost=0.9))
            highlight.update(completions)
            highlight.update(stems(" ".join(completions)))
    if fuzzy:
        for word in _unknown_words(parsed, reader):
            near = _near_words(reader, word)
            if near:
                clauses.append(wq.Or([wq.Term("words", w) for w in near], boost=0.7))
                highlight.update(near)
                highlight.update(stems(" ".join(near)))
    if not clauses:
        return BuiltQuery(None, highlight)
    return BuiltQuery(wq.Or(clauses), highlight)


def any_field(stem: str) -> wq.Query:
    """One stem searched in every field; the schema's field boosts do the weighting."""
    return wq.Or([wq.Term(name, stem) for name in SEARCH_FIELDS])


def _completions(reader: IndexReader, prefix: str) -> list[str]:
    """The most frequent indexed words starting with ``prefix`` (capped, so ``a`` is cheap)."""
    top = reader.most_frequent_terms("words", number=PREFIX_EXPANSIONS, prefix=prefix)
    return [_as_text(term) for _, term in top]


def _unknown_words(parsed: ParsedQuery, reader: IndexReader) -> Iterable[str]:
    seen = set()
    for word in parsed.words:
        if len(word) < FUZZY_MIN or word in seen:
            continue
        seen.add(word)
        if reader.doc_frequency("words", word) == 0:
            yield word


def _near_words(reader: IndexReader, word: str) -> list[str]:
    """Indexed words within one edit (two for long words), most frequent first."""
    distance = 1 if len(word) <= 5 else 2
    candidates = {_as_text(t) for t in reader.terms_within("words", word, distance, prefix=1)}
    ranked = sorted(candidates, key=lambda w: -reader.doc_frequency("words", w))
    return ranked[:FUZZY_EXPANSIONS]


def _as_text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
