"""The playbook's whoosh index and its lifecycle.

The index is derived data: it can always be rebuilt from the database, and it is,
automatically, when it is missing, unreadable, built by an older format, does not
reflect the database's article revisions, or holds many articles indexed one edit at a
time (see :mod:`kb.search.meta`). One searcher is kept open and reopened after commits,
because opening a searcher costs far more than a query.

It also heals: a search that finds the index damaged or deleted under a running
process rebuilds it from the database and answers. Several processes may share one
index: writers take a lock (:mod:`kb.search.lock`) and a rebuild swaps a complete new
directory in (:mod:`kb.search.storage`), so readers never wait and never see half an
index.

How it is made fast (measured in ``bench/``): one impact-weighted field instead of five
(:mod:`kb.search.scoring`), a leaner writer (:mod:`kb.search.writing`), fast analysis
(:mod:`kb.search.text`), capped completions (:mod:`kb.search.query`) and snippets from
one regex (:mod:`kb.search.snippets`).
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from whoosh import index as whoosh_index
from whoosh.collectors import Collector, FilterCollector, TopCollector
from whoosh.query import Every, Or, Term
from whoosh.searching import Searcher

from companion.errors import os_error_reason
from kb.article import ArticleData, Status
from kb.search import query as query_builder
from kb.search import storage
from kb.search.building import INDEX_FORMAT, build_into
from kb.search.documents import BROWSE_KEY, LEXICON_SLUG, analyse, to_document
from kb.search.lock import LockTimeout, WriterLock
from kb.search.meta import FileListing, IndexMeta, forget, list_files, read_words
from kb.search.progress import Progress
from kb.search.results import SearchHit, SearchResults
from kb.search.scoring import ImpactWeighting
from kb.search.snippets import make_snippet
from kb.search.storage import SearchIndexUnavailable
from kb.search.text import normalise, stems
from kb.search.writing import merge_all_but_largest, merge_small_segments, open_writer

FEW_RESULTS = 3
# How long a save waits for another writer before leaving the index stale instead.
WRITER_TIMEOUT_S = 10.0
# How long a rebuild (or a search that found the index damaged) waits for another
# process's rebuild to finish: several at 10,000 articles, one after another.
REBUILD_WAIT_S = 300.0
RELATED_MAX_CHARS = 4000
RELATED_TERMS = 12
DRAFTS = Term("status", Status.DRAFT.value)
# How many matches the collector scores between attempts to prune the query (drop terms
# that can no longer reach the top N). whoosh tries every 10, and on a 20-term prefix
# expansion those attempts cost more than the scoring they save.
REPLACE_EVERY = 100
# Segments (the big one included) above which opening the index merges the small ones.
COMPACT_AT = 8
# Rebuild on open once edits have indexed this many articles, or a quarter of them:
# enough that their field-length averages or left-behind segments may be off.
REBUILD_AFTER_EDITS = 200


T = TypeVar("T")
ArticleSource = Callable[[], Sequence[ArticleData]]


class IndexDamaged(Exception):
    """The index's files are not those its last write recorded: heal before reading."""


class SearchIndex:
    """Owns the index directory: open, rebuild, update, search, and heal.

    Thread-safe. ``source`` loads every article from the database; with it, a search
    that finds the index damaged or gone (deleted under a running window, a segment
    truncated) rebuilds it and answers, instead of failing until a restart. Locks are
    always taken in one order: the writer lock (:mod:`kb.search.lock`), then
    ``self._lock``, which guards the open index and searcher.
    """

    def __init__(self, directory: Path, source: ArticleSource | None = None) -> None:
        self.directory = directory
        self.source = source
        self._lock = threading.RLock()
        self._writer = WriterLock(storage.lock_path(directory))
        self._index: whoosh_index.Index | None = None
        self._searcher: Searcher | None = None
        self._opened: FileListing | None = None
        self._masks: tuple[Searcher, set[int], set[int]] | None = None
        self._known_words: frozenset[str] | None = None

    # -- lifecycle -----------------------------------------------------------------

    def needs_rebuild(self, revisions: Sequence[tuple[str, int]]) -> bool:
        """True when the index is missing, damaged, of an old format, or stale.

        Also after many edits: an import of a thousand articles into a fresh playbook
        goes in as edits, with the field-length averages of the few articles there were.
        """
        meta = self._stored_meta()
        if meta is None or meta.revisions != dict(revisions):
            return True
        if meta.edited > max(REBUILD_AFTER_EDITS, len(meta.revisions) // 4):
            return True
        return not self._sound(meta)

    def ensure_fresh(
        self,
        revisions: Sequence[tuple[str, int]],
        load_articles: Callable[[], Sequence[ArticleData]],
        progress: Progress | None = None,
    ) -> bool:
        """Rebuild if needed; returns True when a rebuild happened.

        Raises :class:`SearchIndexUnavailable` when a needed rebuild cannot be done.
        """
        if not self.needs_rebuild(revisions):
            self._tidy()
            return False

        def build() -> bool:
            # Another process may have rebuilt while this one waited for the lock.
            if not self.needs_rebuild(revisions):
                return False
            self._build_and_swap(load_articles(), progress)
            return True

        return self._as_writer(build)

    def rebuild(
        self, articles: Sequence[ArticleData] | None = None, progress: Progress | None = None
    ) -> int:
        """Build a complete new index beside the old one, then swap it in.

        Without ``articles``, they are loaded from ``source`` once the writer lock is
        held. If another process finished a rebuild of the same articles while this one
        waited for the lock, its index is kept. Returns the number of articles indexed.
        """
        before = self._build_id()

        def build() -> int:
            chosen = articles if articles is not None else self._load()
            revisions = [(a.slug, a.revision) for a in chosen]
            if self._build_id() == before or self.needs_rebuild(revisions):
                self._build_and_swap(chosen, progress)
            elif progress is not None:
                progress(len(chosen), len(chosen))
            return len(chosen)

        return self._as_writer(build)

    def update_articles(self, articles: Sequence[ArticleData]) -> bool:
        """Replace these articles' documents; True if the index now holds them.

        A missing index is left for the next :meth:`ensure_fresh` to build. Any failure
        marks the index stale rather than raising: the database already holds the
        change, so the save succeeded, and the next open rebuilds the index from it.
        """
        try:
            with self._writer.hold(WRITER_TIMEOUT_S):
                meta = self._stored_meta()
                if meta is None:
                    return False
                index = storage.open_index(self.directory)
                try:
                    if self._known_words is None:
                        self._known_words = read_words(self.directory)
                    known = self._known_words
                    writer = open_writer(index, timeout=WRITER_TIMEOUT_S)
                    for article in articles:
                        analysed = analyse(article)
                        new_words = analysed.words - known
                        writer.update_document(**to_document(analysed, meta.averages, new_words))
                    writer.commit(mergetype=merge_small_segments)
                finally:
                    index.close()
                meta.revisions.update({a.slug: a.revision for a in articles})
                meta.edited += len(articles)
                meta.write(self.directory, INDEX_FORMAT)
                self._reopen_if_open(meta)
        except Exception:  # noqa: BLE001 - see docstring: stale, not failed
            with contextlib.suppress(OSError):
                forget(self.directory)
            return False
        return True

    def _tidy(self) -> None:
        """Clear a crashed rebuild's leftovers and merge fragmented segments.

        Both write, so both need the writer lock; neither is needed for a correct
        answer, so they wait for no one: if another writer is busy, next time.
        """
        try:
            with self._writer.hold(0):
                for path in storage.leftovers(self.directory):
                    storage.remove(path)
                self._compact_if_fragmented()
        except Exception:  # noqa: BLE001 - housekeeping only
            return

    def _compact_if_fragmented(self) -> None:
        """Merge the segments that saves left behind, when there are many of them.

        Saves only merge a few tiny segments (see :mod:`kb.search.writing`), so after
        many edits the index is in pieces and every query pays for each. This runs when
        the index is opened, which the window does off the UI thread; it costs about
        as much as the edits it merges. Failing is harmless: many segments are slower,
        not wrong. The caller holds the writer lock.
        """
        meta = self._stored_meta()
        if meta is None:
            return
        with self._lock:
            if len(self._current_searcher().reader().leaf_readers()) <= COMPACT_AT:
                return
        index = storage.open_index(self.directory)
        try:
            writer = open_writer(index, timeout=WRITER_TIMEOUT_S)
            writer.commit(mergetype=merge_all_but_largest)
        finally:
            index.close()
        meta.write(self.directory, INDEX_FORMAT)
        self._reopen_if_open(meta)

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            if self._index is not None:
                self._index.close()
                self._index = None
            self._opened = None

    # -- searching -----------------------------------------------------------------

    def search(self, text: str, limit: int = 10, include_drafts: bool = False) -> SearchResults:
        """Best matches first. Never raises for any text; empty text gives no hits.

        Raises :class:`SearchIndexUnavailable` only when the index is damaged and
        cannot be rebuilt.
        """
        parsed = query_builder.parse(text)
        if parsed.is_empty:
            return SearchResults(text, (), 0, False)

        def run(searcher: Searcher) -> SearchResults:
            reader = searcher.reader()
            built = query_builder.build(parsed, reader)
            hits, total = self._run(searcher, built, include_drafts, limit)
            widened = False
            if total < FEW_RESULTS:
                wide = query_builder.build(parsed, reader, fuzzy=True)
                if wide.query is not None and wide.highlight_terms != built.highlight_terms:
                    built, widened = wide, True
                    hits, total = self._run(searcher, built, include_drafts, limit)
            return SearchResults(
                text,
                tuple(self._hit(h, built.highlight_terms) for h in hits),
                total,
                widened,
            )

        return self._searching(run)

    def related(self, text: str, limit: int = 3) -> tuple[SearchHit, ...]:
        """Published articles about what ``text`` (a call's notes) is about.

        A "more like this" search: the text's most distinctive indexed words (frequent in
        the notes, rare in the playbook: count × idf) are OR-ed together.
        """
        sample = normalise(text)[:RELATED_MAX_CHARS]
        if not sample.strip():
            return ()

        def run(searcher: Searcher) -> tuple[SearchHit, ...]:
            weighting = searcher.weighting
            field = query_builder.FIELD
            counts = Counter(
                stem for stem in stems(sample) if searcher.doc_frequency(field, stem) > 0
            )
            ranked = sorted(
                counts,
                key=lambda s: (-counts[s] * weighting.idf(searcher, field, s), s),
            )
            keys = ranked[:RELATED_TERMS]
            if not keys:
                return ()
            built = query_builder.BuiltQuery(
                Or([query_builder.BoostedTerm(field, key) for key in keys]), set(keys)
            )
            hits, _ = self._run(searcher, built, False, limit)
            return tuple(self._hit(h, built.highlight_terms) for h in hits)

        return self._searching(run)

    def browse(self, limit: int = 500, include_drafts: bool = False) -> SearchResults:
        """Every article, by category then title: what an empty search box shows."""

        def run(searcher: Searcher) -> tuple[list[dict[str, Any]], int]:
            hidden = self._hidden(searcher, include_drafts)
            # Sorted on a column of "category, title" keys: reading every stored article
            # (full text included) to sort them took 170 ms at 10,000 articles.
            results = searcher.search(
                Every(), limit=max(1, limit), sortedby=BROWSE_KEY, mask=hidden
            )
            documents = [hit.fields() for hit in results[:]]
            return documents, searcher.doc_count_all() - len(hidden)

        documents, total = self._searching(run)
        hits = tuple(
            SearchHit(
                slug=d["slug"],
                title=d["title"],
                category=d["category_name"],
                score=0.0,
                snippet=make_snippet(d["plain"], ()),
                status=Status(d["status"]),
            )
            for d in documents[:limit]
        )
        return SearchResults("", hits, total, False)

    def _run(
        self,
        searcher: Searcher,
        built: query_builder.BuiltQuery,
        include_drafts: bool,
        limit: int,
    ) -> tuple[list[object], int]:
        if built.query is None:
            return [], 0
        collector: Collector = TopCollector(limit=max(1, limit), replace=REPLACE_EVERY)
        hidden = self._hidden(searcher, include_drafts)
        if hidden:
            collector = FilterCollector(collector, restrict=hidden)
        searcher.search_with_collector(built.query, collector)
        results = collector.results()
        # Slice, not list(): list() asks len(), which re-runs the whole query unpruned.
        return results[:], results.scored_length()

    @staticmethod
    def _hit(hit: object, terms: set[str]) -> SearchHit:
        fields = hit.fields()  # type: ignore[attr-defined]
        return SearchHit(
            slug=fields["slug"],
            title=fields["title"],
            category=fields["category_name"],
            score=round(float(hit.score), 3),  # type: ignore[attr-defined]
            snippet=make_snippet(fields["plain"], terms),
            status=Status(fields["status"]),
        )

    # -- internals -----------------------------------------------------------------

    def _searching(self, run: Callable[[Searcher], T]) -> T:
        """Run a read on the current searcher; if the index fails it, heal and retry once.

        The index is derived data, so any failure reading it (a file gone, truncated or
        garbled: whoosh raises OSError, EOFError, struct, zlib, pickle, Key and Value
        errors) is answered by checking it and, if it is damaged, rebuilding it from the
        database. A second failure is reported as one message rather than a traceback.
        """
        try:
            with self._lock:
                return run(self._current_searcher())
        except Exception:  # noqa: BLE001 - see docstring: any failure means heal
            self._heal()
        try:
            with self._lock:
                return run(self._current_searcher())
        except Exception as exc:
            raise SearchIndexUnavailable(
                f"The search index in {self.directory} cannot be read: {storage.reason(exc)}"
            ) from exc

    def _heal(self) -> None:
        """Make the index usable again: keep it if it is sound, else rebuild it.

        Under the writer lock, so that a reader that failed mid-swap, or while another
        process was rebuilding, waits for that rebuild and then uses it.
        """
        self.close()

        def heal() -> None:
            meta = self._stored_meta()
            if meta is not None and self._sound(meta):
                return
            self._build_and_swap(self._load(), None)

        self._as_writer(heal)

    def _as_writer(self, work: Callable[[], T]) -> T:
        """Run ``work`` holding the writer lock; failures become one clear message."""
        try:
            with self._writer.hold(REBUILD_WAIT_S):
                return work()
        except LockTimeout as exc:
            raise SearchIndexUnavailable(
                f"The search index in {self.directory} is being rebuilt by another "
                "Companion that has not finished; try again when it has."
            ) from exc
        except OSError as exc:
            raise SearchIndexUnavailable(
                f"The search index in {self.directory} cannot be rebuilt: {os_error_reason(exc)}"
            ) from exc

    def _build_and_swap(self, articles: Sequence[ArticleData], progress: Progress | None) -> None:
        """Build in a staging directory of this process's own, then swap it in.

        The caller holds the writer lock. Searches in this process keep using the open
        index until the swap; other processes notice the swap on their next search.
        """
        for path in storage.leftovers(self.directory):
            storage.remove(path)
        staging = storage.make_staging(self.directory)
        try:
            report = build_into(staging, articles, progress)
            with self._lock:
                self.close()
                self._known_words = None
                storage.swap_in(staging, self.directory)
            report.finish()
        finally:
            if staging.exists():
                storage.remove(staging)

    def _sound(self, meta: IndexMeta) -> bool:
        """True when the files are as last written and whoosh can read every segment.

        Leaves the index open on success, since the caller is about to search it.
        """
        with self._lock:
            try:
                self._reopen(meta.files)
                assert self._searcher is not None
                storage.check_readable(self._searcher, query_builder.FIELD, BROWSE_KEY)
                if next(self._searcher.document_numbers(slug=LEXICON_SLUG), None) is None:
                    raise LookupError("the index has no lexicon document")
            except Exception:  # noqa: BLE001 - any failure to read means: rebuild it
                self.close()
                return False
        return True

    def _load(self) -> Sequence[ArticleData]:
        if self.source is None:
            raise SearchIndexUnavailable(
                f"The search index in {self.directory} is damaged; "
                "run `playbook reindex` to rebuild it."
            )
        return self.source()

    def _build_id(self) -> str | None:
        meta = self._stored_meta()
        return None if meta is None else meta.build

    def _current_searcher(self) -> Searcher:
        """The open searcher, reopened if any file of the index changed since it opened.

        Comparing the directory's listing (one ``stat`` a file) before each search is
        how a long-running process notices another process's rebuild or edit, the
        directory deleted under it (this raises, and the caller heals), and a file
        damaged in place. The last matters beyond correctness: whoosh memory-maps the
        segments, and reading a mapped file that was truncated kills the process, so a
        changed file is never read through the old mapping.
        """
        current = list_files(self.directory)
        if self._searcher is None or current != self._opened:
            self._reopen()
        assert self._searcher is not None
        return self._searcher

    def _reopen(self, expected: FileListing | None = None) -> None:
        """Open the index and a searcher on its latest commit, if its files are sound.

        Raises :class:`IndexDamaged` when the files are not those the last write recorded
        (``expected``, or else the record on disk). Not whoosh's ``Searcher.refresh()``:
        it reuses the reader of every segment whose id is unchanged, and a segment's id
        does not change when an edit deletes the old version of an article in it, so the
        reused reader kept showing the old text. Opening fresh costs a few milliseconds.
        """
        with self._lock:
            self.close()
            if expected is None:
                meta = self._stored_meta()
                expected = None if meta is None else meta.files
            listing = list_files(self.directory)
            if expected is None or listing != expected:
                raise IndexDamaged(f"the files in {self.directory} are not those last written")
            self._opened = listing
            self._index = storage.open_index(self.directory)
            self._searcher = self._index.searcher(weighting=ImpactWeighting())

    def _reopen_if_open(self, written: IndexMeta) -> None:
        with self._lock:
            if self._searcher is not None:
                self._reopen(written.files)

    def _hidden(self, searcher: Searcher, include_drafts: bool) -> set[int]:
        """Documents a result must not show: deleted versions, the lexicon document, and
        drafts unless asked for.

        Masking the few drafts is cheaper than allowing the many published articles, and
        deleted versions are masked here, once per result set, because
        :class:`query_builder.BoostedTerm` leaves them in its postings for speed.
        Computed once per searcher, since it only changes when the index does.
        """
        if self._masks is None or self._masks[0] is not searcher:
            never: set[int] = set(searcher.document_numbers(slug=LEXICON_SLUG))
            for leaf, offset in searcher.leaf_searchers():
                gone = getattr(leaf.reader(), "deleted_docs_set", ())
                never.update(offset + docnum for docnum in gone)
            drafts = set(searcher.docs_for_query(DRAFTS)) | never
            self._masks = (searcher, never, drafts)
        return self._masks[1] if include_drafts else self._masks[2]

    def _stored_meta(self) -> IndexMeta | None:
        return IndexMeta.read(self.directory, INDEX_FORMAT)
