"""Turning what an agent types into a whoosh query.

Agents type fragments, not query syntax, so nothing they type is treated as an
operator: quotes, brackets, ``*`` and ``?`` are just characters, upper-case AND, OR and
NOT are left out (habit from web search, never a caller's words), and no input can
raise. Every clause is a term of the one ``text`` field (see
:mod:`kb.search.scoring`), so a word costs one posting list, not one per field:

- every complete word, stemmed;
- codes such as ``E-DOCK-101`` as whole tokens;
- the last, half-typed word completed on the unstemmed ``words`` lexicon (stemming
  ``pas`` would give ``pa``), keeping its most frequent completions, each weighted by
  how much of it is typed, and searching their stems;
and, when exact matching finds little, misspelt words widened to indexed words within
an edit distance of one or two, again searched by their stems.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq
from whoosh.reading import IndexReader

from kb.search.text import STOPS, codes_in, normalise, stem_word, stems

MAX_QUERY_CHARS = 300
MAX_WORDS = 24
PREFIX_MIN = 2
# Completions kept for a half-typed word, by its length. "st" begins thousands of words:
# the few most frequent are what an agent most likely means, the next keystroke narrows
# the rest, and every completion kept is one more long posting list to score. Measured
# on the benchmark: 24 completions found the article while typing no more often than
# these caps, at three times the 99th-percentile latency.
PREFIX_EXPANSIONS = {2: 4, 3: 6}
MAX_PREFIX_EXPANSIONS = 8
FUZZY_MIN = 4
# Longer "words" are pasted noise, not typos, and the edit-distance automaton's cost
# grows with the word's length (a 300-letter word took 70 ms).
FUZZY_MAX = 20
FUZZY_EXPANSIONS = 6
CODE_BOOST = 3.0
PREFIX_BOOST = 0.9
FUZZY_BOOST = 0.7
FIELD = "text"
WORDS = "words"
_WORD = re.compile(r"\w+")
_OPERATORS = frozenset({"AND", "OR", "NOT"})


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


class BoostedTerm(wq.Term):
    """A term matched straight off a segment's postings, with its boost in the scorer.

    whoosh's ``Term`` puts a wrapper matcher around the postings for a boost, and the
    segment reader puts another around them once any document in the segment has been
    deleted (every edit deletes the old version): two more Python calls per posting, on
    every query, from the first edit until the next rebuild. Here the boost goes into the
    impact scorer for free, and deleted documents are *not* filtered: whoever runs the
    query must mask them, once per result set, as :class:`kb.search.index.SearchIndex`
    does. Anything unusual (a multi-segment searcher, another reader) takes whoosh's path.
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        text = self.text.encode("utf-8") if isinstance(self.text, str) else self.text
        reader = searcher.reader()
        if (self.fieldname, text) not in reader:
            return super().matcher(searcher, context)
        weighting = searcher.weighting if context is None else context.weighting
        terms = getattr(reader, "_terms", None)
        if not searcher.is_atomic() or terms is None:
            return searcher.postings(self.fieldname, text, weighting=weighting, qf=self.boost)
        scorer = weighting.scorer(searcher, self.fieldname, text, qf=self.boost)
        field_format = searcher.schema[self.fieldname].format
        return terms.matcher(self.fieldname, text, field_format, scorer=scorer)


def parse(text: str) -> ParsedQuery:
    """Split typed text into complete words, a trailing partial word and codes."""
    text = normalise(text)[:MAX_QUERY_CHARS]
    found = _WORD.findall(text)
    words = [w.lower() for w in found if w not in _OPERATORS][:MAX_WORDS]
    partial = None
    if words and found[-1] not in _OPERATORS and not text[-1].isspace() and _WORD.search(text[-1]):
        partial = words[-1] if len(words[-1]) >= PREFIX_MIN else None
    return ParsedQuery(tuple(words), partial, tuple(dict.fromkeys(codes_in(text))))


def build(parsed: ParsedQuery, reader: IndexReader, *, fuzzy: bool = False) -> BuiltQuery:
    """The whoosh query for ``parsed``; ``fuzzy`` widens words the index does not know."""
    boosts: dict[str, float] = {}
    highlight: set[str] = set()
    for stem in stems(" ".join(parsed.words)):
        boosts[stem] = 1.0
        highlight.add(stem)
    for code in parsed.codes:
        boosts[code] = CODE_BOOST
        highlight.update(stems(code))
    if parsed.partial:
        typed = len(parsed.partial)
        for word in _completions(reader, parsed.partial):
            # The more letters a completion still needs, the less likely it is the word
            # being typed: "call" is more likely "call" or "caller" than "callback".
            _add_words(boosts, highlight, [word], PREFIX_BOOST * typed / len(word))
    if fuzzy:
        for word in _unknown_words(parsed, reader):
            _add_words(boosts, highlight, _near_words(reader, word), FUZZY_BOOST)
    if not boosts:
        return BuiltQuery(None, highlight)
    terms = [BoostedTerm(FIELD, term, boost=boost) for term, boost in boosts.items()]
    return BuiltQuery(terms[0] if len(terms) == 1 else wq.Or(terms), highlight)


def _add_words(
    boosts: dict[str, float], highlight: set[str], words: Iterable[str], boost: float
) -> None:
    """Search expanded words by their stems; a stem asked for twice keeps its best boost."""
    for word in words:
        highlight.add(word)
        stem = stem_word(word)
        highlight.add(stem)
        boosts[stem] = max(boost, boosts.get(stem, 0.0))


def _completions(reader: IndexReader, prefix: str) -> list[str]:
    """The most frequent indexed words starting with ``prefix``, capped by its length.

    Asked of each segment and summed here: across segments whoosh merges the term
    lists one term at a time in Python, which an edit (a second segment) made the
    slowest part of a two-letter search.
    """
    weights: dict[str, float] = {}
    for leaf, _ in reader.leaf_readers():
        for term, info in leaf.iter_prefix(WORDS, prefix):
            word = _as_text(term)
            weights[word] = weights.get(word, 0.0) + info.weight()
    keep = PREFIX_EXPANSIONS.get(len(prefix), MAX_PREFIX_EXPANSIONS)
    return heapq.nlargest(keep, weights, key=lambda w: (weights[w], w))


def _unknown_words(parsed: ParsedQuery, reader: IndexReader) -> Iterable[str]:
    seen = set()
    for word in parsed.words:
        if not FUZZY_MIN <= len(word) <= FUZZY_MAX or word in seen or word in STOPS:
            continue
        seen.add(word)
        if reader.doc_frequency(WORDS, word) == 0:
            yield word


def _near_words(reader: IndexReader, word: str) -> list[str]:
    """Indexed words within one edit (two for long words), most frequent first.

    Asked of each segment: a segment walks its word list with an edit-distance
    automaton, while whoosh's multi-segment reader computes the distance to every word
    sharing the first letter, in Python (40 ms after a single edit).
    """
    distance = 1 if len(word) <= 5 else 2
    candidates = {
        _as_text(term)
        for leaf, _ in reader.leaf_readers()
        for term in leaf.terms_within(WORDS, word, distance, prefix=1)
    }
    # The automaton counts two swapped letters as two edits, which is over the limit of
    # one for short words, yet swapping is the commonest slip: check those directly.
    swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)}
    candidates.update(w for w in swaps if reader.frequency(WORDS, w) > 0)
    # frequency() is the words' total weight: how many articles use them (see WordsField).
    ranked = sorted(candidates, key=lambda w: (-reader.frequency(WORDS, w), w))
    return ranked[:FUZZY_EXPANSIONS]


def _as_text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
