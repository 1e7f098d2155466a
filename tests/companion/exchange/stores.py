"""Several Companion stores in one test process, and the clocks and ids they share.

The core binds one peewee proxy (:data:`companion.db.database`); a store here is a
migrated database of its own, and ``with at(store):`` points the proxy at it for the
code inside. The exchange tests use this to play two sites and head office side by
side with a reference store, all in one process and fast enough for hypothesis.

Convergence is only checkable when the same operation makes the same rows wherever it
runs, so :class:`World` also takes over the two sources of difference: time (the core
reads it through ``companion.db.utcnow`` and ``companion.clock.utcnow_precise``, both
of which look up the module's ``datetime`` when called, even where they are a field's
default) and new ids (``companion.db.new_id`` calls the module's ``uuid.uuid4``). Both
become functions of a *phase*: operation 7 gets the same clock and the same ids at a
site as in the reference, and the ids an exchange makes are recognisably the
exchange's own.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import peewee

from companion import change_log, clock
from companion import db as dbmod
from companion.migrations import migrate
from companion.schema import CORE
from companion.users import Role, User
from tests import postgres

BASE_TIME = datetime(2026, 3, 2, 9, 0, 0)
ID_NAMESPACE = uuid.UUID("5b0f6a52-9c1e-4c11-9f5e-3a7d2c0e8b41")


@dataclass
class Store:
    """One migrated database: a site, head office, or the reference."""

    name: str
    url: str
    database: peewee.Database

    def close(self) -> None:
        dbmod.close_all(self.database)


def open_sqlite_store(folder: Path, name: str) -> Store:
    """A new, migrated SQLite store in ``folder/name``."""
    url = f"sqlite:///{folder / name / 'companion.db'}"
    return _migrated(name, url)


def open_postgres_store(name: str) -> Store:
    """The test run's PostgreSQL database, emptied and migrated, as a store."""
    url = postgres.postgres_url()
    postgres.empty_test_database(url)
    return _migrated(name, url)


def _migrated(name: str, url: str) -> Store:
    previous = dbmod.database.obj
    database = dbmod.connect(url)
    try:
        migrate(database, [CORE], url)
    finally:
        if previous is not None:
            dbmod.database.initialize(previous)
    return Store(name, url, database)


@contextlib.contextmanager
def at(store: Store) -> Iterator[Store]:
    """Point the core's database proxy at ``store`` for the duration of the block."""
    previous = dbmod.database.obj
    dbmod.database.initialize(store.database)
    try:
        yield store
    finally:
        dbmod.database.initialize(previous)


def add_user(user_id: str, name: str, role: Role = Role.SUPERVISOR) -> User:
    """A person with a fixed id in the bound store, so every store can agree on who acted."""
    return User.create(id=user_id, display_name=name, role=role.value)


class _FakeDatetime(datetime):
    """``datetime`` whose ``now`` reads the world's clock; everything else is datetime's."""

    world: World | None = None

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        assert cls.world is not None
        moment = cls.world.tick()
        if tz is None:
            return moment
        return moment.replace(tzinfo=UTC).astimezone(tz)


class _Ids:
    """Stands in for the ``uuid`` module inside companion.db: only ``uuid4`` is used."""

    def __init__(self, world: World) -> None:
        self.world = world

    def uuid4(self) -> uuid.UUID:
        return self.world.next_uuid()


class World:
    """The shared clock and id source of every store in one test.

    ``phase(key, moment)`` starts a phase: the clock stands at ``moment`` (plus one
    microsecond per reading, so events still have an order) and ids are derived from
    ``key`` and a counter. The same key gives the same ids and times again, which is
    how an operation run at a site and in the reference produces identical rows.
    """

    def __init__(self) -> None:
        self._key = "setup"
        self._counter = 0
        self._moment = BASE_TIME
        self._ticks = 0
        self.minted: dict[str, str] = {}

    def phase(self, key: str, moment: datetime) -> None:
        self._key, self._counter = key, 0
        self._moment, self._ticks = moment, 0

    def tick(self) -> datetime:
        """The current UTC moment (naive UTC; aware converted by the caller)."""
        self._ticks += 1
        return self._moment + timedelta(microseconds=self._ticks)

    def next_uuid(self) -> uuid.UUID:
        self._counter += 1
        made = uuid.uuid5(ID_NAMESPACE, f"{self._key}/{self._counter}")
        self.minted[str(made)] = self._key
        return made

    def made_in(self, row_id: str) -> str | None:
        """The phase that minted ``row_id``, or None when it came from elsewhere."""
        return self.minted.get(str(row_id))

    @contextlib.contextmanager
    def installed(self) -> Iterator[World]:
        """Route companion's clock and id source through this world for the block."""
        fake = type("FakeDatetime", (_FakeDatetime,), {"world": self})
        with (
            mock.patch.object(dbmod, "datetime", fake),
            mock.patch.object(clock, "datetime", fake),
            mock.patch.object(dbmod, "uuid", _Ids(self)),
            # Pruning the change log reads the clock once an hour per process: one store
            # would see an extra tick the others do not.
            mock.patch.object(change_log._pruning, "due", lambda: False),
        ):
            yield self
