"""Opening the one database Companion uses, chosen by URL.

Models are declared against :data:`database`, a proxy bound at start-up, so the same
models work on an SQLite file at a desk and on a PostgreSQL server a site shares.
SQLite gets the pragmas a legal record needs: WAL so readers never block the writer,
foreign keys enforced, ``synchronous=full`` so a committed entry survives power loss,
and a busy timeout so a second process waits briefly instead of failing at once.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import peewee
from playhouse.db_url import parse as parse_db_url

from companion.errors import DatabaseUnavailable

database = peewee.DatabaseProxy()

BUSY_TIMEOUT_MS = 5000

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "full",
    "busy_timeout": BUSY_TIMEOUT_MS,
}


def new_id() -> str:
    """UUID keys let remote sites create records offline and merge them later."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """All stored times are naive UTC; the UI converts to local time for display."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def describe_location(url: str) -> str:
    """A human name for the database: the file path for SQLite, host/db otherwise."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        return parse_db_url(url)["database"]
    return f"{parsed.hostname or 'localhost'}/{parsed.path.lstrip('/')}"


def connect(url: str) -> peewee.Database:
    """Create the database for ``url`` and bind the model proxy to it."""
    scheme = urlparse(url).scheme
    params = parse_db_url(url)
    name = params.pop("database")
    db: peewee.Database
    if scheme in ("sqlite", "sqlite3"):
        if name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE: a transaction takes the write lock when it begins. A deferred one that
        # reads first and writes later cannot wait for another writer in WAL mode; SQLite
        # fails it at once, and the busy timeout never gets a chance.
        db = peewee.SqliteDatabase(
            name,
            pragmas=SQLITE_PRAGMAS,
            timeout=BUSY_TIMEOUT_MS / 1000,
            lock_type="IMMEDIATE",
        )
    elif scheme in ("postgres", "postgresql"):
        try:
            import psycopg2  # type: ignore[import-untyped]  # noqa: F401
        except ImportError as exc:
            raise DatabaseUnavailable(
                "PostgreSQL needs the psycopg2 driver: install psycopg2-binary into .venv."
            ) from exc
        db = peewee.PostgresqlDatabase(name, **params)
    else:
        raise DatabaseUnavailable(
            f"Unsupported database URL {url!r}: use sqlite:///PATH or postgresql://HOST/NAME."
        )
    database.initialize(db)
    with translate_errors(url):
        db.connect(reuse_if_open=True)
    return db


@contextlib.contextmanager
def translate_errors(url: str) -> Iterator[None]:
    """Turn driver errors a user can fix into :class:`DatabaseUnavailable` naming the file."""
    try:
        yield
    except peewee.DatabaseError as exc:
        raise DatabaseUnavailable(explain_operational_error(url, exc)) from exc


def explain_operational_error(url: str, exc: Exception) -> str:
    where = describe_location(url)
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return (
            f"The database {where} is locked by another program. "
            "Nothing was changed; close the other Companion window or command and try again."
        )
    if "readonly" in text or "read-only" in text:
        return (
            f"The database {where} is read-only. Nothing was changed; "
            "check the file's permissions or choose another --data-dir."
        )
    if "unable to open" in text:
        return (
            f"The database {where} cannot be opened: check that the folder exists and is writable."
        )
    if "not a database" in text or "malformed" in text:
        return f"{where} is not a Companion database (or is damaged). Nothing was changed."
    return f"The database {where} reported an error: {exc}"
