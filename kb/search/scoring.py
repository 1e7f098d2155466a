"""BM25F computed when an article is indexed, so a query only multiplies two numbers.

whoosh's own BM25F looks up each document's field length for every posting it scores
and scores every field separately, so one word was five posting lists and a length
lookup per posting. Here every field of an article is folded into one ``text`` field
whose posting weight is the term's finished *impact*: its length-normalised, saturated
BM25 frequency in each field, times the field's weight, summed over the fields.

At query time a posting scores ``idf × impact``, and because each posting block
records its largest weight, whoosh can bound a block's best score exactly and skip
blocks that cannot reach the top ten. That block skipping is what keeps a common word
such as "customer" from scoring all 10,000 articles.

Field lengths are normalised by the averages recorded when the index was built; a few
later edits shift the true averages negligibly, and every rebuild resets them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from whoosh import formats
from whoosh.fields import FieldType
from whoosh.scoring import BaseScorer, WeightingModel

K1 = 1.2
B = 0.75
# How much a word counts in each part of an article; aliases are what agents type.
FIELD_WEIGHTS: Mapping[str, float] = {
    "title": 4.0,
    "aliases": 3.0,
    "tags": 2.0,
    "category": 1.5,
    "body": 1.0,
}


@dataclass(frozen=True)
class FieldAverages:
    """Average length in words of each weighted field, recorded at build time."""

    lengths: Mapping[str, float]

    @classmethod
    def of(cls, totals: Mapping[str, int], documents: int) -> FieldAverages:
        count = max(1, documents)
        return cls({name: max(1.0, totals.get(name, 0) / count) for name in FIELD_WEIGHTS})

    @classmethod
    def from_json(cls, data: object) -> FieldAverages | None:
        if not isinstance(data, dict):
            return None
        try:
            lengths = {name: max(1.0, float(data[name])) for name in FIELD_WEIGHTS}
        except (KeyError, TypeError, ValueError):
            return None
        return cls(lengths)

    def to_json(self) -> dict[str, float]:
        return dict(self.lengths)


def impacts(
    fields: Mapping[str, Mapping[str, int]], lengths: Mapping[str, int], averages: FieldAverages
) -> dict[str, float]:
    """term -> impact: each field's BM25 term weight, times the field's weight, summed.

    Each field saturates on its own (as whoosh's per-field BM25F does), so a word in the
    title *and* the aliases scores well above one repeated in the body; pooling the
    fields before saturating let a body full of mentions tie with a title match.
    """
    result: dict[str, float] = {}
    for name, counts in fields.items():
        norm = K1 * (1 - B + B * lengths[name] / averages.lengths[name])
        scale = FIELD_WEIGHTS[name] * (K1 + 1)
        for term, count in counts.items():
            result[term] = result.get(term, 0.0) + scale * count / (count + norm)
    return result


class ImpactField(FieldType):
    """An indexed field that takes ``{term: impact}`` instead of text to analyse.

    Not scorable: the impact already holds the length normalisation.
    """

    def __init__(self) -> None:
        super().__init__(formats.Existence(), analyzer=None, scorable=False, stored=False)

    def index(
        self, value: Mapping[str, float], **kwargs: Any
    ) -> Iterator[tuple[bytes, int, float, bytes]]:
        for term, impact in value.items():
            yield term.encode("utf-8"), 1, impact, b""


class WordsField(FieldType):
    """Unstemmed words with how many articles use them, for completions and spelling.

    Takes ``{word: articles}``. A rebuild puts the whole playbook's words in one lexicon
    document, one posting per word weighted by its article count, instead of one posting
    per word per article: whoosh ranks prefix completions by a term's total weight, which
    is the same number, and the rebuild writes half as many postings. The lexicon
    document is never deleted, so its words stay known until the next rebuild; an
    edited article posts only the words it holds that the lexicon does not (weight 1
    each), which keeps edits small and the segments they leave cheap to merge.
    """

    def __init__(self) -> None:
        super().__init__(formats.Existence(), analyzer=None, scorable=False, stored=False)

    def index(
        self, value: Mapping[str, int], **kwargs: Any
    ) -> Iterator[tuple[bytes, int, float, bytes]]:
        for word, articles in value.items():
            yield word.encode("utf-8"), 1, float(articles), b""


class ImpactWeighting(WeightingModel):
    """Scores a posting as ``idf × stored impact × query boost``."""

    use_final = False

    def idf(self, searcher: Any, fieldname: str, text: bytes) -> float:
        parent = searcher.get_parent()
        documents = parent.doc_count_all()
        frequency = parent.doc_frequency(fieldname, text)
        return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))

    def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: float = 1) -> ImpactScorer:
        parent = searcher.get_parent()
        factor = parent.idf(fieldname, text) * qf
        return ImpactScorer(factor, searcher.term_info(fieldname, text).max_weight())


class ImpactScorer(BaseScorer):
    def __init__(self, factor: float, max_weight: float) -> None:
        self.factor = factor
        self._max_quality = factor * max_weight

    def supports_block_quality(self) -> bool:
        return True

    def score(self, matcher: Any) -> float:
        return self.factor * matcher.weight()

    def max_quality(self) -> float:
        return self._max_quality

    def block_quality(self, matcher: Any) -> float:
        return self.factor * matcher.block_max_weight()
