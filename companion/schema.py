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
from companion.db import BaseModel
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
    ],
)
