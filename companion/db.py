"""Opening the one database Companion uses, chosen by URL.

Models are declared against :data:`database`, a proxy bound at start-up, so the same
models work on an SQLite file at a desk and on a PostgreSQL server a site shares.
SQLite gets the pragmas a legal record needs: WAL so readers never block the writer,
foreign keys enforced, ``synchronous=full`` so a committed entry survives power loss,
and a busy timeout so a second process waits briefly instead of failing at once.

Before any of that, an SQLite URL is checked: one that names no file (``sqlite:///``)
or memory is refused, since a desk's records must outlive the program, and an existing
file that is not a Companion database is refused *before* the pragmas run, because
switching a file to WAL rewrites its header: someone else's file is left as it was.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
import uuid
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urlparse

import peewee
from playhouse.db_url import parse as parse_db_url

from companion.errors import DatabaseUnavailable, os_error_reason

database = peewee.DatabaseProxy()

BUSY_TIMEOUT_MS = 5000

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "full",
    "busy_timeout": BUSY_TIMEOUT_MS,
}

SCHEMA_TABLE = "schema_version"
# Byte 18 of an SQLite header is 2 when the file is in WAL mode.
_WAL_FLAG_OFFSET = 18
_WAL_FLAG = 2


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


class CompanionSqliteDatabase(peewee.SqliteDatabase):
    """SQLite, tolerating the ROLLBACK that follows a transaction SQLite already undid.

    On a full disk SQLite rolls the whole transaction back by itself. peewee then runs
    ROLLBACK (or ROLLBACK TO SAVEPOINT) as it unwinds, which fails with "no transaction
    is active" and replaces the real reason. With nothing left to undo, skipping it lets
    "database or disk is full" reach the person.
    """

    def _nothing_to_undo(self) -> bool:
        connection = cast(Any, self)._state.conn
        return connection is not None and not connection.in_transaction

    def rollback(self) -> None:
        if self._nothing_to_undo():
            return
        super().rollback()

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        if sql.startswith("ROLLBACK TO SAVEPOINT") and self._nothing_to_undo():
            return self.cursor()
        return super().execute_sql(sql, params)


def describe_location(url: str) -> str:
    """A human name for the database: the file path for SQLite, host/db otherwise."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        return str(parse_db_url(url)["database"])
    return f"{parsed.hostname or 'localhost'}/{parsed.path.lstrip('/')}"


def bound_location() -> str:
    """The human name of the database the models are bound to, for messages."""
    db = database.obj
    if isinstance(db, peewee.SqliteDatabase):
        return str(db.database)
    if isinstance(db, peewee.Database):
        host = db.connect_params.get("host") or "localhost"
        return f"{host}/{db.database}"
    return "(no database)"


def connect(url: str, components: Collection[str] = ("core",)) -> peewee.Database:
    """Create the database for ``url`` and bind the model proxy to it.

    ``components`` are the schema components the caller migrates: an existing SQLite
    file that records none of them is someone else's and is refused, unchanged.
    """
    scheme = urlparse(url).scheme
    params = parse_db_url(url)
    params.pop("database")
    db: peewee.Database
    if scheme in ("sqlite", "sqlite3"):
        path = sqlite_path(url)
        refuse_foreign_sqlite(path, url, components)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(
                f"The folder for the database {path} cannot be created: {os_error_reason(exc)}"
            ) from exc
        # IMMEDIATE: a transaction takes the write lock when it begins. A deferred one that
        # reads first and writes later cannot wait for another writer in WAL mode; SQLite
        # fails it at once, and the busy timeout never gets a chance.
        db = CompanionSqliteDatabase(
            str(path),
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
        db = peewee.PostgresqlDatabase(parse_db_url(url)["database"], **params)
    else:
        raise DatabaseUnavailable(
            f"Unsupported database URL {url!r}: use sqlite:///PATH or postgresql://HOST/NAME."
        )
    database.initialize(db)
    with translate_errors(url):
        _open(db)
    return db


def sqlite_path(url: str) -> Path:
    """The file an SQLite URL names, or :class:`DatabaseUnavailable` when it names none.

    peewee reads ``sqlite:///`` (an unset variable in a script) as an in-memory database,
    which would silently lose every record at exit; memory is refused outright for the
    same reason, and so is a folder.
    """
    raw = urlparse(url).path
    name = str(parse_db_url(url)["database"])
    hint = "use sqlite:///PATH/companion.db"
    if raw in ("", "/") or name.endswith("/"):
        raise DatabaseUnavailable(f"The database URL {url!r} names no file: {hint}.")
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in url:
        raise DatabaseUnavailable(
            f"The database URL {url!r} is an in-memory database, whose records would be lost "
            f"when Companion closes: {hint}."
        )
    path = Path(name).expanduser()
    if path.is_dir():
        raise DatabaseUnavailable(
            f"The database URL {url!r} names the folder {path}, not a file: "
            f"use sqlite:///{path / 'companion.db'}."
        )
    return path


def refuse_foreign_sqlite(path: Path, url: str, components: Collection[str]) -> None:
    """Raise unless ``path`` is absent, empty, a blank SQLite file or a Companion database.

    Looks through a read-only connection, before any pragma: opening with WAL would
    rewrite the header of someone else's file. A WAL-mode file with no ``-wal`` beside it
    is read as immutable, since a read-only connection would leave ``-wal``/``-shm``
    files behind.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DatabaseUnavailable(
            f"The database {path} cannot be read: {os_error_reason(exc)}"
        ) from exc
    if not header:
        return
    idle_wal = (
        len(header) > _WAL_FLAG_OFFSET
        and header[_WAL_FLAG_OFFSET] == _WAL_FLAG
        and not Path(f"{path}-wal").exists()
    )
    try:
        tables, stored = _inspect_sqlite(path, immutable=idle_wal)
    except sqlite3.DatabaseError as exc:
        if not idle_wal:
            raise DatabaseUnavailable(explain_operational_error(url, exc)) from exc
        try:
            tables, stored = _inspect_sqlite(path, immutable=False)
        except sqlite3.DatabaseError as again:
            raise DatabaseUnavailable(explain_operational_error(url, again)) from again
    if not tables or (tables == {SCHEMA_TABLE} and stored == set()):
        return
    if stored and set(stored) & set(components):
        return
    raise DatabaseUnavailable(
        f"{path} is not a Companion database: it holds another program's tables "
        f"({', '.join(sorted(tables)[:5])}). Nothing was changed; "
        "choose another --data-dir or --db."
    )


def _inspect_sqlite(path: Path, *, immutable: bool) -> tuple[set[str], set[str] | None]:
    """The file's table names, and the components in its schema table (None: not ours)."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro" + ("&immutable=1" if immutable else "")
    connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        tables = {
            str(row[0])
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        if SCHEMA_TABLE not in tables:
            return tables, None
        try:
            stored = {
                str(row[0]) for row in connection.execute("SELECT component FROM schema_version")
            }
        except sqlite3.OperationalError:
            return tables, None
        return tables, stored
    finally:
        connection.close()


def _open(db: peewee.Database) -> None:
    """Connect, waiting out another process that is switching the file to WAL.

    Switching the journal mode needs the file to itself for a moment, and SQLite reports
    "database is locked" at once rather than calling the busy handler; several commands
    started together on a new data dir meet exactly that, so it is retried here.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            db.connect(reuse_if_open=True)
            return
        except peewee.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@contextlib.contextmanager
def translate_errors(url: str | None = None) -> Iterator[None]:
    """Turn driver errors a user can fix into :class:`DatabaseUnavailable` naming the file.

    Without ``url`` the message names the database the models are bound to.
    """
    try:
        yield
    except peewee.DatabaseError as exc:
        raise DatabaseUnavailable(explain_operational_error(url, _first_failure(exc))) from exc


def _first_failure(exc: BaseException) -> BaseException:
    """The error that started it, not the failed ROLLBACK it caused.

    On a full disk (and a few other errors) SQLite rolls the transaction back itself;
    peewee's ROLLBACK then fails with "no transaction is active", hiding the reason.
    """
    while any(text in str(exc) for text in _ROLLBACK_ARTEFACTS) and exc.__context__ is not None:
        exc = exc.__context__
    return exc


_ROLLBACK_ARTEFACTS = ("no transaction is active", "no such savepoint")


def explain_operational_error(url: str | None, exc: BaseException) -> str:
    where = bound_location() if url is None else describe_location(url)
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
    if "database or disk is full" in text:
        return (
            f"The database {where} could not be written: the disk is full (or the database "
            "reached its size limit). The last change was not saved; what was saved before is "
            "kept. Free some space and try again."
        )
    if "disk i/o error" in text:
        return (
            f"The database {where} could not be read or written (a disk I/O error). "
            "The last change was not saved; check the disk and try again."
        )
    if "not a database" in text or "malformed" in text:
        return f"{where} is not a Companion database (or is damaged). Nothing was changed."
    return f"The database {where} reported an error: {exc}"
