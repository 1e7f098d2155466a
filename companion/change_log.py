"""The change log: every noted change, kept in the database so other desks learn of it.

Each :func:`companion.changes.note` inserts one row here, inside the transaction that
makes the change, so a change is in the log exactly when it is in the database. A row
holds a sequence number (``seq``, increasing), the time, the writing process's random
id (``origin``: a desk's feed skips its own rows, which its window already knows
about), the topic and the object's id. On PostgreSQL the transaction also sends a
``NOTIFY companion_changes`` with the origin as payload; PostgreSQL delivers it at
commit, and only once per transaction for one payload, so a desk listening wakes as
soon as the change can be read.

Commit order. On PostgreSQL sequence values are taken when a row is inserted, not
when its transaction commits: a reader may see seq 10 while seq 9's transaction is
still open. Rather than serialising every writer on a lock (an import of a thousand
articles would hold it for a minute and stop every desk's entry saves), the reader
remembers the numbers it skipped and asks for them again until they appear or are
old enough to be a rolled-back transaction (:class:`companion.change_feed.ChangeFeed`).
SQLite has one writer at a time, so there the order is the commit order anyway.

Rows older than :data:`KEEP` are pruned by the writers themselves, at most once an
hour per process and a bounded number at a time, so the log stays small without a
maintenance job.

Drafts of typed text and read marks are not noted: they belong to one person at one
desk, and a change to them means nothing to another window.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta

import peewee

from companion.changes import Topic, add_recorder
from companion.db import BaseModel, database, utcnow

TABLE = "change_log"
CHANNEL = "companion_changes"
# Every Companion process gets its own id; rows it wrote are not news to it.
ORIGIN = secrets.token_hex(8)
KEEP = timedelta(days=3)
PRUNE_EVERY_S = 3600.0
PRUNE_BATCH = 1000


class ChangeRow(BaseModel):
    """A row of the change log, for reading and writing (the table is made by SQL)."""

    seq = peewee.BigAutoField()
    noted_at = peewee.DateTimeField()
    origin = peewee.CharField(max_length=32)
    topic = peewee.CharField(max_length=16)
    object_id = peewee.TextField()

    class Meta:
        table_name = TABLE


# Written out rather than derived from ChangeRow, so migration 6 creates the same table
# whatever the model becomes later. AUTOINCREMENT on SQLite: pruning may remove the
# newest rows of a quiet site, and a reused number would be taken for one already read.
_SQLITE_DDL = (
    f"CREATE TABLE {TABLE} ("
    "seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "noted_at DATETIME NOT NULL, "
    "origin VARCHAR(32) NOT NULL, "
    "topic VARCHAR(16) NOT NULL, "
    "object_id TEXT NOT NULL)"
)
_POSTGRES_DDL = (
    f"CREATE TABLE {TABLE} ("
    "seq BIGSERIAL PRIMARY KEY, "
    "noted_at TIMESTAMP NOT NULL, "
    "origin VARCHAR(32) NOT NULL, "
    "topic VARCHAR(16) NOT NULL, "
    "object_id TEXT NOT NULL)"
)
_INDEX_DDL = f"CREATE INDEX {TABLE}_noted_at ON {TABLE} (noted_at)"


def create_change_log(db: peewee.Database) -> None:
    """Migration 6: the change log table and its index on time (for pruning)."""
    postgres = isinstance(db, peewee.PostgresqlDatabase)
    db.execute_sql(_POSTGRES_DDL if postgres else _SQLITE_DDL)
    db.execute_sql(_INDEX_DDL)


_INSERT_AND_NOTIFY = (
    f"WITH noted AS (INSERT INTO {TABLE} (noted_at, origin, topic, object_id) "
    "VALUES (%s, %s, %s, %s) RETURNING origin) "
    "SELECT pg_notify(%s, origin) FROM noted"
)


class _Pruning:
    """When this process last pruned the log (shared by its threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = -PRUNE_EVERY_S

    def due(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if now - self._last < PRUNE_EVERY_S:
                return False
            self._last = now
            return True


_pruning = _Pruning()


def record_change(topic: Topic, object_id: str) -> None:
    """The recorder :func:`companion.changes.note` calls: one row, in the caller's transaction."""
    db = database.obj
    if db is None:
        return
    if isinstance(db, peewee.PostgresqlDatabase):
        # One round trip for the row and the notification (sent at commit, once).
        db.execute_sql(_INSERT_AND_NOTIFY, (utcnow(), ORIGIN, topic.value, object_id, CHANNEL))
    else:
        ChangeRow.insert(
            noted_at=utcnow(), origin=ORIGIN, topic=topic.value, object_id=object_id
        ).execute()
    if _pruning.due():
        prune(db)


def prune(db: peewee.Database) -> int:
    """Delete up to :data:`PRUNE_BATCH` rows older than :data:`KEEP`; returns how many.

    On PostgreSQL rows another desk is already deleting are skipped rather than waited
    for, so two desks pruning at once never hold each other's saves up.
    """
    cutoff = utcnow() - KEEP
    if isinstance(db, peewee.PostgresqlDatabase):
        cursor = db.execute_sql(
            f"DELETE FROM {TABLE} WHERE seq IN (SELECT seq FROM {TABLE} WHERE noted_at < %s "
            f"ORDER BY seq LIMIT {PRUNE_BATCH} FOR UPDATE SKIP LOCKED)",
            (cutoff,),
        )
    else:
        cursor = db.execute_sql(
            f"DELETE FROM {TABLE} WHERE seq IN (SELECT seq FROM {TABLE} WHERE noted_at < ? "
            f"ORDER BY seq LIMIT {PRUNE_BATCH})",
            (cutoff,),
        )
    return int(cursor.rowcount or 0)


def latest_seq() -> int:
    """The highest sequence number written so far (0 for an empty log)."""
    value = ChangeRow.select(peewee.fn.MAX(ChangeRow.seq)).scalar()
    return int(value or 0)


add_recorder(record_change)
