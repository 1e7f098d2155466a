"""Saving articles so the store and the search index never drift apart.

Every path that saves an article (the importer, the editor, the default playbook)
goes through here: the database transaction commits first, then the index is told.
If the index cannot be updated it is marked stale and rebuilt on next open, because
the database is the record and the index is only derived from it. The index is
given what agents see (``SaveResult.visible``), so a draft saved over a published
article never replaces the published text in search.

Saving is a playbook editor's work whoever asks (the editor, an import, a script),
so the rights check happens here, inside each save's transaction, against the row
as stored: a supervisor demoted mid-import stops at the next article.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from companion.db import database
from companion.errors import CompanionError, PermissionDenied
from companion.permissions import EDITORS, require_role
from companion.users import User
from kb import store
from kb.article import ArticleData, ArticleDraft, Status


class IndexSink(Protocol):
    def update_articles(self, articles: Sequence[ArticleData]) -> bool: ...


class Playbook:
    def __init__(self, index: IndexSink | None = None) -> None:
        self.index = index

    def save(
        self, draft: ArticleDraft, user: User, *, base_revision: int | None = None
    ) -> store.SaveResult:
        """Save one article; ``base_revision`` as in :func:`kb.store.save_article`."""
        result = _checked_save(draft, user, base_revision)
        if _agents_see_change(result):
            self._reindex([result.visible])
        return result

    def save_batch(
        self, drafts: Sequence[ArticleDraft], user: User
    ) -> list[store.SaveResult | CompanionError]:
        """Save each draft in its own transaction; one bad draft never blocks the rest.

        A refusal of the person is not a bad draft: it stops the batch and is raised,
        after what was already saved has reached the index.
        """
        results: list[store.SaveResult | CompanionError] = []
        changed: list[ArticleData] = []
        try:
            for draft in drafts:
                try:
                    result = _checked_save(draft, user)
                except PermissionDenied:
                    raise
                except CompanionError as exc:
                    results.append(exc)
                    continue
                results.append(result)
                if _agents_see_change(result):
                    changed.append(result.visible)
        finally:
            if changed:
                self._reindex(changed)
        return results

    def _reindex(self, articles: Sequence[ArticleData]) -> None:
        if self.index is not None:
            self.index.update_articles(articles)


def _checked_save(
    draft: ArticleDraft, user: User, base_revision: int | None = None
) -> store.SaveResult:
    """Save ``draft`` if ``user``, as stored now, is a playbook editor; one transaction."""
    publishes = draft.status is Status.PUBLISHED
    action = "Publishing playbook articles" if publishes else "Editing playbook articles"
    with database.atomic():
        fresh = require_role(user, *EDITORS, action=action)
        return store.save_article(draft, fresh, base_revision=base_revision)


def _agents_see_change(result: store.SaveResult) -> bool:
    """A draft saved over a published article leaves the indexed text as it was."""
    return (
        result.outcome is not store.SaveOutcome.UNCHANGED
        and result.visible.revision == result.article.revision
    )
