"""Writing head office's revisions into a site's article history.

Incoming revisions keep their original ids, authors and times, and get the article's
next local numbers (numbers are per article and unique; ids are the identity across
stores, so a revision already present is never added twice).

The store's invariant is that an article's head equals its newest revision (the
editor and :func:`kb.store.save_article` rely on it). After head office's revisions
are appended, the newest one may not be what the site should show: when the site's
own edit is kept, or when some of head office's revisions were already here. Then one
more revision is written with the content that stays, saved by the person applying
the release, at that moment: the history says truthfully that the site's version was
put back on top of head office's, and every original revision is still there.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import peewee

from companion.db import new_id
from companion.rows import stored_choice, stored_list
from companion.users import User
from kb.article import ArticleDraft, Status
from kb.models import Article, ArticleRevision
from kb.releases.authors import Authors
from kb.releases.bundle import IncomingRevision


def content_of(row: Article | ArticleRevision) -> ArticleDraft:
    """A stored head or revision as the content it holds."""
    return ArticleDraft(
        slug=row.slug,
        title=row.title,
        body=row.body,
        category=row.category,
        tags=stored_list(row.tags, row._meta.table_name, row.id, "tags"),
        aliases=stored_list(row.aliases, row._meta.table_name, row.id, "aliases"),
        status=stored_choice(Status, row.status, row._meta.table_name, row.id, "status"),
        review_by=row.review_by,
    )


def present_ids(ids: list[str]) -> set[str]:
    """Which of these revision ids this store already holds (under any article)."""
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = ArticleRevision.select(ArticleRevision.id).where(ArticleRevision.id.in_(chunk))
        found |= {row.id for row in query}
    return found


def newest_number(article: Article) -> int:
    value = (
        ArticleRevision.select(peewee.fn.MAX(ArticleRevision.number))
        .where(ArticleRevision.article == article.id)
        .scalar()
    )
    return int(value or 0)


def append(
    article: Article, revisions: list[IncomingRevision], authors: Authors, slug: str
) -> list[ArticleRevision]:
    """Add ``revisions`` (none already present) after the article's newest, in order."""
    number = newest_number(article)
    rows = []
    for revision in revisions:
        number += 1
        rows.append(
            ArticleRevision.create(
                id=revision.id,
                article=article.id,
                number=number,
                saved_at=revision.saved_at,
                saved_by=authors.user_for(revision.author).id,
                content_hash=_hash_under(revision.content, slug),
                **fields(revision.content, slug),
            )
        )
    return rows


def settle_head(
    article: Article, target: ArticleDraft, *, publish: bool, applier: User, now: datetime
) -> None:
    """Make the head equal its newest revision, which must hold ``target``.

    ``publish``: agents read the head (its newest revision) from now on; otherwise the
    published revision stays the one it was (a site's draft over a published version
    keeps agents on the published one).
    """
    newest = (
        ArticleRevision.select()
        .where(ArticleRevision.article == article.id)
        .order_by(ArticleRevision.number.desc())
        .first()
    )
    slug = article.slug
    target_hash = _hash_under(target, slug)
    if newest is None or newest.content_hash != target_hash:
        newest = ArticleRevision.create(
            id=new_id(),
            article=article.id,
            number=(newest.number if newest is not None else 0) + 1,
            saved_at=now,
            saved_by=applier.id,
            content_hash=target_hash,
            **fields(target, slug),
        )
    was_live = article.published_revision is not None and (
        article.published_revision == article.revision
    )
    for name, value in fields(target, slug).items():
        setattr(article, name, value)
    article.revision = newest.number
    article.content_hash = target_hash
    article.updated_by = newest.saved_by_id
    article.updated_at = newest.saved_at
    if publish or (was_live and target.status is Status.PUBLISHED):
        article.published_revision = newest.number
    article.save()


def fields(draft: ArticleDraft, slug: str) -> dict[str, object]:
    """The content columns, under the local article's slug."""
    return {
        "slug": slug,
        "title": draft.title,
        "category": draft.category,
        "tags": json.dumps(list(draft.tags), ensure_ascii=False),
        "aliases": json.dumps(list(draft.aliases), ensure_ascii=False),
        "body": draft.body,
        "status": str(draft.status),
        "review_by": draft.review_by,
    }


def _hash_under(draft: ArticleDraft, slug: str) -> str:
    if draft.slug == slug:
        return draft.content_hash()
    return replace(draft, slug=slug).content_hash()
