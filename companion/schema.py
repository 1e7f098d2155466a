"""The core's own tables, as an ordered list of migrations.

Indexes are created with the tables because the speed targets depend on them:
phone numbers by E.164 and by trailing digits, reference numbers, name-word
prefixes, entries by call, and promises by state, owner and due date.
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

from companion.audit import AuditEvent
from companion.call_articles import CallArticle
from companion.calls import Call, CallLink
from companion.change_log import create_change_log
from companion.customer_links import CustomerLink
from companion.customer_models import (
    Customer,
    CustomerEmail,
    CustomerNameKey,
    CustomerPhone,
    CustomerReference,
)
from companion.db import BaseModel, new_id, utcnow
from companion.drafts import Draft
from companion.entries import Entry
from companion.migrations import Component, Migration
from companion.phrasing_rules import create_phrasing_rules
from companion.promises import Promise, PromiseEvent
from companion.users import User


def _create_users(db: peewee.Database) -> None:
    db.create_tables([User])


# Migration 2's tables, in creation order; tests use the list to count and clear records.
CALL_RECORD_TABLES = (
    AuditEvent,
    Customer,
    CustomerPhone,
    CustomerEmail,
    CustomerReference,
    CustomerNameKey,
    CustomerLink,
    Call,
    CallLink,
    Entry,
    Promise,
    PromiseEvent,
)


def _create_call_records(db: peewee.Database) -> None:
    db.create_tables(list(CALL_RECORD_TABLES))


def _create_call_pane_tables(db: peewee.Database) -> None:
    db.create_tables([Draft, CallArticle])


def _add_account_columns(db: peewee.Database) -> None:
    """Passwords and the disabled flag for accounts.

    A database created from migration 1 onwards by this version already has both
    columns (migration 1 builds the table from the current model), so only the
    missing ones are added. ``NOT NULL DEFAULT FALSE`` in one statement fills old rows
    without SQLite's copy-the-table rebuild, which other tables' foreign keys forbid.
    """
    table = User._meta.table_name
    present = {column.name for column in db.get_columns(table)}
    migrator = SchemaMigrator.from_database(db)
    operations = [
        migrator.add_column(table, name, getattr(User, name), allow_not_null=True)
        for name in ("password_hash", "disabled")
        if name not in present
    ]
    run_operations(*operations)


class _CallHolderV7(BaseModel):
    """``call_holders`` as migration 7 creates it, frozen so this DDL never changes."""

    call = peewee.ForeignKeyField(Call, primary_key=True, backref="+", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    desk = peewee.CharField(max_length=64)
    since = peewee.DateTimeField()

    class Meta:
        table_name = "call_holders"


def _create_call_holders(db: peewee.Database) -> None:
    """Which user and desk have each open call open (see companion.call_desks).

    Open calls of an older database are left unheld: their desks claim them again when
    they resume them, as a restarted window does.
    """
    db.create_tables([_CallHolderV7])


class _SiteV8(BaseModel):
    """``sites`` as migration 8 creates it: this store and every site records came from."""

    id = peewee.CharField(primary_key=True, max_length=36)
    name = peewee.CharField(max_length=255, default="")
    first_seen_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()

    class Meta:
        table_name = "sites"


class _ThisSiteV8(BaseModel):
    """``this_site`` as migration 8 creates it: one row (slot 1) naming this store's site."""

    slot = peewee.IntegerField(primary_key=True)
    site = peewee.ForeignKeyField(_SiteV8, backref="+", on_delete="RESTRICT")

    class Meta:
        table_name = "this_site"


class _SiteExportV8(BaseModel):
    """``site_exports`` as migration 8 creates it: every export made, and up to when."""

    id = peewee.CharField(primary_key=True, max_length=36)
    destination = peewee.CharField(max_length=255)
    destination_key = peewee.CharField(max_length=255, index=True)
    made_at = peewee.DateTimeField()
    made_by = peewee.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    since = peewee.DateTimeField(null=True)
    watermark = peewee.DateTimeField()
    file_name = peewee.TextField()
    digest = peewee.CharField(max_length=64)
    size_bytes = peewee.BigIntegerField()
    counts = peewee.TextField(default="{}")

    class Meta:
        table_name = "site_exports"


class _SiteImportV8(BaseModel):
    """``site_imports`` as migration 8 creates it: every file merged here, by its digest."""

    id = peewee.CharField(primary_key=True, max_length=36)
    digest = peewee.CharField(max_length=64, unique=True)
    export_id = peewee.CharField(max_length=36, index=True)
    from_site = peewee.ForeignKeyField(_SiteV8, backref="+", on_delete="RESTRICT")
    imported_at = peewee.DateTimeField()
    imported_by = peewee.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    file_name = peewee.TextField()
    counts = peewee.TextField(default="{}")

    class Meta:
        table_name = "site_imports"


def _add_sites(db: peewee.Database) -> None:
    """Site identity, where each customer and call was created, and the exchange ledger.

    The store gets its site id here, once. ``site`` columns are added to customers and
    calls (a database created by this version already has them from migration 2) and
    existing rows are given this store's id: they were all made here. ``NOT NULL
    DEFAULT ''`` in one statement avoids SQLite's copy-the-table rebuild.

    Entries lose the uniqueness of (call, seq): two sites may each add an entry to the
    same call between two exchanges, and both must land without renumbering either
    (numbers are how people refer to entries, and stores must agree on them). A desk
    still numbers its own entries after every entry it holds.
    """
    db.create_tables([_SiteV8, _ThisSiteV8, _SiteExportV8, _SiteImportV8])
    site_id = new_id()
    now = utcnow()
    _SiteV8.insert(id=site_id, name="", first_seen_at=now, updated_at=now).execute()
    _ThisSiteV8.insert(slot=1, site=site_id).execute()
    for table in ("customers", "calls"):
        present = {column.name for column in db.get_columns(table)}
        if "site" not in present:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN site VARCHAR(36) NOT NULL DEFAULT ''")
        db.execute_sql(f"UPDATE {table} SET site = %s WHERE site = ''" % db.param, (site_id,))
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {table}_site ON {table} (site)")
    db.execute_sql("DROP INDEX IF EXISTS entries_call_id_seq")
    db.execute_sql("CREATE INDEX IF NOT EXISTS entries_call_id_seq ON entries (call_id, seq)")


CORE = Component(
    "core",
    [
        Migration(1, "users", _create_users),
        Migration(2, "customers, links, calls, entries, promises and audit", _create_call_records),
        Migration(3, "composer drafts and articles opened during calls", _create_call_pane_tables),
        Migration(4, "account passwords and disabled accounts", _add_account_columns),
        Migration(5, "phrasing rules with history, seeded", create_phrasing_rules),
        Migration(6, "change log: what every desk changed, for the others", create_change_log),
        Migration(7, "call ownership: which user and desk have a call open", _create_call_holders),
        Migration(8, "sites: where records were made, exports and imports", _add_sites),
    ],
)
