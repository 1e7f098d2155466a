"""whoosh's segment writer with the two costs a full rebuild does not need taken out.

Profiling a 10,000-article rebuild showed most of the time in whoosh's bookkeeping,
not in the index itself:

- its posting pool estimates each posting's size in Python, spills pickled runs to
  temporary files past ``limitmb``, and finally sorts every posting (1.5 million
  tuples). :class:`TermPool` groups postings by term as they arrive, in two compact
  arrays per term, so only the distinct terms need sorting and nothing is pickled;
- the W3 codec looks up the document's field length for every posting it writes, to
  bound BM25 scores per block; impacts need no lengths (:class:`ImpactCodec`).

Everything else (segments, merges, the file format) is whoosh's own.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

from whoosh.codec.whoosh3 import W3Codec
from whoosh.index import Index

Posting = tuple[str, bytes, int, float, bytes]


class ImpactCodec(W3Codec):
    """whoosh's W3 codec, minus the per-posting field-length lookup when writing.

    ``length_stats`` makes the writer look up the document's field length for every
    posting it writes, to record per-block length bounds for BM25; impacts need none,
    and for fields without stored lengths each lookup was a file ``stat()``.
    """

    length_stats = False


class _TermPostings:
    __slots__ = ("docnums", "sorted", "values", "weights")

    def __init__(self) -> None:
        self.docnums = array("I")
        self.weights = array("d")
        self.values: list[bytes] | None = None  # only when a format stores values
        self.sorted = True


class TermPool:
    """A drop-in for whoosh's posting pool that keeps postings grouped by term in memory.

    Documents arrive in docnum order, so each term's postings are already sorted and
    only the term keys need sorting at the end. Merged segments also arrive in order;
    if a term's postings ever do not, that term alone is sorted.
    """

    def __init__(self) -> None:
        self._terms: dict[tuple[str, bytes], _TermPostings] = {}
        self.fieldnames: set[str] = set()

    def add(self, item: Posting) -> None:
        fieldname, text, docnum, weight, value = item
        key = (fieldname, text)
        postings = self._terms.get(key)
        if postings is None:
            postings = self._terms[key] = _TermPostings()
            self.fieldnames.add(fieldname)
        elif postings.sorted and docnum < postings.docnums[-1]:
            postings.sorted = False
        if value and postings.values is None:
            postings.values = [b""] * len(postings.docnums)
        postings.docnums.append(docnum)
        postings.weights.append(weight)
        if postings.values is not None:
            postings.values.append(value or b"")

    def iter_postings(self) -> Iterator[Posting]:
        for fieldname, text in sorted(self._terms):
            postings = self._terms[(fieldname, text)]
            values = postings.values or [b""] * len(postings.docnums)
            rows = zip(postings.docnums, postings.weights, values, strict=True)
            for docnum, weight, value in rows if postings.sorted else sorted(rows):
                yield fieldname, text, docnum, weight, value

    def cleanup(self) -> None:
        self._terms.clear()


def open_writer(index: Index, **options: Any) -> Any:
    """A segment writer for ``index`` using :class:`ImpactCodec` and :class:`TermPool`."""
    writer = index.writer(codec=ImpactCodec(compression=0), **options)
    writer.pool = TermPool()
    return writer
