"""Call-record fixtures: a migrated database on SQLite, and on PostgreSQL when one is reachable.

Every test that takes ``records`` runs once per backend, with no change to the code
under test. The PostgreSQL runs use ``COMPANION_TEST_PG_URL`` (a database whose name
contains "test": it is wiped before every test), or a local server at
``tests.postgres.DEFAULT_PG_URL``. When neither answers they are not generated, and
``test_postgres.py`` reports the one skip with the reason and how to enable them.
A run pinned to one backend (``COMPANION_TEST_BACKEND``, as ``make test`` does) runs
them on that backend only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee
import pytest

from companion import db as dbmod
from companion.customer_models import Customer
from companion.customers import CustomerDetails, CustomerView, create_customer
from companion.migrations import migrate
from companion.schema import CALL_RECORD_TABLES, CORE
from companion.users import Role, User, create_user, local_user
from tests import postgres
from tests.postgres import postgres_unavailable, postgres_url

__all__ = ["Records", "postgres_unavailable", "postgres_url"]

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
        metafunc.parametrize("records", postgres.backends_here(), indirect=True)


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
    dbmod.close_all(database)
