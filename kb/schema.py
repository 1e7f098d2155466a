"""The playbook's tables, as an ordered list of migrations."""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

from companion.migrations import Component, Migration
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


PLAYBOOK = Component(
    "playbook",
    [
        Migration(1, "articles and revisions", _create_articles),
        Migration(2, "published revision apart from drafts; reads", _add_publishing),
    ],
)
