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
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, quote, urlparse

import peewee
from playhouse.db_url import parse as parse_db_url

from companion.errors import DatabaseUnavailable, os_error_reason
from companion.outage import DatabaseLost, ReconnectingDatabase, is_connection_lost, lost_reason

database = peewee.DatabaseProxy()

BUSY_TIMEOUT_MS = 5000
# A server that does not answer is reported after this long, not after TCP's minutes.
POSTGRES_CONNECT_TIMEOUT_S = 10

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


class CompanionPostgresqlDatabase(ReconnectingDatabase, peewee.PostgresqlDatabase):
    """PostgreSQL through psycopg 3, closing every thread's connection at the end.

    It reconnects by itself after a server restart or a cut connection, between
    operations (see :mod:`companion.outage`).

    peewee keeps one connection per thread and closes only the calling thread's. A
    worker thread that ends without closing its own would leave an open socket to the
    server for the garbage collector; each connection is therefore kept with the
    thread that opened it, closed once that thread has ended (checked whenever a new
    one opens) and by :meth:`close_all` when the workspace closes.
    """

    def _connect(self) -> Any:
        connection = super()._connect()  # type: ignore[misc]
        with _OPENED_LOCK:
            opened = self._threads_connections()
            for thread, old in list(opened):
                # A connection dropped on reconnecting (companion.outage) is closed already.
                if not thread.is_alive() or getattr(old, "closed", False):
                    opened.remove((thread, old))
                    with contextlib.suppress(Exception):
                        old.close()
            opened.append((threading.current_thread(), connection))
        return connection

    def _threads_connections(self) -> list[tuple[threading.Thread, Any]]:
        opened: list[tuple[threading.Thread, Any]] | None = getattr(self, "_opened", None)
        if opened is None:
            opened = []
            self._opened = opened
        return opened

    def close_all(self) -> None:
        """Close every thread's connection; call once no thread is using the database."""
        self.close()
        with _OPENED_LOCK:
            opened = self._threads_connections()
            for _thread, connection in opened:
                with contextlib.suppress(Exception):
                    connection.close()
            opened.clear()


_OPENED_LOCK = threading.Lock()


def close_all(db: peewee.Database) -> None:
    """Close ``db`` for good: every thread's connection where the driver allows it."""
    closer = getattr(db, "close_all", None)
    if closer is not None:
        closer()
    elif not db.is_closed():
        db.close()


def url_without_password(url: str) -> str:
    """``url`` fit to print in a command people copy: any password in it left out."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", "@", 1)
    return parsed._replace(netloc=netloc).geturl()


def describe_location(url: str) -> str:
    """A human name for the database: the file path for SQLite, host/db otherwise."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        return str(parse_db_url(url)["database"])
    service = parse_qs(parsed.query).get("service")
    if service and not parsed.hostname and not parsed.path.lstrip("/"):
        return f"service {service[0]}"
    return f"{parsed.hostname or 'localhost'}/{parsed.path.lstrip('/')}"


def bound_location() -> str:
    """The human name of the database the models are bound to, for messages."""
    db = database.obj
    if isinstance(db, peewee.SqliteDatabase):
        return str(db.database)
    if isinstance(db, peewee.PostgresqlDatabase) and "conninfo" in db.connect_params:
        return describe_location(db.connect_params["conninfo"])
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
        db = postgres_database(url)
    else:
        raise DatabaseUnavailable(
            f"Unsupported database URL {url!r}: use sqlite:///PATH or postgresql://HOST/NAME."
        )
    database.initialize(db)
    with translate_errors(url):
        _open(db)
        if isinstance(db, peewee.PostgresqlDatabase):
            _refuse_foreign_postgres(db, url, components)
    return db


def postgres_database(url: str) -> peewee.PostgresqlDatabase:
    """A psycopg 3 database for a ``postgresql://`` URL, handed to libpq whole.

    libpq reads the URL itself, so everything it understands works: a password left out
    and found in ``PGPASSFILE``/``~/.pgpass``, ``?service=NAME`` from the service file,
    ``?sslmode=...``, a unix socket in ``?host=/run/postgresql``.
    """
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise DatabaseUnavailable(
            "PostgreSQL needs the psycopg driver: run `make run` once (it installs "
            "requirements.lock into .venv), or pip install psycopg[binary]."
        ) from exc
    conninfo = "postgresql://" + url.split("://", 1)[1]
    # peewee's name for the database; a URL without one (``?service=``) is passed whole.
    name = str(parse_db_url(url).get("database") or "") or conninfo
    return CompanionPostgresqlDatabase(
        name,
        conninfo=conninfo,
        connect_timeout=POSTGRES_CONNECT_TIMEOUT_S,
        prefer_psycopg3=True,
    )


def _refuse_foreign_postgres(
    db: peewee.PostgresqlDatabase, url: str, components: Collection[str]
) -> None:
    """Refuse, untouched, a PostgreSQL database that holds another application's tables.

    The PostgreSQL twin of :func:`refuse_foreign_sqlite`: an empty database (or one with
    only an empty schema table) is Companion's to create; tables without a
    ``schema_version`` naming one of ``components`` belong to someone else.
    """
    tables = set(db.get_tables())
    if not tables or tables == {SCHEMA_TABLE}:
        return
    if SCHEMA_TABLE in tables:
        rows = db.execute_sql(f"SELECT component FROM {SCHEMA_TABLE}").fetchall()
        if {str(row[0]) for row in rows} & set(components):
            return
    db.close()
    raise DatabaseUnavailable(
        f"The PostgreSQL database {describe_location(url)} is not a Companion database: it "
        f"holds another program's tables ({', '.join(sorted(tables)[:5])}). Nothing was "
        "changed; create a database of its own for Companion (see the README, "
        '"A site with several desks") or choose another --db.'
    )


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

    Without ``url`` the message names the database the models are bound to. A server
    that stopped answering raises :class:`DatabaseLost`, so a caller can wait and retry.
    """
    try:
        yield
    except (peewee.DatabaseError, peewee.InterfaceError) as exc:
        first = _first_failure(exc)
        message = explain_operational_error(url, first)
        if is_connection_lost(exc) and not _is_sqlite(url):
            where = bound_location() if url is None else describe_location(url)
            generic = message.startswith(f"The database {where} reported an error")
            raise DatabaseLost(where, lost_reason(first), None if generic else message) from exc
        if not isinstance(exc, peewee.DatabaseError):
            raise
        raise DatabaseUnavailable(message) from exc


def _is_sqlite(url: str | None) -> bool:
    """A local file does not come back by waiting: its errors are never "connection lost"."""
    if url is None:
        return isinstance(database.obj, peewee.SqliteDatabase)
    return urlparse(url).scheme.startswith("sqlite")


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
    postgres = _explain_postgres(where, str(exc))
    if postgres is not None:
        return postgres
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


def _explain_postgres(where: str, message: str) -> str | None:
    """One line naming the cause of a PostgreSQL connection failure, or None if not one.

    libpq's own words are matched (they are stable and English in the messages the
    client library writes); the server's reason is kept at the end for whoever
    administers it.
    """
    text = message.lower()
    detail = _last_line(message)
    if "password authentication failed" in text or "no password supplied" in text:
        return (
            f"PostgreSQL refused the sign-in to {where}: the password is wrong or missing "
            "for that role. Put it in the password file (PGPASSFILE or ~/.pgpass), "
            f"never on the command line. ({detail})"
        )
    if re.search(r'role "[^"]*" does not exist', text):
        return (
            f"PostgreSQL at {where} has no such role (user name): check the name in the "
            f"database URL, or create the role (see the README). ({detail})"
        )
    if re.search(r'database "[^"]*" does not exist', text):
        return (
            f"The PostgreSQL database {where} does not exist: create it first "
            f"(createdb, see the README) or correct the name in the URL. ({detail})"
        )
    if "no pg_hba.conf entry" in text:
        return (
            f"The PostgreSQL server refuses connections from this computer to {where} "
            f"(no pg_hba.conf entry): ask its administrator to allow this desk. ({detail})"
        )
    if (
        "connection refused" in text
        or "could not connect to server" in text
        or ("no such file or directory" in text and "socket" in text)
    ):
        return (
            f"No PostgreSQL server is running at {where}, or it refuses connections: "
            f"start it, or check the host and port in the URL. ({detail})"
        )
    if "timeout expired" in text or "timed out" in text:
        return (
            f"The PostgreSQL server at {where} did not answer in time: check the network "
            f"and that the server is up. ({detail})"
        )
    if "failed to resolve host" in text or "could not translate host name" in text:
        return (
            f"The database URL names a host that cannot be found ({where}): check its "
            f"spelling. ({detail})"
        )
    if "invalid uri" in text or "invalid connection option" in text:
        return (
            f"The database URL for {where} is not valid: use "
            f"postgresql://USER@HOST:PORT/DATABASE. ({detail})"
        )
    if "definition of service" in text and "not found" in text:
        return (
            f"The PostgreSQL service for {where} is not in the service file "
            f"(PGSERVICEFILE or ~/.pg_service.conf). ({detail})"
        )
    if (
        "server closed the connection" in text
        or "terminating connection" in text
        or "connection already closed" in text
        or "the connection is closed" in text
        or "consuming input failed" in text
        or "connection is lost" in text
    ):
        return (
            f"The connection to the PostgreSQL server {where} was lost; "
            "the last change may not have been saved. Try again when the server is back."
        )
    return None


def _last_line(message: str) -> str:
    """libpq's reason without its "connection to server at ... failed:" preamble."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return message
    first = lines[0]
    if "failed:" in first:
        first = first.rsplit("failed:", 1)[1].strip()
    return " ".join([first, *lines[1:]]).replace("FATAL:  ", "").strip()
