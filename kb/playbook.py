"""Saving articles so the store and the search index never drift apart.

Every path that saves an article (the importer, the editor, the default playbook)
goes through here: the database transaction commits first, then the index is told.
If the index cannot be updated it is marked stale and rebuilt on next open, because
the database is the record and the index is only derived from it. The index is
given what agents see (``SaveResult.visible``), so a draft saved over a published
article never replaces the published text in search.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from companion.errors import CompanionError
from companion.users import User
from kb import store
from kb.article import ArticleData, ArticleDraft


class IndexSink(Protocol):
    def update_articles(self, articles: Sequence[ArticleData]) -> bool: ...


class Playbook:
    def __init__(self, index: IndexSink | None = None) -> None:
        self.index = index

    def save(self, draft: ArticleDraft, user: User) -> store.SaveResult:
        result = store.save_article(draft, user)
        if _agents_see_change(result):
            self._reindex([result.visible])
        return result

    def save_batch(
        self, drafts: Sequence[ArticleDraft], user: User
    ) -> list[store.SaveResult | CompanionError]:
        """Save each draft in its own transaction; one bad draft never blocks the rest."""
        results: list[store.SaveResult | CompanionError] = []
        changed: list[ArticleData] = []
        for draft in drafts:
            try:
                result = store.save_article(draft, user)
            except CompanionError as exc:
                results.append(exc)
                continue
            results.append(result)
            if _agents_see_change(result):
                changed.append(result.visible)
        if changed:
            self._reindex(changed)
        return results

    def _reindex(self, articles: Sequence[ArticleData]) -> None:
        if self.index is not None:
            self.index.update_articles(articles)


def _agents_see_change(result: store.SaveResult) -> bool:
    """A draft saved over a published article leaves the indexed text as it was."""
    return (
        result.outcome is not store.SaveOutcome.UNCHANGED
        and result.visible.revision == result.article.revision
    )
