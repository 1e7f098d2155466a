"""Opening the database: pragmas, schema versions, and refusing what we must not touch."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from companion.errors import DatabaseUnavailable, NewerSchemaError
from kb import store
from kb.workspace import open_workspace


def test_first_use_creates_database_with_default_playbook(data_dir: Path) -> None:
    workspace = open_workspace(data_dir)
    try:
        assert (data_dir / "companion.db").exists()
        slugs = store.all_slugs()
        assert {"greeting", "escalation", "handoff", "recording"} <= slugs
        assert workspace.default_playbook_report is not None
        assert not workspace.default_playbook_report.failed
    finally:
        workspace.close()


def test_second_open_does_not_reload_defaults(data_dir: Path) -> None:
    open_workspace(data_dir).close()
    workspace = open_workspace(data_dir)
    try:
        assert workspace.default_playbook_report is None
        assert store.get_article("greeting").revision == 1
    finally:
        workspace.close()


def test_sqlite_pragmas_suit_legal_records(data_dir: Path) -> None:
    workspace = open_workspace(data_dir, load_defaults=False)
    try:
        pragma = workspace.database.execute_sql
        assert pragma("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert pragma("PRAGMA foreign_keys").fetchone()[0] == 1
        assert pragma("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert pragma("PRAGMA busy_timeout").fetchone()[0] >= 1000
    finally:
        workspace.close()


def test_db_url_option_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere" / "shared.db"
    monkeypatch.setenv("COMPANION_DB_URL", f"sqlite:///{elsewhere}")
    open_workspace(load_defaults=False).close()
    assert elsewhere.exists()


def test_newer_schema_is_refused_and_left_untouched(data_dir: Path) -> None:
    open_workspace(data_dir, load_defaults=False).close()
    db_file = data_dir / "companion.db"
    with sqlite3.connect(db_file) as connection:
        connection.execute("UPDATE schema_version SET version = 99 WHERE component = 'core'")
    before = db_file.read_bytes()
    with pytest.raises(NewerSchemaError, match="newer version") as caught:
        open_workspace(data_dir)
    assert str(db_file) in str(caught.value)
    assert db_file.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_database_gives_a_clear_message(data_dir: Path) -> None:
    open_workspace(data_dir, load_defaults=False).close()
    for path in data_dir.glob("companion.db*"):
        path.chmod(0o444)
    data_dir.chmod(0o555)
    try:
        with pytest.raises(DatabaseUnavailable, match=r"read-only|cannot be opened"):
            open_workspace(data_dir)
    finally:
        data_dir.chmod(0o755)


def test_a_file_that_is_not_a_database_is_refused(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "companion.db").write_bytes(b"this is a text file, not sqlite" * 100)
    with pytest.raises(DatabaseUnavailable, match="not a Companion database"):
        open_workspace(data_dir)


def test_read_only_and_lock_errors_are_explained_with_the_file_name() -> None:
    # Root (as in CI) can write read-only files, so the mapping itself is checked here.
    from companion.db import explain_operational_error

    url = "sqlite:///site/companion.db"
    readonly = explain_operational_error(url, Exception("attempt to write a readonly database"))
    locked = explain_operational_error(url, Exception("database is locked"))
    assert "site/companion.db is read-only" in readonly
    assert "locked by another program" in locked and "site/companion.db" in locked
