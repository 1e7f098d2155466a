"""Making a release: every published article with its history, and the phrasing rules.

Only what agents at head office read travels: an article's revisions up to its
published one (a draft saved after it is head office's unfinished work). Articles
never published stay home. Each revision keeps its id, author and time, so a site's
history reads exactly like head office's.

The release is numbered 1 + the newest release this store made, in its *series*
(this store's site id, made once per database), and names the release it follows.
Reading happens in one transaction, so the file is one consistent moment of the
playbook even while supervisors keep editing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import peewee

from companion import audit
from companion.audit import Action
from companion.changes import Topic, note
from companion.db import database, new_id, utcnow
from companion.permissions import EDITORS, require_role
from companion.phrasing_rules import PhrasingRuleRecord, PhrasingRuleRevision
from companion.rows import stored_list
from companion.sealed_archive import PLAYBOOK_RELEASE, json_lines, write_archive
from companion.sites import this_site_id
from companion.users import User
from kb.models import Article, ArticleRevision
from kb.releases.bundle import ARTICLES_PART, FORMAT, RULE_FIELDS, RULES_PART, manifest_meta
from kb.releases.models import ReleaseRecord
from kb.releases.reports import ReleaseMade, ReleaseManifest, release_label

ACTION = "Making a playbook release"


def make_release(user: User, out: Path) -> ReleaseMade:
    """Write the release to ``out`` (replacing a file there only once it is complete)."""
    require_role(user, *EDITORS, action=ACTION)
    with database.atomic():
        user = require_role(user, *EDITORS, action=ACTION)
        series = this_site_id()
        previous = _newest_made_here(series)
        number = 1 if previous is None else previous.number + 1
        articles = _articles()
        manifest = ReleaseManifest(
            release_id=new_id(),
            number=number,
            label=release_label(number),
            parent_id=None if previous is None else previous.id,
            series=series,
            author=user.display_name,
            made_at=utcnow(),
            article_count=len(articles),
            schema=FORMAT,
        )
        revision_ids = {a["id"]: [r["id"] for r in a["revisions"]] for a in articles}
        digest = write_archive(
            out,
            PLAYBOOK_RELEASE,
            FORMAT,
            [(ARTICLES_PART, json_lines(articles)), (RULES_PART, json_lines(_rules()))],
            manifest_meta(manifest, revision_ids),
        )
        ReleaseRecord.create(
            id=manifest.release_id,
            number=manifest.number,
            series=series,
            parent_id=manifest.parent_id,
            author=manifest.author,
            made_at=manifest.made_at,
            article_count=manifest.article_count,
            format=FORMAT,
            digest=digest,
            made_here=True,
        )
        audit.record(
            user,
            Action.EXPORT,
            "playbook_release",
            manifest.release_id,
            label=manifest.label,
            articles=manifest.article_count,
            file=out.name,
        )
        note(Topic.RELEASES, manifest.release_id)
    return ReleaseMade(manifest, out, out.stat().st_size)


def next_release_label() -> str:
    """The label the next release made here will carry (the save dialog names the file so)."""
    previous = _newest_made_here(this_site_id())
    return release_label(1 if previous is None else previous.number + 1)


def _newest_made_here(series: str) -> ReleaseRecord | None:
    """The newest release this store made in its own series; the next one follows it."""
    return (
        ReleaseRecord.select()
        .where((ReleaseRecord.series == series) & ReleaseRecord.made_here)
        .order_by(ReleaseRecord.number.desc())
        .first()
    )


def _articles() -> list[dict[str, Any]]:
    """Published articles, by slug, each with its revisions up to the published one."""
    heads = list(
        Article.select().where(Article.published_revision.is_null(False)).order_by(Article.slug)
    )
    revisions: dict[str, list[ArticleRevision]] = {head.id: [] for head in heads}
    query = (
        ArticleRevision.select(ArticleRevision, User)
        .join(User)
        .join_from(ArticleRevision, Article, on=(ArticleRevision.article == Article.id))
        .where(
            Article.published_revision.is_null(False)
            & (ArticleRevision.number <= Article.published_revision)
        )
        .order_by(ArticleRevision.number)
    )
    for row in query:
        revisions[str(row.__data__["article"])].append(row)
    return [
        {
            "id": head.id,
            "slug": revisions[head.id][-1].slug,
            "published": revisions[head.id][-1].id,
            "revisions": [_revision(row) for row in revisions[head.id]],
        }
        for head in heads
        if revisions[head.id]
    ]


def _revision(row: ArticleRevision) -> dict[str, Any]:
    return {
        "id": row.id,
        "slug": row.slug,
        "title": row.title,
        "category": row.category,
        "tags": list(stored_list(row.tags, "article_revisions", row.id, "tags")),
        "aliases": list(stored_list(row.aliases, "article_revisions", row.id, "aliases")),
        "body": row.body,
        "status": row.status,
        "review_by": row.review_by.isoformat() if row.review_by else None,
        "saved_at": row.saved_at.isoformat(),
        "saved_by": {"id": row.saved_by.id, "name": row.saved_by.display_name},
    }


def _rules() -> Iterator[dict[str, Any]]:
    records = PhrasingRuleRecord.select().order_by(
        PhrasingRuleRecord.created_at, PhrasingRuleRecord.rule_id
    )
    for record in records:
        query = (
            PhrasingRuleRevision.select(PhrasingRuleRevision, User)
            .join(User, peewee.JOIN.LEFT_OUTER, on=(PhrasingRuleRevision.saved_by == User.id))
            .where(PhrasingRuleRevision.record == record.id)
            .order_by(PhrasingRuleRevision.revision)
        )
        yield {
            "rule_id": record.rule_id,
            "revisions": [_rule_revision(row) for row in query],
        }


def _rule_revision(row: PhrasingRuleRevision) -> dict[str, Any]:
    author = row.saved_by
    return {
        "id": row.id,
        **{name: getattr(row, name) for name in RULE_FIELDS},
        "saved_at": row.saved_at.isoformat(),
        "saved_by": None if author is None else {"id": author.id, "name": author.display_name},
    }
