"""Call-record fixtures: a migrated database on SQLite, and on PostgreSQL when one is reachable.

Every test that takes ``records`` runs once per backend. The PostgreSQL run uses
``COMPANION_TEST_PG_URL`` (a database whose name contains "test": it is wiped before
every test), or a local server at the default URL below; when neither answers, the
PostgreSQL run is skipped and the reason says how to enable it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import peewee
import pytest

from companion import db as dbmod
from companion.migrations import migrate
from companion.schema import CORE
from companion.users import Role, User, create_user, local_user

PG_URL_ENV = "COMPANION_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql://postgres@localhost:5432/companion_test"


@dataclass
class Records:
    """A migrated, empty call-records database and the desk user acting on it."""

    url: str
    database: peewee.Database
    user: User

    def agent(self, name: str) -> User:
        return create_user(name, Role.AGENT)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL
    reason = _postgres_unavailable(url)
    if reason:
        pytest.skip(reason)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def records(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[Records]:
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'records.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = dbmod.connect(url)
    if request.param == "postgresql":
        database.execute_sql("DROP SCHEMA public CASCADE")
        database.execute_sql("CREATE SCHEMA public")
    migrate(database, [CORE], url)
    yield Records(url, database, local_user())
    database.close()


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
