"""Call-record fixtures: a migrated database on SQLite, and on PostgreSQL when one is reachable.

Every test that takes ``records`` runs once per backend, with no change to the code
under test. The PostgreSQL runs use ``COMPANION_TEST_PG_URL`` (a database whose name
contains "test": it is wiped before every test), or a local server at the default
URL below. When neither answers they are not generated, and
``test_postgres.py`` reports the one skip with the reason and how to enable them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import peewee
import pytest

from companion import db as dbmod
from companion.customer_models import Customer
from companion.customers import CustomerDetails, CustomerView, create_customer
from companion.migrations import migrate
from companion.schema import CALL_RECORD_TABLES, CORE
from companion.users import Role, User, create_user, local_user

PG_URL_ENV = "COMPANION_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql://postgres@localhost:5432/companion_test"
RECORD_TABLES = CALL_RECORD_TABLES


@dataclass
class Records:
    """A migrated, empty call-records database and the desk user acting on it."""

    url: str
    database: peewee.Database
    user: User

    def agent(self, name: str) -> User:
        return create_user(name, Role.AGENT)

    def customer(self, name: str, **details: Any) -> CustomerView:
        return create_customer(self.user, CustomerDetails.validate(name, **details)).customer

    def count_customers(self) -> int:
        return self.count(Customer)

    def count(self, model: type[peewee.Model]) -> int:
        return int(model.select().count())

    def snapshot(self) -> dict[str, int]:
        """Row counts of every call-record table, to show a refused operation changed nothing."""
        return {model.__name__: self.count(model) for model in RECORD_TABLES}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that takes ``records`` on each backend available here."""
    if "records" in metafunc.fixturenames:
        backends = ["sqlite"] if postgres_unavailable() else ["sqlite", "postgresql"]
        metafunc.parametrize("records", backends, indirect=True)


@pytest.fixture
def records(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[Records]:
    backend = getattr(request, "param", "sqlite")
    url = f"sqlite:///{data_dir / 'records.db'}" if backend == "sqlite" else postgres_url()
    database = dbmod.connect(url)
    if backend == "postgresql":
        database.execute_sql("DROP SCHEMA public CASCADE")
        database.execute_sql("CREATE SCHEMA public")
    migrate(database, [CORE], url)
    yield Records(url, database, local_user())
    database.close()


def postgres_url() -> str:
    return os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL


@functools.cache
def postgres_unavailable() -> str | None:
    """Why the PostgreSQL runs cannot happen here, or None when they can (probed once)."""
    return _postgres_unavailable(postgres_url())


def _postgres_unavailable(url: str) -> str | None:
    """Why the PostgreSQL run cannot happen, or None when it can."""
    how = f"set {PG_URL_ENV}=postgresql://USER@HOST:PORT/SOMETHING_test to run it"
    name = urlparse(url).path.lstrip("/")
    if "test" not in name:
        return f"PostgreSQL: refusing to wipe database {name!r}, whose name lacks 'test'; {how}"
    try:
        import psycopg2  # type: ignore[import-untyped]
    except ImportError:
        return (
            f"PostgreSQL: psycopg2 is not installed (pip install -r requirements-dev.lock); {how}"
        )
    parsed = urlparse(url)
    params = {
        "host": parsed.hostname or "localhost",
        "port": parsed.port or 5432,
        "user": parsed.username,
        "password": parsed.password,
        "connect_timeout": 2,
    }
    try:
        psycopg2.connect(dbname=name, **params).close()
        return None
    except psycopg2.OperationalError as exc:
        if "does not exist" not in str(exc):
            return f"PostgreSQL: no server answered at {parsed.hostname}:{params['port']}; {how}"
    try:
        admin = psycopg2.connect(dbname="postgres", **params)
        admin.autocommit = True
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
        admin.close()
    except psycopg2.Error as exc:
        return f"PostgreSQL: database {name!r} is missing and could not be created ({exc}); {how}"
    return None
