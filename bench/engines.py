"""The two engines under test behind one small interface.

Companion is driven only through its public API: articles go in through
``Playbook.save_batch`` like an import, the index is built by
``Workspace.rebuild_index`` (loading from the database included, as in the app),
searches go through ``SearchIndex.search`` and edits through ``Playbook.save``.

The baseline is SQLite FTS5 as a careful developer would set it up: porter stemming
over unicode61, bm25 with the same field weights, ``snippet()`` for the extract, every
word ORed with the half-typed last one as a prefix (the same query Companion runs), and
the same plain text (Markdown stripped). Drafts are kept out of the FTS table rather
than filtered per query, which cost FTS5 up to 18 ms a query reading the status column.
FTS5 has no typo tolerance, so misspellings cost it nothing; that is part of what is
compared.
"""

from __future__ import annotations

import re
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from kb.article import ArticleDraft, Status
from kb.search.text import markdown_to_text
from kb.workspace import Workspace, open_workspace

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Found:
    slug: str
    snippet_html: str


class Engine(Protocol):
    name: str

    def load(self, articles: Sequence[ArticleDraft]) -> None:
        """Put the articles in the engine's store, untimed (the database import)."""

    def build(self, progress: Progress | None = None) -> None:
        """Build the full-text index of everything loaded."""

    def search(self, text: str, limit: int = 10) -> list[Found]:
        """Best first, each with its highlighted snippet."""

    def update(self, article: ArticleDraft) -> None:
        """Save one edited article so that later searches see it."""

    def close(self) -> None: ...


class CompanionEngine:
    name = "Companion"

    def __init__(self, directory: Path) -> None:
        self.workspace: Workspace = open_workspace(directory, load_defaults=False)

    def load(self, articles: Sequence[ArticleDraft]) -> None:
        self.workspace.playbook.save_batch(articles, self.workspace.user)

    def build(self, progress: Progress | None = None) -> None:
        self.workspace.rebuild_index(progress)

    def search(self, text: str, limit: int = 10) -> list[Found]:
        results = self.workspace.index.search(text, limit=limit)
        return [Found(hit.slug, hit.snippet.to_html()) for hit in results.hits]

    def update(self, article: ArticleDraft) -> None:
        self.workspace.playbook.save(article, self.workspace.user)

    def close(self) -> None:
        self.workspace.close()


_TOKEN = re.compile(r"\w+")


class Fts5Engine:
    name = "SQLite FTS5"

    WEIGHTS = (0.0, 4.0, 3.0, 2.0, 1.5, 1.0)  # slug, title, aliases, tags, category, body

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(directory / "fts5.db", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            "CREATE TABLE articles (slug TEXT PRIMARY KEY, title TEXT, aliases TEXT, "
            "tags TEXT, category TEXT, body TEXT, status TEXT)"
        )
        self.rowids: dict[str, int] = {}

    def load(self, articles: Sequence[ArticleDraft]) -> None:
        self.db.execute("BEGIN")
        for article in articles:
            cursor = self.db.execute(
                "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)", self._row(article)
            )
            assert cursor.lastrowid is not None
            self.rowids[article.slug] = cursor.lastrowid
        self.db.execute("COMMIT")

    def build(self, progress: Progress | None = None) -> None:
        self.db.execute("DROP TABLE IF EXISTS fts")
        self.db.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(slug UNINDEXED, title, aliases, tags, "
            "category, body, tokenize='porter unicode61 remove_diacritics 2')"
        )
        rows = self.db.execute(
            "SELECT rowid, slug, title, aliases, tags, category, body FROM articles "
            "WHERE status = 'published'"
        ).fetchall()
        self.db.execute("BEGIN")
        for done, row in enumerate(rows, start=1):
            self._insert(*row)
            if progress is not None and done % 500 == 0:
                progress(done, len(rows))
        self.db.execute("COMMIT")

    def search(self, text: str, limit: int = 10) -> list[Found]:
        match = fts5_query(text)
        if match is None:
            return []
        weights = ", ".join(str(w) for w in self.WEIGHTS)
        rows = self.db.execute(
            "SELECT slug, snippet(fts, 5, '<b>', '</b>', '…', 24) FROM fts "
            f"WHERE fts MATCH ? ORDER BY bm25(fts, {weights}) LIMIT ?",
            (match, limit),
        ).fetchall()
        return [Found(slug, snippet) for slug, snippet in rows]

    def update(self, article: ArticleDraft) -> None:
        rowid = self.rowids[article.slug]
        slug, title, aliases, tags, category, body, status = self._row(article)
        self.db.execute("BEGIN")
        self.db.execute(
            "UPDATE articles SET title=?, aliases=?, tags=?, category=?, body=?, status=? "
            "WHERE rowid=?",
            (title, aliases, tags, category, body, status, rowid),
        )
        self.db.execute("DELETE FROM fts WHERE rowid=?", (rowid,))
        if status == Status.PUBLISHED:
            self._insert(rowid, slug, title, aliases, tags, category, body)
        self.db.execute("COMMIT")

    def _insert(self, rowid: int, slug: str, *fields: str) -> None:
        *head, body = fields
        self.db.execute(
            "INSERT INTO fts (rowid, slug, title, aliases, tags, category, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (rowid, slug, *head, markdown_to_text(body)),
        )

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def _row(article: ArticleDraft) -> tuple[str, ...]:
        return (
            article.slug,
            article.title,
            "\n".join(article.aliases),
            " ".join(article.tags),
            article.category.replace("-", " "),
            article.body,
            str(article.status),
        )


def fts5_query(text: str) -> str | None:
    """Every word quoted (so nothing is an operator) and ORed; a half-typed last word of
    two letters or more is a prefix, the same rule Companion applies."""
    folded = unicodedata.normalize("NFKC", text)[:300]
    words = list(dict.fromkeys(_TOKEN.findall(folded.lower())[:24]))
    if not words:
        return None
    partial = _TOKEN.findall(folded.lower())[-1]
    typing = not folded[-1].isspace() and len(partial) >= 2
    terms = [f'"{w}"*' if typing and w == partial else f'"{w}"' for w in words]
    return " OR ".join(terms)


def edited(article: ArticleDraft, marker: str) -> ArticleDraft:
    """The article with a new, unique word appended, so its visibility can be checked."""
    return replace(article, body=f"{article.body}\nAlso known internally as {marker}.\n")


def update_to_visible(engine: Engine, article: ArticleDraft, marker: str) -> float:
    """Seconds from the start of the save until a search for ``marker`` returns the article."""
    start = time.perf_counter()
    engine.update(edited(article, marker))
    deadline = start + 10.0
    while time.perf_counter() < deadline:
        if any(found.slug == article.slug for found in engine.search(marker)):
            return time.perf_counter() - start
    raise RuntimeError(f"{engine.name} never showed the edit of {article.slug}")


def published(articles: Sequence[ArticleDraft]) -> list[ArticleDraft]:
    return [a for a in articles if a.status is Status.PUBLISHED]
