"""Playbook tables: the current head of each article and its immutable revisions.

``Article`` is a convenience head that always equals its newest revision (the
editors' working copy); ``published_revision`` points at the revision agents see,
so a supervisor can save drafts of a live article without hiding it. The revisions
are the record: nothing in ``ArticleRevision`` is ever updated or deleted.
"""

from __future__ import annotations

import peewee

from companion.db import BaseModel, new_id, utcnow
from companion.users import User


class Article(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    slug = peewee.CharField(unique=True)
    title = peewee.CharField()
    category = peewee.CharField(default="general", index=True)
    tags = peewee.TextField(default="[]")  # JSON list
    aliases = peewee.TextField(default="[]")  # JSON list
    body = peewee.TextField(default="")
    status = peewee.CharField(default="published")
    review_by = peewee.DateField(null=True)
    revision = peewee.IntegerField(default=1)
    # Added by playbook migration 2; None while the article has never been published.
    published_revision = peewee.IntegerField(null=True)
    content_hash = peewee.CharField()
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)
    updated_by = peewee.ForeignKeyField(User, backref="articles_updated", on_delete="RESTRICT")

    class Meta:
        table_name = "articles"


class ArticleRevision(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    article = peewee.ForeignKeyField(Article, backref="revisions", on_delete="RESTRICT")
    number = peewee.IntegerField()
    slug = peewee.CharField()
    title = peewee.CharField()
    category = peewee.CharField()
    tags = peewee.TextField()
    aliases = peewee.TextField()
    body = peewee.TextField()
    status = peewee.CharField()
    review_by = peewee.DateField(null=True)
    content_hash = peewee.CharField()
    saved_at = peewee.DateTimeField(default=utcnow)
    saved_by = peewee.ForeignKeyField(User, backref="revisions_saved", on_delete="RESTRICT")

    class Meta:
        table_name = "article_revisions"
        indexes = ((("article", "number"), True),)
