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
from collections.abc import Callable, Iterator
from typing import Any

from whoosh.codec.whoosh3 import W3Codec
from whoosh.index import Index
from whoosh.reading import SegmentReader

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

    def __init__(self, progress: Callable[[float], None] | None = None) -> None:
        self._terms: dict[tuple[str, bytes], _TermPostings] = {}
        self.fieldnames: set[str] = set()
        self._progress = progress

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
        """Every posting in (field, term, docnum) order, as whoosh's segment writer wants.

        Writing them is most of a commit, so progress (the share of postings written) is
        reported from here, to keep a rebuild's progress bar moving to the end.
        """
        total = sum(len(postings.docnums) for postings in self._terms.values())
        step = max(1, total // 50)
        written, report_at = 0, step
        for fieldname, text in sorted(self._terms):
            postings = self._terms[(fieldname, text)]
            if self._progress is not None and written >= report_at:
                self._progress(written / total)
                report_at = written + step
            written += len(postings.docnums)
            values = postings.values or [b""] * len(postings.docnums)
            rows = zip(postings.docnums, postings.weights, values, strict=True)
            for docnum, weight, value in rows if postings.sorted else sorted(rows):
                yield fieldname, text, docnum, weight, value

    def cleanup(self) -> None:
        self._terms.clear()


def open_writer(
    index: Index, progress: Callable[[float], None] | None = None, **options: Any
) -> Any:
    """A segment writer for ``index`` using :class:`ImpactCodec` and :class:`TermPool`.

    Posting blocks are stored uncompressed: zlib cost a second of a 10,000-article
    rebuild and a decompression per block read on every query, for 15 % more disk.
    """
    writer = index.writer(codec=ImpactCodec(compression=0), **options)
    writer.pool = TermPool(progress)
    return writer


# Merging. A save writes a new segment; left alone, segments pile up and every query
# pays for each one. whoosh's default policy merges them on save, but its merges grow
# with the segments (a save took up to 170 ms at 10,000 articles over 40 edits), and a
# save must stay well under 100 ms. So saves only ever merge a few tiny segments, and
# the rest is left to :func:`merge_all_but_largest`, run when the index is opened.

MERGE_AT = 4  # small segments (besides the one being written) that trigger a merge
MERGE_BUDGET_DOCS = 8  # never merge more documents than this while saving


def merge_small_segments(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy for saves: fold the smallest segments together, a bounded amount."""
    if len(segments) <= MERGE_AT:
        return segments
    base = max(segments, key=lambda segment: segment.doc_count_all())
    chosen: list[Any] = []
    total = 0
    for segment in sorted(segments, key=lambda s: s.doc_count_all()):
        if segment is base or total + segment.doc_count_all() > MERGE_BUDGET_DOCS:
            break
        chosen.append(segment)
        total += segment.doc_count_all()
    if len(chosen) < MERGE_AT:
        return segments
    _merge_into(writer, chosen)
    return [segment for segment in segments if segment not in chosen]


def merge_all_but_largest(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy for maintenance: every segment but the big one becomes one segment."""
    if len(segments) <= 2:
        return segments
    base = max(segments, key=lambda segment: segment.doc_count_all())
    rest = [segment for segment in segments if segment is not base]
    _merge_into(writer, rest)
    return [base]


def _merge_into(writer: Any, segments: list[Any]) -> None:
    for segment in segments:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
