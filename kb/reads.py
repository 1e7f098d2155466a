"""Which published revision of each article each person last opened.

An agent who learnt an article last month should notice when its published text has
changed since, without re-reading every article; remembering the revision they last
opened is enough to say "changed since you last read" and to show exactly what
changed. Only the newest read per person and article is kept: it is a bookmark, not
a record.
"""

from __future__ import annotations

import peewee

from companion.db import BaseModel, database, new_id, utcnow
from companion.permissions import require_active
from companion.users import User
from kb.models import Article


class ArticleRead(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    user = peewee.ForeignKeyField(User, backref="article_reads", on_delete="CASCADE")
    slug = peewee.CharField()
    revision = peewee.IntegerField()
    read_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "article_reads"
        indexes = ((("user", "slug"), True),)


def mark_read(user: User, slug: str, revision: int) -> None:
    """Remember that ``user`` has now seen ``revision`` of ``slug``."""
    with database.atomic():
        user = require_active(user, action="Noting what you have read")
        ArticleRead.insert(
            id=new_id(), user=user, slug=slug, revision=revision, read_at=utcnow()
        ).on_conflict(
            conflict_target=[ArticleRead.user, ArticleRead.slug],
            preserve=[ArticleRead.revision, ArticleRead.read_at],
        ).execute()


def last_read(user: User, slug: str) -> int | None:
    require_active(user, action="Checking what you have read")
    row = ArticleRead.get_or_none((ArticleRead.user == user) & (ArticleRead.slug == slug))
    return None if row is None else int(row.revision)


def changed_since_read(user: User, slug: str) -> tuple[int, int] | None:
    """(revision last read, revision now published) when the published text is newer.

    None when the person has never opened the article (nothing to compare with: it is
    all new to them), when nothing was published since, or when it was never published.
    """
    seen = last_read(user, slug)
    if seen is None:
        return None
    head = Article.get_or_none(Article.slug == slug)
    if head is None or head.published_revision is None:
        return None
    published = int(head.published_revision)
    return (seen, published) if published > seen else None
