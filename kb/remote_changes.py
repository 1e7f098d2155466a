"""Other desks' playbook saves, applied to this desk's search index as they arrive.

Each desk keeps its own whoosh index in its data dir. When the change feed
(:mod:`companion.change_feed`) reports articles saved elsewhere, their current visible
revisions (what agents read: see :mod:`kb.store`) are loaded from the database and
replace those articles' documents, one small index commit, exactly as a save at this
desk does. A 10,000-article playbook is never rebuilt for one edit.

An article that is no longer in the database at all (the app never deletes one; a
restored backup or a hand edit can) cannot be updated in place; that rare case
rebuilds the index from the database, which is always correct.
"""

from __future__ import annotations

from collections.abc import Iterable

from companion.changes import Changes
from companion.db import translate_errors
from companion.errors import NotFound
from kb import store
from kb.article import ArticleData
from kb.search.index import SearchIndex


def load_visible(slugs: Iterable[str]) -> tuple[list[ArticleData], list[str]]:
    """The visible revision of each article, and the slugs no longer in the database."""
    found: list[ArticleData] = []
    gone: list[str] = []
    with translate_errors():
        for slug in sorted(set(slugs)):
            try:
                found.append(store.visible_article(slug))
            except NotFound:
                gone.append(slug)
    return found, gone


def apply_article_changes(index: SearchIndex, changes: Changes) -> int:
    """Bring ``index`` up to date with the articles in ``changes``; how many were applied.

    Raises :class:`~companion.errors.DatabaseUnavailable` when the articles cannot be
    read; the index is then left as it was, and the next open checks it anyway.
    """
    if not changes.articles:
        return 0
    articles, gone = load_visible(changes.articles)
    if gone:
        index.rebuild()
        return len(changes.articles)
    if articles:
        index.update_articles(articles)
    return len(articles)
