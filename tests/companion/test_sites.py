"""Site identity: made once by core migration 8, kept by every record created here."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion import db as dbmod
from companion import sites
from companion.calls import Call, start_call
from companion.customer_models import Customer
from companion.errors import InvalidInput
from companion.migrations import Component, migrate
from companion.schema import CORE
from companion.sites import known_sites, name_this_site, this_site
from tests.companion.conftest import Records


def test_a_store_has_one_lasting_site_id_and_every_record_keeps_it(records: Records) -> None:
    here = this_site()
    assert len(here.id) == 36 and here.name == f"site {here.id[:8]}"
    ana = records.customer("Ana Ruiz")
    call = start_call(records.user, ana.id)
    assert Customer.get_by_id(ana.id).site == here.id
    assert Call.get_by_id(call.id).site == here.id
    assert this_site().id == here.id
    assert known_sites() == [here]


def test_naming_the_site_and_what_wins_over_the_stored_name(
    records: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert name_this_site("  North   branch ").name == "North branch"
    sites.configure("From site.ini")
    assert this_site().name == "From site.ini"
    monkeypatch.setenv("COMPANION_SITE_NAME", "From the environment")
    assert this_site().name == "From the environment"
    with pytest.raises(InvalidInput):
        name_this_site("   ")


@pytest.mark.sqlite_only
def test_migration_8_gives_existing_records_this_stores_site(tmp_path: Path) -> None:
    """A database from before sites: its customers and calls were all made here."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = dbmod.connect(url)
    before_sites = Component("core", [m for m in CORE.migrations if m.version < 8])
    migrate(database, [before_sites], url)
    # Tables as migration 2 made them before sites existed: no site columns.
    for table in ("customers", "calls"):
        database.execute_sql(f"DROP INDEX IF EXISTS {table}_site")
        database.execute_sql(f"ALTER TABLE {table} DROP COLUMN site")
    database.execute_sql("DROP INDEX entries_call_id_seq")
    database.execute_sql("CREATE UNIQUE INDEX entries_call_id_seq ON entries (call_id, seq)")
    database.execute_sql(
        "INSERT INTO users (id, display_name, role, is_local_default, disabled, created_at, "
        "updated_at) VALUES ('u1', 'Old desk', 'admin', 1, 0, '2024-01-01', '2024-01-01')"
    )
    database.execute_sql(
        "INSERT INTO customers (id, display_name, is_organisation, notes, created_by_id, "
        "created_at, updated_at) VALUES ('c1', 'Old customer', 0, '', 'u1', '2024-01-01', "
        "'2024-01-01')"
    )
    migrate(database, [CORE], url)
    here = this_site()
    assert Customer.get_by_id("c1").site == here.id
    indexes = {
        row[1]: row[2] for row in database.execute_sql("PRAGMA index_list(entries)").fetchall()
    }
    assert indexes["entries_call_id_seq"] == 0  # no longer unique
    dbmod.close_all(database)
