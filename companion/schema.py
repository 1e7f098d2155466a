"""The core's own tables, as an ordered list of migrations.

Indexes are created with the tables because the speed targets depend on them:
phone numbers by E.164 and by trailing digits, reference numbers, name-word
prefixes, entries by call, and promises by state, owner and due date.
"""

from __future__ import annotations

import peewee

from companion.audit import AuditEvent
from companion.call_articles import CallArticle
from companion.calls import Call, CallLink
from companion.customer_links import CustomerLink
from companion.customer_models import (
    Customer,
    CustomerEmail,
    CustomerNameKey,
    CustomerPhone,
    CustomerReference,
)
from companion.drafts import Draft
from companion.entries import Entry
from companion.migrations import Component, Migration
from companion.promises import Promise, PromiseEvent
from companion.users import User


def _create_users(db: peewee.Database) -> None:
    db.create_tables([User])


def _create_call_records(db: peewee.Database) -> None:
    db.create_tables(
        [
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
        ]
    )


def _create_call_pane_tables(db: peewee.Database) -> None:
    db.create_tables([Draft, CallArticle])


CORE = Component(
    "core",
    [
        Migration(1, "users", _create_users),
        Migration(2, "customers, links, calls, entries, promises and audit", _create_call_records),
        Migration(3, "composer drafts and articles opened during calls", _create_call_pane_tables),
    ],
)
