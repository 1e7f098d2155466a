"""Applying one head-office article to the site's playbook.

Identity: each store loads the default playbook with its own random ids, so
head office's "greeting" and a site's are different rows. An article is matched by
head office's id when an earlier release linked them, otherwise by slug (never two
articles with one slug); the link is remembered from then on.

"Edited here since the last release": the site's head differs from what the last
release gave it (``ReleaseArticle.base_hash``); before any release, it differs from
every revision in head office's history (so an untouched default article is not an
edit). Then head office's revisions go into history, the site's version stays what
agents read, and an open conflict is recorded for a supervisor. Otherwise head
office's published revision becomes the head and what agents read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from companion.users import User
from kb.article import Status
from kb.models import Article, ArticleRevision
from kb.releases.authors import Authors
from kb.releases.bundle import IncomingArticle, IncomingRevision
from kb.releases.history import append, content_of, present_ids, settle_head
from kb.releases.models import ReleaseArticle, ReleaseConflictRow
from kb.releases.reports import ChangedArticle

ADDED = "added"
UPDATED = "updated"
CONFLICT = "conflict"
UNPUBLISHED = "unpublished"


@dataclass(frozen=True)
class ApplyContext:
    release_id: str
    series: str
    user: User
    now: datetime
    authors: Authors


def apply_article(incoming: IncomingArticle, ctx: ApplyContext) -> ChangedArticle | None:
    """Bring one article in; the change agents (or supervisors) should hear of, or None."""
    theirs = incoming.theirs
    link = ReleaseArticle.get_or_none(
        (ReleaseArticle.series == ctx.series) & (ReleaseArticle.hq_article_id == incoming.hq_id)
    )
    article = (
        Article.get_or_none(Article.id == link.article_id)
        if link is not None
        else Article.get_or_none(Article.slug == incoming.slug)
    )
    known = present_ids([r.id for r in incoming.revisions])
    new = [r for r in incoming.revisions if r.id not in known]
    if article is None:
        article = _create(incoming, ctx)
        append(article, new, ctx.authors, article.slug)
        settle_head(article, theirs.content, publish=True, applier=ctx.user, now=ctx.now)
        _link(article, link, incoming, ctx)
        return ChangedArticle(article.slug, article.title, ADDED)
    if link is None:
        link = ReleaseArticle.get_or_none(ReleaseArticle.article == article.id)
    head_hash = article.content_hash
    if link is not None and link.series == ctx.series:
        edited = head_hash != link.base_hash
    else:
        edited = head_hash not in {r.content_hash for r in incoming.revisions}
    change: ChangedArticle | None
    if head_hash == theirs.content_hash or not edited:
        was_visible = _visible_hash(article)
        append(article, new, ctx.authors, article.slug)
        settle_head(article, theirs.content, publish=True, applier=ctx.user, now=ctx.now)
        same = was_visible == theirs.content_hash
        change = None if same else ChangedArticle(article.slug, article.title, UPDATED)
    elif not new and link is not None and link.base_revision_id == theirs.id:
        change = None  # head office has not moved since; the site's version stays
    else:
        ours = content_of(article)
        append(article, new, ctx.authors, article.slug)
        settle_head(article, ours, publish=False, applier=ctx.user, now=ctx.now)
        _open_conflict(article, theirs, ctx)
        change = ChangedArticle(article.slug, article.title, CONFLICT)
    _link(article, link, incoming, ctx)
    return change


def unpublish_missing(present: set[str], ctx: ApplyContext) -> list[ChangedArticle]:
    """Articles of this series that head office no longer publishes stop being live here.

    Only when the site has not edited them since: a site's own version stays. The
    article becomes a draft (a new revision, by the person applying), so editors still
    find it and nothing is lost.
    """
    changed = []
    gone = ReleaseArticle.select().where(
        (ReleaseArticle.series == ctx.series) & ReleaseArticle.hq_article_id.not_in(present or {""})
    )
    for link in list(gone):
        article = Article.get_by_id(link.article_id)
        if article.content_hash != link.base_hash or article.published_revision is None:
            continue
        draft = replace(content_of(article), status=Status.DRAFT)
        settle_head(article, draft, publish=False, applier=ctx.user, now=ctx.now)
        article.published_revision = None
        article.save()
        link.base_hash = article.content_hash
        link.release_id = ctx.release_id
        link.save()
        changed.append(ChangedArticle(article.slug, article.title, UNPUBLISHED))
    return changed


def _visible_hash(article: Article) -> str | None:
    """The content hash of what agents read now (None: nothing published)."""
    if article.published_revision is None:
        return None
    if article.published_revision == article.revision:
        return str(article.content_hash)
    row = ArticleRevision.get_or_none(
        (ArticleRevision.article == article.id)
        & (ArticleRevision.number == article.published_revision)
    )
    return None if row is None else str(row.content_hash)


def _create(incoming: IncomingArticle, ctx: ApplyContext) -> Article:
    first, theirs = incoming.revisions[0], incoming.theirs
    draft = theirs.content
    return Article.create(
        slug=incoming.slug,
        title=draft.title,
        category=draft.category,
        body=draft.body,
        status=str(draft.status),
        review_by=draft.review_by,
        revision=0,
        published_revision=None,
        content_hash=theirs.content_hash,
        created_at=first.saved_at,
        updated_at=theirs.saved_at,
        updated_by=ctx.authors.user_for(theirs.author).id,
    )


def _link(
    article: Article, link: ReleaseArticle | None, incoming: IncomingArticle, ctx: ApplyContext
) -> None:
    values = {
        "series": ctx.series,
        "hq_article_id": incoming.hq_id,
        "base_hash": incoming.theirs.content_hash,
        "base_revision_id": incoming.theirs.id,
        "release_id": ctx.release_id,
    }
    if link is None:
        # A link of another series to a different article would keep its own row.
        ReleaseArticle.create(article=article.id, **values)
    else:
        ReleaseArticle.update(**values).where(ReleaseArticle.article == link.article_id).execute()


def _open_conflict(article: Article, theirs: IncomingRevision, ctx: ApplyContext) -> None:
    """One open conflict per article: a newer release replaces what it is about."""
    open_row = ReleaseConflictRow.get_or_none(
        (ReleaseConflictRow.article == article.id) & ReleaseConflictRow.resolved_at.is_null()
    )
    if open_row is None:
        ReleaseConflictRow.create(
            article=article.id, release_id=ctx.release_id, theirs=theirs.id, opened_at=ctx.now
        )
    else:
        ReleaseConflictRow.update(
            release_id=ctx.release_id, theirs=theirs.id, opened_at=ctx.now
        ).where(ReleaseConflictRow.id == open_row.id).execute()
