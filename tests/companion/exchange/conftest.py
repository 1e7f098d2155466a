"""Several stores in one test: sites and head offices, on SQLite and on PostgreSQL.

``make_store("north")`` opens a new, migrated store (an SQLite file of its own, or a
PostgreSQL database of its own created for the test and dropped after it); ``with
store:`` binds the core's database proxy to it for the code inside. Each store has its
own site id (core migration 8) and its local admin, who may export and import.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlparse

import peewee
import pytest

from companion import db as dbmod
from companion.audit import AuditEvent
from companion.call_articles import CallArticle
from companion.customers import CustomerDetails, create_customer
from companion.migrations import migrate
from companion.schema import CALL_RECORD_TABLES, CORE
from companion.sites import this_site
from companion.users import User, local_user
from tests import postgres


class Store:
    """One migrated database standing for a site or a head office."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url
        previous = dbmod.database.obj
        self.database = dbmod.connect(url)
        migrate(self.database, [CORE], url)
        self.user = local_user()
        self.site_id = this_site().id
        self._previous: list[Any] = []
        if previous is not None:
            dbmod.database.initialize(previous)

    def __enter__(self) -> Store:
        self._previous.append(dbmod.database.obj)
        dbmod.database.initialize(self.database)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        previous = self._previous.pop()
        if previous is not None:
            dbmod.database.initialize(previous)

    def customer(self, name: str, **details: Any) -> str:
        with self:
            return create_customer(self.user, CustomerDetails.validate(name, **details)).customer.id

    def state(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every call-record row by table, sorted; audit events an import wrote left out."""
        with self:
            tables: dict[str, list[tuple[Any, ...]]] = {}
            for model in (*CALL_RECORD_TABLES, CallArticle):
                rows = [tuple(str(value) for value in row) for row in model.select().tuples()]
                if model is AuditEvent:
                    rows = [row for row in rows if '"from_site"' not in row[-1]]
                tables[model._meta.table_name] = sorted(rows)
            tables["users"] = sorted(
                (user.id, user.display_name, user.role) for user in User.select()
            )
            return tables

    def close(self) -> None:
        dbmod.close_all(self.database)


StoreFactory = Callable[[str], Store]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that makes stores runs on each backend available here."""
    if "make_store" in metafunc.fixturenames:
        metafunc.parametrize("make_store", postgres.backends_here(), indirect=True)


@pytest.fixture
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    backend = getattr(request, "param", "sqlite")
    made: list[Store] = []
    databases: list[str] = []
    previous = dbmod.database.obj

    def make(name: str) -> Store:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / f'{name}.db'}"
        else:
            url = _new_postgres_database(name)
            databases.append(url)
        store = Store(name, url)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()
    for url in databases:
        postgres.drop_database(url)
    if previous is not None:
        dbmod.database.initialize(previous)


def _new_postgres_database(name: str) -> str:
    base = urlparse(postgres.postgres_url()).path.lstrip("/")
    database = f"{base}_{os.getpid()}_exchange_{name}"
    with postgres.admin_connect() as admin:  # type: ignore[attr-defined]
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')
    return postgres.database_url(database)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Where export files are written."""
    path = tmp_path / "files"
    path.mkdir()
    return path


def count(store: Store, model: type[peewee.Model]) -> int:
    with store:
        return int(model.select().count())
