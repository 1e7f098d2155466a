"""Locking the row a write depends on, so concurrent desks take turns instead of colliding.

Some writes read before they write: the next entry number of a call, the head revision
of an article. On PostgreSQL (READ COMMITTED) two desks can read the same value and the
later write then fails a unique index or overwrites the earlier one. Locking the parent
row first (``SELECT ... FOR UPDATE``) makes the second desk wait until the first commits
and then read the new value. SQLite needs nothing: Companion's transactions begin
IMMEDIATE (see :mod:`companion.db`), so the whole database is already serialised, and
SQLite has no ``FOR UPDATE`` anyway.
"""

from __future__ import annotations

from typing import TypeVar

import peewee

from companion.db import database

Query = TypeVar("Query", bound=peewee.Select)


def locking(query: Query) -> Query:
    """``query`` taking row locks until the transaction ends, where the database needs it."""
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return query.for_update()
    return query
