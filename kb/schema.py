"""The playbook's tables, as an ordered list of migrations."""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

from companion.db import BaseModel, new_id, utcnow
from companion.migrations import Component, Migration
from companion.users import User
from kb.article import Status
from kb.models import Article, ArticleRevision
from kb.reads import ArticleRead


def _create_articles(db: peewee.Database) -> None:
    db.create_tables([Article, ArticleRevision])


def _add_publishing(db: peewee.Database) -> None:
    """Separate what agents see from the editors' working copy, and track reads.

    Migration 1 builds ``articles`` from the current model, so a database created by
    this version already has ``published_revision``; only older ones get the column.
    Each article then points at its newest published revision, which is what agents
    saw before whenever the head itself was published.
    """
    table = Article._meta.table_name
    present = {column.name for column in db.get_columns(table)}
    if "published_revision" not in present:
        migrator = SchemaMigrator.from_database(db)
        run_operations(migrator.add_column(table, "published_revision", Article.published_revision))
    newest_published = ArticleRevision.select(peewee.fn.MAX(ArticleRevision.number)).where(
        (ArticleRevision.article == Article.id) & (ArticleRevision.status == Status.PUBLISHED.value)
    )
    Article.update(published_revision=newest_published).execute()
    db.create_tables([ArticleRead])


class _ReleaseV3(BaseModel):
    """``playbook_releases`` as migration 3 creates it: releases made here or applied here."""

    id = peewee.CharField(primary_key=True, max_length=36)
    number = peewee.IntegerField()
    series = peewee.CharField(max_length=36)
    parent_id = peewee.CharField(max_length=36, null=True)
    author = peewee.CharField(max_length=255)
    made_at = peewee.DateTimeField()
    article_count = peewee.IntegerField()
    format = peewee.IntegerField()
    digest = peewee.CharField(max_length=64)
    made_here = peewee.BooleanField(default=False)
    applied_order = peewee.IntegerField(null=True, index=True)
    applied_at = peewee.DateTimeField(null=True)
    applied_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    changed = peewee.TextField(default="[]")

    class Meta:
        table_name = "playbook_releases"
        indexes = ((("series", "number"), False),)


class _ReleaseArticleV3(BaseModel):
    """``release_articles`` as migration 3 creates it: head office's id and last content."""

    article = peewee.ForeignKeyField(Article, primary_key=True, backref="+", on_delete="RESTRICT")
    series = peewee.CharField(max_length=36)
    hq_article_id = peewee.CharField(max_length=36)
    base_hash = peewee.CharField(max_length=64)
    base_revision_id = peewee.CharField(max_length=36)
    release_id = peewee.CharField(max_length=36)

    class Meta:
        table_name = "release_articles"
        indexes = ((("series", "hq_article_id"), True),)


class _ReleaseRuleV3(BaseModel):
    """``release_rules`` as migration 3 creates it: the rule content the last release gave."""

    rule_id = peewee.CharField(primary_key=True, max_length=80)
    series = peewee.CharField(max_length=36)
    base_hash = peewee.CharField(max_length=64)
    release_id = peewee.CharField(max_length=36)

    class Meta:
        table_name = "release_rules"


class _ReleaseConflictV3(BaseModel):
    """``release_conflicts`` as migration 3 creates it: local edits head office also changed."""

    id = peewee.CharField(primary_key=True, max_length=36, default=new_id)
    article = peewee.ForeignKeyField(Article, backref="+", on_delete="RESTRICT", index=True)
    release_id = peewee.CharField(max_length=36)
    theirs = peewee.ForeignKeyField(ArticleRevision, backref="+", on_delete="RESTRICT")
    opened_at = peewee.DateTimeField(default=utcnow)
    resolved_at = peewee.DateTimeField(null=True)
    resolved_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    resolution = peewee.CharField(max_length=16, null=True)

    class Meta:
        table_name = "release_conflicts"


class _ReleaseNoticeSeenV3(BaseModel):
    """``release_notices_seen`` as migration 3 creates it: the newest release each user saw."""

    user = peewee.ForeignKeyField(User, primary_key=True, backref="+", on_delete="CASCADE")
    release_id = peewee.CharField(max_length=36)
    seen_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "release_notices_seen"


def _add_releases(db: peewee.Database) -> None:
    """Playbook releases: what was made and applied, head office's ids, conflicts, notices.

    The models are frozen here as this migration creates them (see
    :mod:`kb.releases.models` for the ones the code uses), so changing those later
    never changes what this step builds.
    """
    db.create_tables(
        [
            _ReleaseV3,
            _ReleaseArticleV3,
            _ReleaseRuleV3,
            _ReleaseConflictV3,
            _ReleaseNoticeSeenV3,
        ]
    )


PLAYBOOK = Component(
    "playbook",
    [
        Migration(1, "articles and revisions", _create_articles),
        Migration(2, "published revision apart from drafts; reads", _add_publishing),
        Migration(3, "playbook releases: made, applied, conflicts, notices", _add_releases),
    ],
)
