"""The playbook's tables, as an ordered list of migrations."""

from __future__ import annotations

import peewee

from companion.migrations import Component, Migration
from kb.models import Article, ArticleRevision


def _create_articles(db: peewee.Database) -> None:
    db.create_tables([Article, ArticleRevision])


PLAYBOOK = Component("playbook", [Migration(1, "articles and revisions", _create_articles)])
