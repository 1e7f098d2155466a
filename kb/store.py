"""The article store: saving writes a new immutable revision, reading never guesses.

Saving identical content is recognised by its hash and changes nothing, which is what
makes re-importing an unchanged playbook a no-op.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from companion.db import database, utcnow
from companion.errors import NotFound
from companion.users import User
from kb.article import ArticleData, ArticleDraft, Status
from kb.models import Article, ArticleRevision


class SaveOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class SaveResult:
    article: ArticleData
    outcome: SaveOutcome


@dataclass(frozen=True)
class RevisionData:
    slug: str
    number: int
    saved_at: datetime
    saved_by: str
    content: ArticleDraft


def save_article(draft: ArticleDraft, user: User) -> SaveResult:
    """Validate and save ``draft`` as the newest revision of the article with its slug."""
    clean = draft.validated()
    digest = clean.content_hash()
    now = utcnow()
    with database.atomic():
        head = Article.get_or_none(Article.slug == clean.slug)
        if head is not None and head.content_hash == digest:
            return SaveResult(_to_data(head), SaveOutcome.UNCHANGED)
        fields = _content_fields(clean)
        if head is None:
            head = Article.create(
                **fields, revision=1, content_hash=digest, updated_by=user, updated_at=now
            )
            outcome = SaveOutcome.CREATED
        else:
            head.revision += 1
            for name, value in fields.items():
                setattr(head, name, value)
            head.content_hash = digest
            head.updated_by = user
            head.updated_at = now
            head.save()
            outcome = SaveOutcome.UPDATED
        ArticleRevision.create(
            article=head,
            number=head.revision,
            content_hash=digest,
            saved_at=now,
            saved_by=user,
            **fields,
        )
    return SaveResult(_to_data(head), outcome)


def get_article(slug: str) -> ArticleData:
    head = Article.get_or_none(Article.slug == slug)
    if head is None:
        raise NotFound(f"There is no playbook article {slug!r}.")
    return _to_data(head)


def find_article(slug: str) -> ArticleData | None:
    head = Article.get_or_none(Article.slug == slug)
    return None if head is None else _to_data(head)


def list_articles(status: Status | None = None) -> list[ArticleData]:
    query = Article.select(Article, User).join(User).order_by(Article.category, Article.title)
    if status is not None:
        query = query.where(Article.status == status.value)
    return [_to_data(a) for a in query]


def all_slugs() -> set[str]:
    return {row.slug for row in Article.select(Article.slug)}


def list_revisions(slug: str) -> list[RevisionData]:
    """Every revision of an article, oldest first."""
    head = Article.get_or_none(Article.slug == slug)
    if head is None:
        raise NotFound(f"There is no playbook article {slug!r}.")
    query = (
        ArticleRevision.select(ArticleRevision, User)
        .join(User)
        .where(ArticleRevision.article == head)
        .order_by(ArticleRevision.number)
    )
    return [_revision_data(r) for r in query]


def get_revision(slug: str, number: int) -> RevisionData:
    for revision in list_revisions(slug):
        if revision.number == number:
            return revision
    raise NotFound(f"The article {slug!r} has no revision {number}.")


def revision_fingerprint() -> list[tuple[str, int]]:
    """(slug, revision) for every article: what the search index must reflect."""
    return [(row.slug, row.revision) for row in Article.select(Article.slug, Article.revision)]


def _content_fields(draft: ArticleDraft) -> dict[str, object]:
    return {
        "slug": draft.slug,
        "title": draft.title,
        "category": draft.category,
        "tags": json.dumps(list(draft.tags), ensure_ascii=False),
        "aliases": json.dumps(list(draft.aliases), ensure_ascii=False),
        "body": draft.body,
        "status": str(draft.status),
        "review_by": draft.review_by,
    }


def _to_data(head: Article) -> ArticleData:
    return ArticleData(
        id=head.id,
        slug=head.slug,
        title=head.title,
        body=head.body,
        category=head.category,
        tags=tuple(json.loads(head.tags)),
        aliases=tuple(json.loads(head.aliases)),
        status=Status(head.status),
        review_by=head.review_by,
        revision=head.revision,
        updated_at=head.updated_at,
        updated_by=head.updated_by.display_name,
    )


def _revision_data(row: ArticleRevision) -> RevisionData:
    return RevisionData(
        slug=row.slug,
        number=row.number,
        saved_at=row.saved_at,
        saved_by=row.saved_by.display_name,
        content=ArticleDraft(
            slug=row.slug,
            title=row.title,
            body=row.body,
            category=row.category,
            tags=tuple(json.loads(row.tags)),
            aliases=tuple(json.loads(row.aliases)),
            status=Status(row.status),
            review_by=row.review_by,
        ),
    )
