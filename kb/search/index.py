"""The playbook's whoosh index and its lifecycle.

The index is derived data: it can always be rebuilt from the database, and it is,
automatically, when it is missing, unreadable, built by an older format, or does not
reflect the database's article revisions (``revisions.json`` records which revision of
each article it holds). One searcher is kept open and refreshed after commits, because
opening a searcher costs far more than a query.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.query import Or, Term
from whoosh.searching import Searcher

from kb.article import ArticleData, Status
from kb.search import query as query_builder
from kb.search.snippets import Snippet, make_snippet
from kb.search.text import PLAIN, STEMMED, codes_in, markdown_to_text, normalise

# Bump when the schema or analyzers change, so old indexes are rebuilt rather than misread.
INDEX_FORMAT = 2
REVISIONS_FILE = "revisions.json"
FEW_RESULTS = 3
WRITER_TIMEOUT_S = 10.0
RELATED_MAX_CHARS = 4000
RELATED_TERMS = 12

Progress = Callable[[int, int], None]


def _schema() -> Schema:
    return Schema(
        slug=ID(stored=True, unique=True),
        title=TEXT(analyzer=STEMMED, field_boost=4.0, stored=True),
        aliases=TEXT(analyzer=STEMMED, field_boost=3.0),
        tags=TEXT(analyzer=STEMMED, field_boost=2.0),
        category=TEXT(analyzer=STEMMED, field_boost=1.5),
        body=TEXT(analyzer=STEMMED),
        words=TEXT(analyzer=PLAIN, phrase=False),
        codes=KEYWORD(lowercase=True, scorable=True),
        category_name=STORED(),
        status=ID(stored=True),
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

    # -- lifecycle -----------------------------------------------------------------

    def needs_rebuild(self, revisions: Sequence[tuple[str, int]]) -> bool:
        """True when the index is missing, unreadable, of an old format, or stale."""
        stored = self._stored_revisions()
        if stored is None or stored != dict(revisions):
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
            return False
        self.rebuild(load_articles(), progress)
        return True

    def rebuild(self, articles: Sequence[ArticleData], progress: Progress | None = None) -> None:
        """Build a complete new index beside the old one, then swap it in."""
        with self._lock:
            self.close()
            staging = self.directory.with_name(self.directory.name + ".new")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            index = whoosh_index.create_in(str(staging), _schema())
            writer = index.writer(limitmb=128)
            total = len(articles)
            for done, article in enumerate(articles, start=1):
                writer.add_document(**_document(article))
                if progress is not None and (done % 50 == 0 or done == total):
                    progress(done, total)
            writer.commit()
            index.close()
            _write_revisions(staging, {a.slug: a.revision for a in articles})
            old = self.directory.with_name(self.directory.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.directory.exists():
                self.directory.rename(old)
            staging.rename(self.directory)
            shutil.rmtree(old, ignore_errors=True)
            if progress is not None and total == 0:
                progress(0, 0)

    def update_articles(self, articles: Sequence[ArticleData]) -> bool:
        """Replace these articles' documents; True if the index now holds them.

        A missing index is left for the next :meth:`ensure_fresh` to build. Any failure
        marks the index stale rather than raising: the database already holds the
        change, so the save succeeded, and the next open rebuilds the index from it.
        """
        with self._lock:
            stored = self._stored_revisions()
            if stored is None:
                return False
            try:
                index = self._open()
                writer = index.writer(timeout=WRITER_TIMEOUT_S)
                for article in articles:
                    writer.update_document(**_document(article))
                writer.commit()
                stored.update({a.slug: a.revision for a in articles})
                _write_revisions(self.directory, stored)
                self._refresh()
            except Exception:  # noqa: BLE001 - see docstring: stale, not failed
                (self.directory / REVISIONS_FILE).unlink(missing_ok=True)
                return False
            return True

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
            status_filter = None if include_drafts else Term("status", Status.PUBLISHED.value)
            built = query_builder.build(parsed, reader)
            hits, total = self._run(searcher, built, status_filter, limit)
            widened = False
            if total < FEW_RESULTS:
                wide = query_builder.build(parsed, reader, fuzzy=True)
                if wide.query is not None and wide.highlight_terms != built.highlight_terms:
                    built, widened = wide, True
                    hits, total = self._run(searcher, built, status_filter, limit)
            return SearchResults(
                text,
                tuple(self._hit(h, built.highlight_terms) for h in hits),
                total,
                widened,
            )

    def related(self, text: str, limit: int = 3) -> tuple[SearchHit, ...]:
        """Published articles about what ``text`` (a call's notes) is about.

        A "more like this" search: the text's most distinctive indexed words, as whoosh's
        key-terms model picks them against this playbook, are OR-ed over every field.
        """
        sample = normalise(text)[:RELATED_MAX_CHARS]
        if not sample.strip():
            return ()
        with self._lock:
            searcher = self._current_searcher()
            keys = [
                term
                for term, _ in searcher.key_terms_from_text("body", sample, numterms=RELATED_TERMS)
            ]
            if not keys:
                return ()
            built = query_builder.BuiltQuery(
                Or([query_builder.any_field(term) for term in keys]), set(keys)
            )
            status_filter = Term("status", Status.PUBLISHED.value)
            hits, _ = self._run(searcher, built, status_filter, limit)
            return tuple(self._hit(h, built.highlight_terms) for h in hits)

    def browse(self, limit: int = 500, include_drafts: bool = False) -> SearchResults:
        """Every article, by category then title: what an empty search box shows."""
        with self._lock:
            searcher = self._current_searcher()
            criteria = {} if include_drafts else {"status": Status.PUBLISHED.value}
            documents = sorted(
                searcher.documents(**criteria),
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
        status_filter: Term | None,
        limit: int,
    ) -> tuple[list[object], int]:
        if built.query is None:
            return [], 0
        results = searcher.search(built.query, limit=max(1, limit), filter=status_filter)
        return list(results), results.scored_length()

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
            self._searcher = self._open().searcher()
        elif not self._searcher.up_to_date():
            self._refresh()
        assert self._searcher is not None
        return self._searcher

    def _refresh(self) -> None:
        if self._searcher is not None:
            self._searcher = self._searcher.refresh()

    def _stored_revisions(self) -> dict[str, int] | None:
        try:
            data = json.loads((self.directory / REVISIONS_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
            return None
        revisions = data.get("revisions")
        return revisions if isinstance(revisions, dict) else None


def _document(article: ArticleData) -> dict[str, str]:
    plain = markdown_to_text(_without_title_heading(article.body, article.title))
    title = normalise(article.title)
    aliases = normalise("\n".join(article.aliases))
    tags = normalise(" ".join(article.tags))
    category = article.category.replace("-", " ")
    everything = "\n".join([title, aliases, tags, category, plain])
    return {
        "slug": article.slug,
        "title": title,
        "aliases": aliases,
        "tags": tags,
        "category": category,
        "body": plain,
        "words": everything,
        "codes": " ".join(dict.fromkeys(codes_in(everything))),
        "category_name": article.category,
        "status": str(article.status),
        "plain": plain,
    }


def _without_title_heading(body: str, title: str) -> str:
    """Drop a leading ``# Title`` that repeats the title, so snippets start with content."""
    first, _, rest = body.lstrip().partition("\n")
    if first.startswith("# ") and " ".join(first[2:].split()) == title:
        return rest
    return body


def _write_revisions(directory: Path, revisions: dict[str, int]) -> None:
    target = directory / REVISIONS_FILE
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps({"format": INDEX_FORMAT, "revisions": revisions}), "utf-8")
    temporary.replace(target)
