"""What this store sent and received: the exports made and the files imported.

An export remembers, per destination, up to when it sent (its *watermark*), so the
next ``--since-last`` export to the same destination sends only what changed after
that (less a safety overlap: re-sending is harmless, import being idempotent). An
import remembers each file by the digest of its content, so the same file applied
twice is recognised and changes nothing. Tables made by core migration 8.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import peewee

from companion.db import BaseModel, new_id, utcnow
from companion.permissions import require_active
from companion.rows import stored_json
from companion.sites import Site, SiteRow, default_name, known_sites, this_site
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


@dataclass(frozen=True)
class ExportDone:
    at: datetime
    destination: str
    since: datetime | None
    file_name: str
    size_bytes: int
    rows: int
    by: str


@dataclass(frozen=True)
class ImportDone:
    at: datetime
    from_site: Site
    file_name: str
    rows: int
    by: str


@dataclass(frozen=True)
class SiteOverview:
    """What ``site show`` prints: this site, the others it knows, and the exchanges done."""

    site: Site
    known_sites: tuple[Site, ...]
    exports: tuple[ExportDone, ...]
    imports: tuple[ImportDone, ...]


def site_overview(user: User, *, limit: int = 20) -> SiteOverview:
    """This site, every known site, and the latest ``limit`` exports and imports."""
    require_active(user, action="Reading the site's exchanges")
    names = {site.id: site for site in known_sites()}
    exports = (
        SiteExport.select(SiteExport, User)
        .join(User, on=(SiteExport.made_by == User.id))
        .order_by(SiteExport.made_at.desc(), SiteExport.id)
        .limit(limit)
    )
    imports = (
        SiteImport.select(SiteImport, User)
        .join(User, on=(SiteImport.imported_by == User.id))
        .order_by(SiteImport.imported_at.desc(), SiteImport.id)
        .limit(limit)
    )
    return SiteOverview(
        this_site(),
        tuple(names.values()),
        tuple(
            ExportDone(
                row.made_at,
                row.destination,
                row.since,
                row.file_name,
                row.size_bytes,
                _rows(row.counts, "site_exports", row.id),
                row.made_by.display_name,
            )
            for row in exports
        ),
        tuple(
            ImportDone(
                row.imported_at,
                names.get(row.from_site_id, Site(row.from_site_id, default_name(row.from_site_id))),
                row.file_name,
                _rows(row.counts, "site_imports", row.id),
                row.imported_by.display_name,
            )
            for row in imports
        ),
    )


def _rows(counts: str, table: str, row_id: str) -> int:
    """Rows in a stored count summary: per kind a number, or a tally whose parts add up."""
    stored = stored_json(counts, table, row_id, "counts")
    total = 0
    for value in stored.values() if isinstance(stored, dict) else ():
        if isinstance(value, int):
            total += value
        elif isinstance(value, dict):
            total += sum(v for v in value.values() if isinstance(v, int))
    return total
