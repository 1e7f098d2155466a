"""When the database goes away: telling it apart, reconnecting, and saying so calmly.

A site's server restarts, the network blips, an administrator cuts a session: the
desk's connection is dead, but nothing is wrong with what the agent typed, and the
database will be back. That is a different thing from a refusal (a bad value, a
permission, a locked file), and the window and the command line treat it
differently: the window keeps the work and retries with :data:`RETRY_DELAYS_S`, the
command line reconnects once. :func:`is_connection_lost` draws the line.

peewee wraps driver errors (psycopg 3, psycopg2, sqlite3) in its own classes and
keeps the driver's error as the first argument and as ``__context__``; the driver
error carries the SQLSTATE when the server sent one. A lost connection shows as:

- SQLSTATE class 08 (connection exception), 57P01-57P03 (administrator shutdown,
  crash shutdown, cannot connect now: the server is stopping or starting);
- no SQLSTATE, only the client library's words: the server closed the connection,
  connection refused or timed out, "the connection is closed" (psycopg 3) or
  "connection already closed" (psycopg2) when a dead connection is used again;
- on SQLite, "disk I/O error" or "unable to open database file" while running: the
  file's storage went away (a network share, a removed disk). Both end in the same
  place as a server outage: wait, reopen, carry on.

A wrong password or a missing database is not a lost connection: retrying cannot
help, and the message names the cause instead.

:class:`ReconnectingDatabase` lets a long-running process survive a server restart by
itself (it is used for PostgreSQL; an SQLite file has no connection to lose):
a statement that meets a dead connection outside a transaction reconnects and runs
once more when that is safe: a read, ``BEGIN``, or any statement the driver refused
to send because the connection was already closed. Inside a transaction nothing is
replayed (half a transaction must never be re-run on a new connection); the whole
operation fails with the lost connection, and its caller retries it, which is safe
because every write carries its own id (see :mod:`companion.entries`).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any
from urllib.parse import urlparse

import peewee

from companion.errors import DatabaseUnavailable, InvalidInput

RETRY_DELAYS_S: tuple[int, ...] = (1, 2, 4, 8, 15, 30)
"""Wait this long before each retry in turn, then every :data:`RETRY_EVERY_S`."""
RETRY_EVERY_S = 30

RECONNECT_POLL_S = 0.25

_LOST_SQLSTATES = ("57P01", "57P02", "57P03")
_LOST_WORDS = (
    "server closed the connection",
    "terminating connection",
    "the connection is closed",
    "connection already closed",
    "connection is lost",
    "connection refused",
    "connection reset",
    "connection timed out",
    "timeout expired",
    "could not connect to server",
    "no route to host",
    "network is unreachable",
    "broken pipe",
    "ssl connection has been closed unexpectedly",
    "consuming input failed",
    "sending query failed",
    # shutting down, starting up, in recovery mode, not yet accepting connections
    "the database system is ",
    "server conn crashed",
    # SQLite: the file's storage went away under a running process.
    "disk i/o error",
    "unable to open database file",
)
# Sent with the words above but caused by the set-up, not the moment: never retried.
_SETUP_WORDS = (
    "password authentication failed",
    "authentication failed",
    "no password supplied",
    "does not exist",
    "no pg_hba.conf entry",
)
# Statements a dead connection refused to send at all: safe to send again anywhere.
_NEVER_SENT = ("the connection is closed", "connection already closed")


class DatabaseLost(DatabaseUnavailable):
    """The database stopped answering; the message is one calm line naming it."""

    def __init__(self, location: str, reason: str = "", message: str | None = None) -> None:
        self.location = location
        self.reason = reason
        why = f" ({reason})" if reason else ""
        super().__init__(
            message
            or f"The database at {location} is not answering{why}. "
            "Check that the server is running and the network is up, then try again."
        )


def is_connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` (or the driver error inside it) means the database went away."""
    if isinstance(exc, DatabaseLost):
        return True
    for error in _chain(exc):
        if isinstance(error, DatabaseLost):
            return True
        code = _sqlstate(error)
        text = str(error).lower()
        if any(words in text for words in _SETUP_WORDS):
            return False
        if code is not None and (code.startswith("08") or code in _LOST_SQLSTATES):
            return True
        if _is_database_error(error) and any(words in text for words in _LOST_WORDS):
            return True
    return False


def lost_reason(exc: BaseException) -> str:
    """The client library's reason for a lost connection, e.g. "Connection refused"."""
    for error in _chain(exc):
        for line in str(error).splitlines():
            text = line.strip().rsplit("failed:", 1)[-1].strip()
            if text:
                return _short(text)
    return ""


def already_written(
    model: type[peewee.Model], row_id: str | None, what: str, **expected: object
) -> Any | None:
    """The row a retried write already made with ``row_id``, or None when it is new.

    A write cut off by a lost connection may or may not have committed; the caller
    chose the row's id before the first attempt, so the retry looks it up and, when
    the first attempt landed, returns that row instead of writing a second one. An id
    that holds something else (``expected`` compares columns) is refused: the same id
    was reused for a different write, and nothing is saved.
    """
    if row_id is None:
        return None
    row = model.get_or_none(model._meta.primary_key == row_id)
    if row is None:
        return None
    for column, value in expected.items():
        if getattr(row, column) != value:
            raise InvalidInput(
                f"The id {row_id} already belongs to a different {what}, so this one was "
                "not saved. Save it again: it will get a new id."
            )
    return row


def reconnect(db: peewee.Database, wait_s: float = 0.0) -> None:
    """Close ``db``'s dead connection and open a new one, trying for up to ``wait_s``.

    Closing a dead connection can itself fail (and peewee refuses to close inside a
    transaction); either way the old connection is dropped. Raises
    :class:`DatabaseLost` when the database still does not answer; other errors (a
    password changed meanwhile) propagate as they are.
    """
    _drop(db)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            db.connect(reuse_if_open=True)
            return
        except peewee.PeeweeException as exc:
            _drop(db)
            if not is_connection_lost(exc):
                raise
            if time.monotonic() >= deadline:
                raise DatabaseLost(location_of(db), lost_reason(exc)) from exc
        time.sleep(RECONNECT_POLL_S)


def location_of(db: peewee.Database) -> str:
    """The server (host/database) or file a database object talks to, for messages."""
    if isinstance(db, peewee.SqliteDatabase):
        return str(db.database)
    params = getattr(db, "connect_params", {}) or {}
    host = params.get("host")
    if not host and params.get("conninfo"):
        host = urlparse(str(params["conninfo"])).hostname
    return f"{host or 'localhost'}/{db.database}"


class ReconnectingDatabase:
    """Mixin for a peewee database: survive a restart between operations.

    ``reconnect_wait_s`` is how long a reconnect keeps trying: none for the window
    (its runner keeps the work and retries with back-off), a few seconds for a
    command run once (see :mod:`cli.workspace_session`).
    """

    reconnect_wait_s: float = 0.0

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        try:
            return super().execute_sql(sql, params)  # type: ignore[misc]
        except peewee.PeeweeException as exc:
            if not self._may_replay(exc, sql):
                raise
        self._reconnect_after_loss()
        return super().execute_sql(sql, params)  # type: ignore[misc]

    def begin(self, *args: Any, **kwargs: Any) -> Any:
        # Called before the transaction is pushed, so a dead connection found by
        # BEGIN is replaced before anything of the transaction was sent.
        try:
            return super().begin(*args, **kwargs)  # type: ignore[misc]
        except peewee.PeeweeException as exc:
            if not self._may_replay(exc, "BEGIN"):
                raise
        self._reconnect_after_loss()
        return super().begin(*args, **kwargs)  # type: ignore[misc]

    def _may_replay(self, exc: BaseException, sql: str) -> bool:
        db: Any = self
        if db.in_transaction() or not is_connection_lost(exc):
            return False
        statement = sql.lstrip()[:6].upper()
        if statement in ("SELECT", "BEGIN", "PRAGMA"):
            return True
        text = " ".join(str(error).lower() for error in _chain(exc))
        return any(words in text for words in _NEVER_SENT)

    def _reconnect_after_loss(self) -> None:
        db: Any = self
        reconnect(db, db.reconnect_wait_s)


def _drop(db: peewee.Database) -> None:
    """Forget the current connection, closing it if it still can be."""
    state: Any = db._state  # type: ignore[attr-defined]
    connection = state.conn
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.close()
    state.reset()


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc``, the driver errors peewee wrapped, and what caused them, without repeats."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [exc]
    while pending:
        error = pending.pop(0)
        if error is None or any(error is known for known in seen) or len(seen) > 20:
            continue
        seen.append(error)
        pending.extend(arg for arg in error.args[:1] if isinstance(arg, BaseException))
        pending.extend((error.__cause__, error.__context__))
    return seen


def _sqlstate(error: BaseException) -> str | None:
    code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return code if isinstance(code, str) else None


def _is_database_error(error: BaseException) -> bool:
    """peewee's and the drivers' error classes, never a plain OSError or a bug's error."""
    if isinstance(error, peewee.PeeweeException | DatabaseUnavailable):
        return True
    module = type(error).__module__.split(".")[0]
    return module in ("psycopg", "psycopg2", "sqlite3", "_sqlite3")


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
