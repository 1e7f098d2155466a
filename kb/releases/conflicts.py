"""Open release conflicts: what they are, and a supervisor resolving one.

A conflict is an article the site edited that head office changed too (see
:mod:`kb.releases.articles`). Agents keep reading the site's version until a
supervisor decides: keep ours (nothing changes for agents), take theirs (head
office's version becomes a new published revision), or write a merged version
(a new published revision with that text). Each resolution is audited and noted.
"""

from __future__ import annotations

from dataclasses import replace

from companion import audit
from companion.audit import Action
from companion.changes import Topic, note
from companion.db import database, translate_errors, utcnow
from companion.errors import InvalidInput, NotFound
from companion.permissions import EDITORS, require_role
from companion.users import User
from kb import store
from kb.article import Status
from kb.models import Article, ArticleRevision
from kb.releases.history import content_of
from kb.releases.models import ReleaseConflictRow, ReleaseRecord
from kb.releases.reports import ReleaseConflict, Resolution, RevisionSide, release_label

ACTION = "Resolving a release conflict"


def release_conflicts() -> list[ReleaseConflict]:
    """Every open conflict, by the site's title."""
    rows = ReleaseConflictRow.select().where(ReleaseConflictRow.resolved_at.is_null())
    conflicts = [_view(row) for row in rows]
    return sorted(conflicts, key=lambda c: (c.title.casefold(), c.slug))


def conflict_for(slug: str) -> ReleaseConflict | None:
    """The open conflict of the article with this slug, or None."""
    row = (
        ReleaseConflictRow.select()
        .join(Article, on=(ReleaseConflictRow.article == Article.id))
        .where((Article.slug == slug) & ReleaseConflictRow.resolved_at.is_null())
        .first()
    )
    return None if row is None else _view(row)


def resolve_conflict(
    user: User, article_id: str, resolution: Resolution, edited_body: str | None = None
) -> None:
    """Settle the article's open conflict; see the module docstring."""
    resolution = Resolution(resolution)
    require_role(user, *EDITORS, action=ACTION)
    if resolution is Resolution.EDITED and edited_body is None:
        raise InvalidInput("A merged version needs its text; nothing was changed.")
    with translate_errors(), database.atomic():
        user = require_role(user, *EDITORS, action=ACTION)
        row = ReleaseConflictRow.get_or_none(
            (ReleaseConflictRow.article == article_id) & ReleaseConflictRow.resolved_at.is_null()
        )
        if row is None:
            raise NotFound("That article has no open conflict with a head office release.")
        article = Article.get_by_id(article_id)
        theirs = ArticleRevision.get_by_id(row.theirs_id)
        ours = content_of(article)
        if resolution is Resolution.TAKE_THEIRS:
            draft = replace(content_of(theirs), slug=article.slug, status=Status.PUBLISHED)
            store.save_article(draft, user)
        elif resolution is Resolution.EDITED:
            assert edited_body is not None
            draft = replace(ours, body=edited_body, status=Status.PUBLISHED)
            store.save_article(draft, user)
        row.resolved_at = utcnow()
        row.resolved_by = user
        row.resolution = resolution.value
        row.save()
        audit.record(
            user,
            Action.CHANGE,
            "article",
            article.id,
            slug=article.slug,
            release_conflict=row.id,
            release=_label(row.release_id),
            resolution=resolution.value,
            theirs_revision=theirs.id,
        )
        # Saving theirs or a merged text noted the article; keeping ours changes no
        # article, only the conflict, which views of conflicts follow under RELEASES.
        note(Topic.RELEASES, row.release_id)


def _view(row: ReleaseConflictRow) -> ReleaseConflict:
    article = Article.get_by_id(row.article_id)
    ours = (
        ArticleRevision.select()
        .where(
            (ArticleRevision.article == article.id) & (ArticleRevision.number == article.revision)
        )
        .get()
    )
    theirs = ArticleRevision.get_by_id(row.theirs_id)
    return ReleaseConflict(
        article_id=article.id,
        slug=article.slug,
        title=article.title,
        release_label=_label(row.release_id),
        ours=_side(ours),
        theirs=_side(theirs),
    )


def _side(row: ArticleRevision) -> RevisionSide:
    return RevisionSide(
        revision_id=row.id,
        title=row.title,
        body=row.body,
        saved_by=row.saved_by.display_name,
        saved_at=row.saved_at,
    )


def _label(release_id: str) -> str:
    record = ReleaseRecord.get_or_none(ReleaseRecord.id == release_id)
    return "?" if record is None else release_label(record.number)
