"""What this store sent and received: the exports made and the files imported.

An export remembers, per destination, up to when it sent (its *watermark*), so the
next ``--since-last`` export to the same destination sends only what changed after
that (less a safety overlap: re-sending is harmless, import being idempotent). An
import remembers each file by the digest of its content, so the same file applied
twice is recognised and changes nothing. Tables made by core migration 8.
"""

from __future__ import annotations

from datetime import datetime

import peewee

from companion.db import BaseModel, new_id, utcnow
from companion.sites import SiteRow
from companion.text import fold
from companion.users import User


class SiteExport(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=36, default=new_id)
    destination = peewee.CharField(max_length=255)
    destination_key = peewee.CharField(max_length=255, index=True)
    made_at = peewee.DateTimeField(default=utcnow)
    made_by = peewee.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    made_by_id: str
    since = peewee.DateTimeField(null=True)
    watermark = peewee.DateTimeField()
    file_name = peewee.TextField()
    digest = peewee.CharField(max_length=64)
    size_bytes = peewee.BigIntegerField()
    counts = peewee.TextField(default="{}")

    class Meta:
        table_name = "site_exports"


class SiteImport(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=36, default=new_id)
    digest = peewee.CharField(max_length=64, unique=True)
    export_id = peewee.CharField(max_length=36, index=True)
    from_site = peewee.ForeignKeyField(SiteRow, backref="+", on_delete="RESTRICT")
    from_site_id: str
    imported_at = peewee.DateTimeField(default=utcnow)
    imported_by = peewee.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    imported_by_id: str
    file_name = peewee.TextField()
    counts = peewee.TextField(default="{}")

    class Meta:
        table_name = "site_imports"


def destination_key(destination: str) -> str:
    """ "Head Office" and "head office" are the same destination."""
    return fold(" ".join(destination.split()))


def last_watermark(destination: str) -> datetime | None:
    """Up to when the last export to ``destination`` sent, or None if none was made."""
    row = (
        SiteExport.select(SiteExport.watermark)
        .where(SiteExport.destination_key == destination_key(destination))
        .order_by(SiteExport.watermark.desc())
        .first()
    )
    return None if row is None else row.watermark
