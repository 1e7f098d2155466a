"""The feed of other desks' changes, read from the change log.

A window asks :meth:`ChangeFeed.wait` in a loop (off the UI thread) and gets a
:class:`~companion.changes.Changes` value (``remote=True``) each time other processes
wrote something: the rows of :mod:`companion.change_log` after the last one it read,
minus its own. It starts at the newest row: a window that opens reads current data
anyway, so it only needs what changes after.

How it learns quickly and cheaply:

- on PostgreSQL it LISTENs on a connection of its own (psycopg 3; peewee's connection
  belongs to the queries) and wakes as soon as a writer commits, since the writer's
  ``NOTIFY`` is delivered at commit. It still reads the log every
  :data:`LISTENING_POLL_S`, in case a notification was lost with a connection;
- on SQLite (or with no LISTEN connection) it reads the log every :data:`POLL_S`: one
  range query on the primary key, so several processes on one file see each other.

Numbers skipped. On PostgreSQL a row with a lower ``seq`` can commit after a higher
one (numbers are taken at insert, not at commit). The feed remembers the numbers it
has not seen below the highest it read and asks for them again on each read, until
they appear or :data:`GAP_EXPIRES_S` passes (a rolled-back transaction never fills its
number). At start it does the same for the last :data:`START_WINDOW` numbers, in case
a transaction was committing just then.

The database going away is not the feed's problem to report: a read that fails returns
no changes, drops the listening connection, and the next read tries again (the
window's banner about the outage comes from its own operations).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

import peewee

from companion.change_log import CHANNEL, ORIGIN, ChangeRow, latest_seq
from companion.changes import NO_CHANGES, Changes, Topic
from companion.rows import tuples

log = logging.getLogger(__name__)

POLL_S = 0.5
LISTENING_POLL_S = 5.0
LISTEN_RETRY_S = 5.0
LISTEN_CONNECT_TIMEOUT_S = 5
GAP_EXPIRES_S = 600.0
MAX_GAPS = 10_000
START_WINDOW = 200
BATCH = 2000

_TOPICS = {topic.value: topic for topic in Topic}


class ChangeFeed:
    """What other processes changed since the last read; not thread-safe (one reader)."""

    def __init__(self, db: peewee.Database, *, origin: str = ORIGIN) -> None:
        self._db = db
        self._origin = origin
        self._last: int | None = None
        self._gaps: dict[int, float] = {}
        self._listener: Any = None
        self._listen_after = 0.0
        self._poll_after = 0.0
        self._down = False
        self._start()

    @property
    def listening(self) -> bool:
        """True while a PostgreSQL LISTEN connection is open."""
        return self._listener is not None

    def poll(self) -> Changes:
        """Changes other processes committed since the last read (never raises)."""
        try:
            if self._last is None:
                self._start()
                return NO_CHANGES
            items: list[tuple[Topic, str]] = []
            while True:
                rows = self._read()
                items.extend(self._take(rows))
                if len(rows) < BATCH:
                    break
        except (peewee.PeeweeException, OSError) as exc:
            self._lost(exc)
            return NO_CHANGES
        self._down = False
        return Changes.of(items, remote=True) if items else NO_CHANGES

    def wait(self, timeout_s: float) -> Changes:
        """Return as soon as other processes changed something, or after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        notified = False
        while True:
            now = time.monotonic()
            if notified or now >= self._poll_after:
                changes = self.poll()
                self._poll_after = time.monotonic() + self._interval()
                if changes:
                    return changes
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return NO_CHANGES
            notified = self._block(min(remaining, max(0.0, self._poll_after - time.monotonic())))

    def close(self) -> None:
        """Close the LISTEN connection (the queries use the models' connection)."""
        self._close_listener()

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------

    def _start(self) -> None:
        try:
            last = latest_seq()
            recent = ChangeRow.select(ChangeRow.seq).where(ChangeRow.seq > last - START_WINDOW)
            present = {int(seq) for (seq,) in tuples(recent)}
        except (peewee.PeeweeException, OSError) as exc:
            self._lost(exc)
            return
        now = time.monotonic()
        self._gaps = {
            seq: now for seq in range(max(1, last - START_WINDOW + 1), last) if seq not in present
        }
        self._last = last

    def _read(self) -> list[tuple[int, str, str, str]]:
        assert self._last is not None
        condition = ChangeRow.seq > self._last
        if self._gaps:
            condition |= ChangeRow.seq.in_(sorted(self._gaps))
        query = (
            ChangeRow.select(ChangeRow.seq, ChangeRow.origin, ChangeRow.topic, ChangeRow.object_id)
            .where(condition)
            .order_by(ChangeRow.seq)
            .limit(BATCH)
        )
        return [
            (int(seq), str(origin), str(topic), str(oid))
            for seq, origin, topic, oid in tuples(query)
        ]

    def _take(self, rows: list[tuple[int, str, str, str]]) -> Iterable[tuple[Topic, str]]:
        """Advance past ``rows``, remembering skipped numbers; yield others' changes."""
        assert self._last is not None
        now = time.monotonic()
        seen = {seq for seq, *_ in rows}
        for seq in seen:
            self._gaps.pop(seq, None)
        top = max(seen, default=self._last)
        if top > self._last:
            skipped = range(max(self._last + 1, top - MAX_GAPS), top)
            self._gaps.update((seq, now) for seq in skipped if seq not in seen)
            self._last = top
        expired = [seq for seq, since in self._gaps.items() if now - since > GAP_EXPIRES_S]
        for seq in expired:
            del self._gaps[seq]
        if len(self._gaps) > MAX_GAPS:
            for seq in sorted(self._gaps)[: len(self._gaps) - MAX_GAPS]:
                del self._gaps[seq]
        for _seq, origin, topic, object_id in rows:
            if origin != self._origin and topic in _TOPICS:
                yield _TOPICS[topic], object_id

    def _lost(self, exc: BaseException) -> None:
        """The database went away (or answered nonsense): try again on the next read."""
        if not self._down:
            log.info("change feed: database not readable now (%s); trying again", exc)
        self._down = True
        self._close_listener()
        self._listen_after = time.monotonic() + LISTEN_RETRY_S
        try:
            if not self._db.in_transaction():
                self._db.close()
        except (peewee.PeeweeException, OSError):
            pass

    # -- waiting -------------------------------------------------------------------

    def _interval(self) -> float:
        return LISTENING_POLL_S if self._ensure_listener() else POLL_S

    def _block(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True if a notification from another process came."""
        if seconds <= 0:
            return False
        listener = self._listener
        if listener is None:
            time.sleep(seconds)
            return False
        try:
            notices = list(listener.notifies(timeout=seconds, stop_after=1))
        except Exception as exc:  # noqa: BLE001 - any failure of the LISTEN connection
            self._lost(exc)
            return False
        return any(notice.payload != self._origin for notice in notices)

    def _ensure_listener(self) -> bool:
        if self._listener is not None:
            if not self._listener.closed:
                return True
            self._close_listener()
        if not isinstance(self._db, peewee.PostgresqlDatabase):
            return False
        if time.monotonic() < self._listen_after:
            return False
        self._listen_after = time.monotonic() + LISTEN_RETRY_S
        try:
            import psycopg

            conninfo, params = _libpq_params(self._db)
            connection = psycopg.connect(
                conninfo, autocommit=True, connect_timeout=LISTEN_CONNECT_TIMEOUT_S, **params
            )
            connection.execute(f"LISTEN {CHANNEL}")
        except Exception as exc:  # noqa: BLE001 - no LISTEN: polling still works
            log.info("change feed: cannot listen for changes (%s); polling", exc)
            return False
        self._listener = connection
        return True

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.close()
            except Exception:  # closing a dead connection
                log.debug("change feed: closing the LISTEN connection failed", exc_info=True)


def _libpq_params(db: peewee.PostgresqlDatabase) -> tuple[str, dict[str, Any]]:
    """The connection string and keywords the models' own connection uses."""
    params = dict(db.connect_params)
    conninfo = str(params.pop("conninfo", ""))
    for name in ("connect_timeout", "prefer_psycopg3", "register_unicode", "encoding"):
        params.pop(name, None)
    if not conninfo and db.database:
        params.setdefault("dbname", db.database)
    return conninfo, params
