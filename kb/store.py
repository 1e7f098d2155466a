"""The article store: saving writes a new immutable revision, reading never guesses.

Saving identical content is recognised by its hash and changes nothing, which is what
makes re-importing an unchanged playbook a no-op.

Two views of an article: the *working copy* is its newest revision, whatever its
status (``get_article``, what editors edit); the *visible* article is its newest
published revision, or the newest draft while it was never published (``list_articles``,
``visible_article``, ``revision_fingerprint``: what the viewer and the search index
show). Saving a revision whose status is published publishes it; saving a draft of a
published article leaves agents reading the published one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NoReturn

import peewee

from companion.changes import Topic, note
from companion.db import database, translate_errors, utcnow
from companion.errors import CompanionError, NotFound
from companion.row_locks import locking
from companion.rows import stored_choice, stored_list
from companion.users import User
from kb.article import ArticleData, ArticleDraft, Status
from kb.models import Article, ArticleRevision


class SaveOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class SaveResult:
    """``article`` is the working copy just saved; ``visible`` what agents now see."""

    article: ArticleData
    outcome: SaveOutcome
    visible: ArticleData


@dataclass(frozen=True)
class RevisionData:
    slug: str
    number: int
    saved_at: datetime
    saved_by: str
    content: ArticleDraft


class EditConflict(CompanionError):
    """Someone saved the article since the editor opened it; nothing of this save was written.

    Carries what the person needs to decide: who saved, when, which revision, and its
    content (``theirs``), so the editor can show the two texts side by side and offer
    to merge by hand, keep theirs, or save this text on top of theirs.
    """

    def __init__(self, slug: str, base_revision: int, theirs: RevisionData) -> None:
        self.slug = slug
        self.base_revision = base_revision
        self.theirs = theirs
        when = f"{theirs.saved_at:%Y-%m-%d %H:%M} UTC"
        since = (
            "since you started writing it as a new article"
            if base_revision == 0
            else f"since you opened revision {base_revision}"
        )
        super().__init__(
            f"{theirs.saved_by} saved revision {theirs.number} of “{theirs.content.title}” at "
            f"{when}, {since}. Your text has not been saved: compare the two, then merge by "
            "hand, keep theirs, or save yours as a new revision on top."
        )


def save_article(
    draft: ArticleDraft, user: User, *, base_revision: int | None = None
) -> SaveResult:
    """Validate and save ``draft`` as the newest revision of the article with its slug.

    ``base_revision`` is the revision the editor started from (0: a new article). If the
    article has moved on since, :class:`EditConflict` is raised and nothing is written,
    so one supervisor never silently overwrites another. None saves over whatever is
    there (an import, the default playbook). Saving text identical to the head is a no-op
    either way: nothing would be lost.

    The head row is locked first (see :mod:`companion.row_locks`), so two desks saving
    together take turns: the second finds the first's revision and is told, rather than
    failing on the revision number.

    A database failure (a full disk, a lock held too long) becomes
    :class:`DatabaseUnavailable`, so an import reports that file as failed and keeps
    what it saved before, rather than losing its whole report.
    """
    clean = draft.validated()
    digest = clean.content_hash()
    now = utcnow()
    fields = _content_fields(clean)
    publishes = clean.status is Status.PUBLISHED
    with translate_errors(), database.atomic():
        head = _locked_head(clean.slug)
        if head is None:
            created = _create_head(fields, digest, publishes, user, now)
            if created is not None:
                _add_revision(created, fields, digest, user, now)
                note(Topic.ARTICLES, created.slug)
                return SaveResult(_to_data(created), SaveOutcome.CREATED, _visible(created))
            # Another desk created the slug between our read and our insert.
            head = _locked_head(clean.slug)
            if head is None:
                raise NotFound(f"There is no playbook article {clean.slug!r}.")
        if head.content_hash == digest:
            return SaveResult(_to_data(head), SaveOutcome.UNCHANGED, _visible(head))
        _check_base(head, base_revision)
        head.revision += 1
        for name, value in fields.items():
            setattr(head, name, value)
        if publishes:
            head.published_revision = head.revision
        head.content_hash = digest
        head.updated_by = user
        head.updated_at = now
        head.save()
        _add_revision(head, fields, digest, user, now)
        note(Topic.ARTICLES, head.slug)
        visible = _visible(head)
    return SaveResult(_to_data(head), SaveOutcome.UPDATED, visible)


def _locked_head(slug: str) -> Article | None:
    """The article's head, locked until the saving transaction ends."""
    return locking(Article.select().where(Article.slug == slug)).first()


def _create_head(
    fields: dict[str, object], digest: str, publishes: bool, user: User, now: datetime
) -> Article | None:
    """The new article's head, or None when another desk has just created that slug.

    The insert runs in a savepoint: on PostgreSQL a failed statement spoils the whole
    transaction, and the caller still has to read the other desk's article.
    """
    try:
        with database.atomic():
            return Article.create(
                **fields,
                revision=1,
                published_revision=1 if publishes else None,
                content_hash=digest,
                updated_by=user,
                updated_at=now,
            )
    except peewee.IntegrityError:
        if Article.get_or_none(Article.slug == fields["slug"]) is None:
            raise
        return None


def _add_revision(
    head: Article, fields: dict[str, object], digest: str, user: User, now: datetime
) -> None:
    ArticleRevision.create(
        article=head,
        number=head.revision,
        content_hash=digest,
        saved_at=now,
        saved_by=user,
        **fields,
    )


def _check_base(head: Article, base_revision: int | None) -> None:
    """Refuse a save that started from an older revision than the head (see EditConflict)."""
    if base_revision is not None and head.revision != base_revision:
        raise_conflict(head.slug, base_revision)


def raise_conflict(slug: str, base_revision: int) -> NoReturn:
    """Raise :class:`EditConflict` for ``slug``'s current head against ``base_revision``."""
    head = _head(slug)
    row = (
        ArticleRevision.select(ArticleRevision, User)
        .join(User)
        .where((ArticleRevision.article == head.id) & (ArticleRevision.number == head.revision))
        .get()
    )
    raise EditConflict(head.slug, base_revision, _revision_data(row))


def get_article(slug: str) -> ArticleData:
    """The working copy: the newest revision, draft or published."""
    head = _head(slug)
    return _to_data(head)


def _head(slug: str) -> Article:
    head = Article.get_or_none(Article.slug == slug)
    if head is None:
        raise NotFound(f"There is no playbook article {slug!r}.")
    return head


def find_article(slug: str) -> ArticleData | None:
    head = Article.get_or_none(Article.slug == slug)
    return None if head is None else _to_data(head)


def visible_article(slug: str) -> ArticleData:
    """What agents read: the published revision, or the draft of a never-published one."""
    head = _head(slug)
    return _visible(head)


def published_revision(slug: str) -> int | None:
    head = _head(slug)
    return None if head.published_revision is None else int(head.published_revision)


def list_articles(status: Status | None = None) -> list[ArticleData]:
    """Every article as agents see it (see the module docstring), by category and title."""
    heads = list(Article.select(Article, User).join(User))
    older = _older_published(heads)
    articles = [
        _revision_to_data(head.id, older[head.slug]) if head.slug in older else _to_data(head)
        for head in heads
    ]
    if status is not None:
        articles = [a for a in articles if a.status is status]
    return sorted(articles, key=lambda a: (a.category, a.title))


def list_working_copies() -> list[ArticleData]:
    """Every article's newest revision, for editors, by category and title."""
    query = Article.select(Article, User).join(User).order_by(Article.category, Article.title)
    return [_to_data(a) for a in query]


def stale_slugs(today: date) -> set[str]:
    """Slugs whose visible revision was due for review before ``today``.

    Reads only slugs and dates, so the search pane can ask often without loading bodies.
    """
    current = Article.select(Article.slug).where(
        (Article.review_by < today)
        & (Article.published_revision.is_null() | (Article.published_revision == Article.revision))
    )
    older = (
        ArticleRevision.select(ArticleRevision.slug)
        .join(Article, on=(ArticleRevision.article == Article.id))
        .where(
            (Article.published_revision != Article.revision)
            & (ArticleRevision.number == Article.published_revision)
            & (ArticleRevision.review_by < today)
        )
    )
    return {row.slug for row in current} | {row.slug for row in older}


def all_slugs() -> set[str]:
    return {row.slug for row in Article.select(Article.slug)}


def list_revisions(slug: str) -> list[RevisionData]:
    """Every revision of an article, oldest first."""
    head = _head(slug)
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
    """(slug, visible revision) for every article: what the search index must reflect."""
    query = Article.select(Article.slug, Article.revision, Article.published_revision)
    return [(row.slug, row.published_revision or row.revision) for row in query]


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


def _visible(head: Article) -> ArticleData:
    if head.published_revision is None or head.published_revision == head.revision:
        return _to_data(head)
    row = (
        ArticleRevision.select(ArticleRevision, User)
        .join(User)
        .where(
            (ArticleRevision.article == head.id)
            & (ArticleRevision.number == head.published_revision)
        )
        .get()
    )
    return _revision_to_data(head.id, row)


def _older_published(heads: list[Article]) -> dict[str, ArticleRevision]:
    """Published revisions of the articles whose working copy has moved on, in one query."""
    if not any(h.published_revision not in (None, h.revision) for h in heads):
        return {}
    query = (
        ArticleRevision.select(ArticleRevision, User)
        .join_from(ArticleRevision, User)
        .join_from(ArticleRevision, Article, on=(ArticleRevision.article == Article.id))
        .where(
            (Article.published_revision != Article.revision)
            & (ArticleRevision.number == Article.published_revision)
        )
    )
    return {row.slug: row for row in query}


def _revision_to_data(article_id: str, row: ArticleRevision) -> ArticleData:
    return _article_data(article_id, row, row.number, row.saved_at, row.saved_by)


def _to_data(head: Article) -> ArticleData:
    return _article_data(head.id, head, head.revision, head.updated_at, head.updated_by)


def _article_data(
    article_id: str,
    content: Article | ArticleRevision,
    revision: int,
    updated_at: datetime,
    updated_by: User,
) -> ArticleData:
    """Heads and revisions share their content columns; only the bookkeeping differs."""
    tags, aliases, status = _stored_content(content)
    return ArticleData(
        id=article_id,
        slug=content.slug,
        title=content.title,
        body=content.body,
        category=content.category,
        tags=tags,
        aliases=aliases,
        status=status,
        review_by=content.review_by,
        revision=revision,
        updated_at=updated_at,
        updated_by=updated_by.display_name,
    )


def _stored_content(
    content: Article | ArticleRevision,
) -> tuple[tuple[str, ...], tuple[str, ...], Status]:
    """Tags, aliases and status as stored; a hand-edited bad value names its row."""
    table = content._meta.table_name
    return (
        stored_list(content.tags, table, content.id, "tags"),
        stored_list(content.aliases, table, content.id, "aliases"),
        stored_choice(Status, content.status, table, content.id, "status"),
    )


def _revision_data(row: ArticleRevision) -> RevisionData:
    tags, aliases, status = _stored_content(row)
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
            tags=tags,
            aliases=aliases,
            status=status,
            review_by=row.review_by,
        ),
    )
