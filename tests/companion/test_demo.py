"""Demo data: believable, repeatable, and never poured into a database in use."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from companion import db as dbmod
from companion.calls import Call
from companion.customer_models import Customer
from companion.customer_search import find_customers
from companion.demo import load_demo
from companion.entries import Entry
from companion.errors import InvalidInput
from companion.history import history
from companion.migrations import migrate
from companion.promises import promises_due
from companion.rows import tuples
from companion.schema import CORE
from companion.users import local_user
from tests.companion.conftest import Records

NOW = datetime(2025, 3, 12, 15, 0)


def test_demo_has_households_calls_and_overdue_promises(records: Records) -> None:
    report = load_demo(records.user, now=NOW)
    assert report.customers >= 30 and report.calls >= 50 and report.overdue >= 3
    (ana,) = find_customers(records.user, "Ana María")
    seen = history(records.user, ana.customer.id)
    assert {link.label for link in seen.links} == {"same household", "guardian of"}
    assert any(call.via_link for call in seen.calls)
    due = promises_due(records.user, today=NOW.date())
    assert due.overdue_total == report.overdue
    assert any(
        m.matched_on.label == "similar name" for m in find_customers(records.user, "Jon Smyth")
    )


def demo_fingerprint(directory: Path, seed: int) -> list[tuple[str, ...]]:
    """What an agent would see of a fresh demo: every call's customer, problem and entries."""
    url = f"sqlite:///{directory / 'demo.db'}"
    database = dbmod.connect(url)
    try:
        migrate(database, [CORE], url)
        load_demo(local_user(), seed=seed, now=NOW)
        query = (
            Entry.select(Customer.display_name, Call.started_at, Entry.seq, Entry.kind, Entry.text)
            .join(Call)
            .join(Customer)
            .order_by(Call.started_at, Entry.seq)
        )
        return [tuple(str(value) for value in row) for row in tuples(query)]
    finally:
        database.close()


def test_the_same_seed_gives_the_same_records(tmp_path: Path) -> None:
    first = demo_fingerprint(tmp_path / "one", seed=3)
    assert first == demo_fingerprint(tmp_path / "two", seed=3)
    assert first != demo_fingerprint(tmp_path / "three", seed=4)


def test_demo_refuses_a_database_that_has_customers(records: Records) -> None:
    records.customer("A Real Customer")
    before = records.snapshot()
    with pytest.raises(InvalidInput, match=r"already has 1 customers.*new folder"):
        load_demo(records.user, now=NOW)
    assert records.snapshot() == before
