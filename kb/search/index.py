"""The playbook's whoosh index and its lifecycle.

The index is derived data: it can always be rebuilt from the database, and it is,
automatically, when it is missing, unreadable, built by an older format, does not
reflect the database's article revisions, or holds many articles indexed one edit at a
time (see :mod:`kb.search.meta`). One searcher is kept open and reopened after commits,
because opening a searcher costs far more than a query.

How it is made fast (measured in ``bench/``): one impact-weighted field instead of five
(:mod:`kb.search.scoring`), a leaner writer (:mod:`kb.search.writing`), fast analysis
(:mod:`kb.search.text`), capped completions (:mod:`kb.search.query`) and snippets from
one regex (:mod:`kb.search.snippets`).
"""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.collectors import Collector, FilterCollector, TopCollector
from whoosh.fields import COLUMN, ID, STORED, Schema
from whoosh.query import Every, Or, Term
from whoosh.searching import Searcher

from kb.article import ArticleData, Status
from kb.search import query as query_builder
from kb.search.documents import (
    BROWSE_KEY,
    LEXICON_SLUG,
    analyse,
    averages_of,
    lexicon_document,
    to_document,
    word_counts,
)
from kb.search.meta import IndexMeta, forget, read_words, write_words
from kb.search.progress import Progress, RebuildProgress
from kb.search.scoring import ImpactField, ImpactWeighting, WordsField
from kb.search.snippets import Snippet, make_snippet
from kb.search.text import normalise, stems
from kb.search.writing import merge_all_but_largest, merge_small_segments, open_writer

# Bump when the schema or analyzers change, so old indexes are rebuilt rather than misread.
INDEX_FORMAT = 3
FEW_RESULTS = 3
WRITER_TIMEOUT_S = 10.0
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


def _schema() -> Schema:
    return Schema(
        slug=ID(stored=True, unique=True),
        text=ImpactField(),
        words=WordsField(),
        status=ID(stored=True),
        title=STORED(),
        category_name=STORED(),
        plain=STORED(),
        browse_key=COLUMN(),
    )


@dataclass(frozen=True)
class SearchHit:
    slug: str
    title: str
    category: str
    score: float
    snippet: Snippet
    status: Status


@dataclass(frozen=True)
class SearchResults:
    text: str
    hits: tuple[SearchHit, ...]
    total: int
    widened: bool  # misspellings were widened to nearby words


class SearchIndex:
    """Owns the index directory: open, rebuild, update, search. Thread-safe for one writer."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.RLock()
        self._index: whoosh_index.Index | None = None
        self._searcher: Searcher | None = None
        self._masks: tuple[Searcher, set[int], set[int]] | None = None
        self._known_words: frozenset[str] | None = None

    # -- lifecycle -----------------------------------------------------------------

    def needs_rebuild(self, revisions: Sequence[tuple[str, int]]) -> bool:
        """True when the index is missing, unreadable, of an old format, or stale.

        Also after many edits: an import of a thousand articles into a fresh playbook
        goes in as edits, with the field-length averages of the few articles there were.
        """
        meta = self._stored_meta()
        if meta is None or meta.revisions != dict(revisions):
            return True
        if meta.edited > max(REBUILD_AFTER_EDITS, len(meta.revisions) // 4):
            return True
        try:
            self._open()
        except Exception:  # noqa: BLE001 - any failure to read means: rebuild it
            return True
        return False

    def ensure_fresh(
        self,
        revisions: Sequence[tuple[str, int]],
        load_articles: Callable[[], Sequence[ArticleData]],
        progress: Progress | None = None,
    ) -> bool:
        """Rebuild if needed; returns True when a rebuild happened."""
        if not self.needs_rebuild(revisions):
            self._compact_if_fragmented()
            return False
        self.rebuild(load_articles(), progress)
        return True

    def rebuild(self, articles: Sequence[ArticleData], progress: Progress | None = None) -> None:
        """Build a complete new index beside the old one, then swap it in."""
        with self._lock:
            self.close()
            self._known_words = None
            staging = self.directory.with_name(self.directory.name + ".new")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            report = RebuildProgress(progress, len(articles))
            analysed = []
            for article in articles:
                analysed.append(analyse(article))
                report.analysed()
            averages = averages_of(analysed)
            index = whoosh_index.create_in(str(staging), _schema())
            writer = open_writer(index, progress=report.committing)
            for document in analysed:
                writer.add_document(**to_document(document, averages))
                report.added()
            counts = word_counts(analysed)
            writer.add_document(**lexicon_document(counts))
            write_words(staging, counts)
            writer.commit()
            index.close()
            meta = IndexMeta({a.slug: a.revision for a in articles}, averages)
            meta.write(staging, INDEX_FORMAT)
            old = self.directory.with_name(self.directory.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.directory.exists():
                self.directory.rename(old)
            staging.rename(self.directory)
            shutil.rmtree(old, ignore_errors=True)
            report.finish()

    def update_articles(self, articles: Sequence[ArticleData]) -> bool:
        """Replace these articles' documents; True if the index now holds them.

        A missing index is left for the next :meth:`ensure_fresh` to build. Any failure
        marks the index stale rather than raising: the database already holds the
        change, so the save succeeded, and the next open rebuilds the index from it.
        """
        with self._lock:
            meta = self._stored_meta()
            if meta is None:
                return False
            try:
                index = self._open()
                if self._known_words is None:
                    self._known_words = read_words(self.directory)
                known = self._known_words
                writer = open_writer(index, timeout=WRITER_TIMEOUT_S)
                for article in articles:
                    analysed = analyse(article)
                    new_words = analysed.words - known
                    writer.update_document(**to_document(analysed, meta.averages, new_words))
                writer.commit(mergetype=merge_small_segments)
                meta.revisions.update({a.slug: a.revision for a in articles})
                meta.edited += len(articles)
                meta.write(self.directory, INDEX_FORMAT)
                self._refresh()
            except Exception:  # noqa: BLE001 - see docstring: stale, not failed
                forget(self.directory)
                return False
            return True

    def _compact_if_fragmented(self) -> None:
        """Merge the segments that saves left behind, when there are many of them.

        Saves only merge a few tiny segments (see :mod:`kb.search.writing`), so after
        many edits the index is in pieces and every query pays for each. This runs when
        the index is opened, which the window does off the UI thread; it costs about
        as much as the edits it merges. Failing is harmless: many segments are slower,
        not wrong.
        """
        with self._lock:
            try:
                if len(self._current_searcher().reader().leaf_readers()) <= COMPACT_AT:
                    return
                writer = open_writer(self._open(), timeout=WRITER_TIMEOUT_S)
                writer.commit(mergetype=merge_all_but_largest)
                self._refresh()
            except Exception:  # noqa: BLE001 - see docstring: an optimisation only
                return

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            if self._index is not None:
                self._index.close()
                self._index = None

    # -- searching -----------------------------------------------------------------

    def search(self, text: str, limit: int = 10, include_drafts: bool = False) -> SearchResults:
        """Best matches first. Never raises for any text; empty text gives no hits."""
        parsed = query_builder.parse(text)
        if parsed.is_empty:
            return SearchResults(text, (), 0, False)
        with self._lock:
            searcher = self._current_searcher()
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

    def related(self, text: str, limit: int = 3) -> tuple[SearchHit, ...]:
        """Published articles about what ``text`` (a call's notes) is about.

        A "more like this" search: the text's most distinctive indexed words (frequent in
        the notes, rare in the playbook: count × idf) are OR-ed together.
        """
        sample = normalise(text)[:RELATED_MAX_CHARS]
        if not sample.strip():
            return ()
        with self._lock:
            searcher = self._current_searcher()
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

    def browse(self, limit: int = 500, include_drafts: bool = False) -> SearchResults:
        """Every article, by category then title: what an empty search box shows."""
        with self._lock:
            searcher = self._current_searcher()
            hidden = self._hidden(searcher, include_drafts)
            # Sorted on a column of "category, title" keys: reading every stored article
            # (full text included) to sort them took 170 ms at 10,000 articles.
            results = searcher.search(
                Every(), limit=max(1, limit), sortedby=BROWSE_KEY, mask=hidden
            )
            documents = [hit.fields() for hit in results[:]]
            total = searcher.doc_count_all() - len(hidden)
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

    def _open(self) -> whoosh_index.Index:
        if self._index is None:
            self._index = whoosh_index.open_dir(str(self.directory))
        return self._index

    def _current_searcher(self) -> Searcher:
        if self._searcher is None:
            self._searcher = self._open().searcher(weighting=ImpactWeighting())
        elif not self._searcher.up_to_date():
            self._refresh()
        assert self._searcher is not None
        return self._searcher

    def _refresh(self) -> None:
        """Open a new searcher on the latest commit (only if one was open).

        Not whoosh's ``Searcher.refresh()``: it reuses the reader of every segment whose
        id is unchanged, and a segment's id does not change when an edit deletes the old
        version of an article in it, so the reused reader kept showing the old text (an
        edited article stayed findable by words it no longer has). Opening fresh costs a
        few milliseconds per commit.
        """
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = self._open().searcher(weighting=ImpactWeighting())

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
