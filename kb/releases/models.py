"""The release bookkeeping tables, as the code uses them today.

Playbook migration 3 (:mod:`kb.schema`) creates them from frozen copies of these
models, so a later change here never alters what that migration built.

* :class:`ReleaseRecord`: every release this store made or applied.
* :class:`ReleaseArticle`: which head-office article a local article is, and the
  content the last release gave it (``base_hash``): a head that differs from it was
  edited here since.
* :class:`ReleaseRule`: the same for phrasing rules (by rule id).
* :class:`ReleaseConflictRow`: an article the site edited that head office changed too;
  open until a supervisor resolves it.
* :class:`ReleaseNoticeSeen`: the newest release each user was told of.
"""

from __future__ import annotations

import peewee

from companion.db import BaseModel, new_id, utcnow
from companion.users import User
from kb.models import Article, ArticleRevision

ID = 36


class ReleaseRecord(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=ID)
    number = peewee.IntegerField()
    series = peewee.CharField(max_length=ID)
    parent_id = peewee.CharField(max_length=ID, null=True)
    author = peewee.CharField(max_length=255)
    made_at = peewee.DateTimeField()
    article_count = peewee.IntegerField()
    format = peewee.IntegerField()
    digest = peewee.CharField(max_length=64)
    made_here = peewee.BooleanField(default=False)
    # Set when this store applied the release; ``applied_order`` counts applications.
    applied_order = peewee.IntegerField(null=True, index=True)
    applied_at = peewee.DateTimeField(null=True)
    applied_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    # JSON: the changed articles [{"slug", "title", "change"}], for the notice.
    changed = peewee.TextField(default="[]")

    class Meta:
        table_name = "playbook_releases"
        indexes = ((("series", "number"), False),)


class ReleaseArticle(BaseModel):
    article = peewee.ForeignKeyField(Article, primary_key=True, backref="+", on_delete="RESTRICT")
    article_id: str
    series = peewee.CharField(max_length=ID)
    hq_article_id = peewee.CharField(max_length=ID)
    base_hash = peewee.CharField(max_length=64)
    base_revision_id = peewee.CharField(max_length=ID)
    release_id = peewee.CharField(max_length=ID)

    class Meta:
        table_name = "release_articles"
        indexes = ((("series", "hq_article_id"), True),)


class ReleaseRule(BaseModel):
    rule_id = peewee.CharField(primary_key=True, max_length=80)
    series = peewee.CharField(max_length=ID)
    base_hash = peewee.CharField(max_length=64)
    release_id = peewee.CharField(max_length=ID)

    class Meta:
        table_name = "release_rules"


class ReleaseConflictRow(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=ID, default=new_id)
    article = peewee.ForeignKeyField(Article, backref="+", on_delete="RESTRICT", index=True)
    release_id = peewee.CharField(max_length=ID)
    theirs = peewee.ForeignKeyField(ArticleRevision, backref="+", on_delete="RESTRICT")
    article_id: str
    theirs_id: str
    opened_at = peewee.DateTimeField(default=utcnow)
    resolved_at = peewee.DateTimeField(null=True)
    resolved_by = peewee.ForeignKeyField(User, null=True, backref="+", on_delete="RESTRICT")
    resolution = peewee.CharField(max_length=16, null=True)

    class Meta:
        table_name = "release_conflicts"


class ReleaseNoticeSeen(BaseModel):
    user = peewee.ForeignKeyField(User, primary_key=True, backref="+", on_delete="CASCADE")
    release_id = peewee.CharField(max_length=ID)
    seen_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "release_notices_seen"
