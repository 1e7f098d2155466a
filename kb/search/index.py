"""The playbook's whoosh index and its lifecycle.

The index is derived data: it can always be rebuilt from the database, and it is,
automatically, when it is missing, unreadable, built by an older format, or does not
reflect the database's article revisions (``revisions.json`` records which revision of
each article it holds, and the field-length averages its scores were computed with).
One searcher is kept open and refreshed after commits, because opening a searcher
costs far more than a query.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.collectors import Collector, FilterCollector, TopCollector
from whoosh.fields import ID, STORED, Schema
from whoosh.query import Or, Term
from whoosh.searching import Searcher

from kb.article import ArticleData, Status
from kb.search import query as query_builder
from kb.search.documents import (
    LEXICON_STATUS,
    analyse,
    averages_of,
    lexicon_document,
    to_document,
    word_counts,
)
from kb.search.scoring import FieldAverages, ImpactField, ImpactWeighting, WordsField
from kb.search.snippets import Snippet, make_snippet
from kb.search.text import normalise, stems
from kb.search.writing import merge_all_but_largest, merge_small_segments, open_writer

# Bump when the schema or analyzers change, so old indexes are rebuilt rather than misread.
INDEX_FORMAT = 3
REVISIONS_FILE = "revisions.json"
WORDS_FILE = "words.txt"  # the lexicon document's words, one a line
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

Progress = Callable[[int, int], None]


def _schema() -> Schema:
    return Schema(
        slug=ID(stored=True, unique=True),
        text=ImpactField(),
        words=WordsField(),
        status=ID(stored=True),
        title=STORED(),
        category_name=STORED(),
        plain=STORED(),
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
        """True when the index is missing, unreadable, of an old format, or stale."""
        meta = self._stored_meta()
        if meta is None or meta.revisions != dict(revisions):
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
            report = _PhasedProgress(progress, len(articles))
            analysed = []
            for article in articles:
                analysed.append(analyse(article))
                report.step(ANALYSE)
            averages = averages_of(analysed)
            index = whoosh_index.create_in(str(staging), _schema())
            writer = open_writer(index)
            for document in analysed:
                writer.add_document(**to_document(document, averages))
                report.step(ADD)
            counts = word_counts(analysed)
            writer.add_document(**lexicon_document(counts))
            _write_words(staging, counts)
            writer.commit()
            index.close()
            _Meta({a.slug: a.revision for a in articles}, averages).write(staging)
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
                known = self._lexicon_words()
                writer = open_writer(index, timeout=WRITER_TIMEOUT_S)
                for article in articles:
                    analysed = analyse(article)
                    new_words = analysed.words - known
                    writer.update_document(**to_document(analysed, meta.averages, new_words))
                writer.commit(mergetype=merge_small_segments)
                meta.revisions.update({a.slug: a.revision for a in articles})
                meta.write(self.directory)
                self._refresh()
            except Exception:  # noqa: BLE001 - see docstring: stale, not failed
                (self.directory / REVISIONS_FILE).unlink(missing_ok=True)
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
            criteria = {} if include_drafts else {"status": Status.PUBLISHED.value}
            documents = sorted(
                (d for d in searcher.documents(**criteria) if d["status"] != LEXICON_STATUS),
                key=lambda d: (d["category_name"], d["title"].casefold()),
            )
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
        return SearchResults("", hits, len(documents), False)

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
        if self._searcher is not None:
            self._searcher = self._searcher.refresh()

    def _hidden(self, searcher: Searcher, include_drafts: bool) -> set[int]:
        """Documents a result must not show: deleted versions, and drafts unless asked for.

        Masking the few drafts is cheaper than allowing the many published articles, and
        deleted versions are masked here, once per result set, because
        :class:`query_builder.BoostedTerm` leaves them in its postings for speed.
        Computed once per searcher, since it only changes when the index does.
        """
        if self._masks is None or self._masks[0] is not searcher:
            deleted: set[int] = set()
            for leaf, offset in searcher.leaf_searchers():
                gone = getattr(leaf.reader(), "deleted_docs_set", ())
                deleted.update(offset + docnum for docnum in gone)
            drafts = set(searcher.docs_for_query(DRAFTS)) | deleted
            self._masks = (searcher, deleted, drafts)
        return self._masks[1] if include_drafts else self._masks[2]

    def _lexicon_words(self) -> frozenset[str]:
        """The words the lexicon document holds (``words.txt``), read once per rebuild.

        Unreadable means empty: edits then post all their words, which is correct, only
        bigger.
        """
        if self._known_words is None:
            try:
                text = (self.directory / WORDS_FILE).read_text("utf-8")
            except (OSError, UnicodeError):
                text = ""
            self._known_words = frozenset(text.split("\n")) - {""}
        return self._known_words

    def _stored_meta(self) -> _Meta | None:
        return _Meta.read(self.directory)


@dataclass
class _Meta:
    """What ``revisions.json`` records beside the whoosh files."""

    revisions: dict[str, int]
    averages: FieldAverages

    @classmethod
    def read(cls, directory: Path) -> _Meta | None:
        try:
            data = json.loads((directory / REVISIONS_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
            return None
        revisions = data.get("revisions")
        averages = FieldAverages.from_json(data.get("averages"))
        if not isinstance(revisions, dict) or averages is None:
            return None
        return cls(revisions, averages)

    def write(self, directory: Path) -> None:
        target = directory / REVISIONS_FILE
        temporary = target.with_suffix(".tmp")
        payload = {
            "format": INDEX_FORMAT,
            "revisions": self.revisions,
            "averages": self.averages.to_json(),
        }
        temporary.write_text(json.dumps(payload), "utf-8")
        temporary.replace(target)


# A rebuild reports one count from 0 to the number of articles; each phase gets the
# share of it that it takes of the time (measured at 10,000 articles).
ANALYSE, ADD = 0.3, 0.5


class _PhasedProgress:
    """Spreads analysis, adding and committing over one ``done / total`` article count."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.work = 0.0
        self.reported = -1

    def step(self, share: float) -> None:
        self.work += share
        done = min(self.total - 1, int(self.work))
        if self.progress is not None and done >= self.reported + max(1, self.total // 100):
            self.reported = done
            self.progress(done, self.total)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total)


def _write_words(directory: Path, words: Iterable[str]) -> None:
    """Record the lexicon document's words, so edits can post only the new ones."""
    (directory / WORDS_FILE).write_text("\n".join(sorted(words)), "utf-8")
