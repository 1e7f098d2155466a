"""Opening the database: pragmas, schema versions, and refusing what we must not touch."""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
from pathlib import Path

import pytest

from companion.errors import DatabaseUnavailable, NewerSchemaError
from kb import store
from kb.workspace import open_workspace
from tests.unprivileged import run_companion


def test_first_use_creates_database_with_default_playbook(data_dir: Path) -> None:
    workspace = open_workspace(data_dir)
    try:
        on_sqlite = workspace.db_url.startswith("sqlite")
        assert (data_dir / "companion.db").exists() == on_sqlite
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


@pytest.mark.sqlite_only  # SQLite's pragmas
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


@pytest.mark.sqlite_only  # compares the file's bytes; test_postgres_errors has the server's twin
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


@pytest.mark.sqlite_only  # a read-only SQLite file
@pytest.mark.slow
def test_read_only_database_gives_a_clear_message(data_dir: Path) -> None:
    open_workspace(data_dir, load_defaults=False).close()
    for path in data_dir.glob("companion.db*"):
        path.chmod(0o444)
    data_dir.chmod(0o555)
    try:
        result = run_companion("--data-dir", str(data_dir), "customer", "add", "Ana Ruiz")
    finally:
        data_dir.chmod(0o755)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(r"companion\.db (is read-only|cannot be opened)", result.stderr)


@pytest.mark.sqlite_only  # a file that is not SQLite
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


# --- URLs that name no file, and files that are not ours -------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sqlite:///", "names no file"),
        ("sqlite://", "names no file"),
        ("sqlite:", "names no file"),
        ("", "Unsupported database URL"),
        ("sqlite:///:memory:", "in-memory database"),
    ],
)
def test_a_url_without_a_file_is_refused_not_kept_in_memory(url: str, says: str) -> None:
    with pytest.raises(DatabaseUnavailable, match=says) as caught:
        open_workspace(db_url=url)
    assert "sqlite:///PATH/companion.db" in str(caught.value) or not url


def test_a_url_naming_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match="names the folder"):
        open_workspace(db_url=f"sqlite:///{tmp_path}")


@pytest.mark.sqlite_only  # falls back to the SQLite file
def test_an_empty_environment_variable_means_unset(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPANION_DB_URL", "")
    open_workspace(data_dir, load_defaults=False).close()
    assert (data_dir / "companion.db").exists()


def test_an_environment_variable_naming_no_file_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMPANION_DB_URL", "sqlite:///")
    with pytest.raises(DatabaseUnavailable, match="names no file"):
        open_workspace()


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_untouched(db_file: Path, before: str) -> None:
    assert _fingerprint(db_file) == before
    assert not Path(f"{db_file}-wal").exists()
    assert not Path(f"{db_file}-shm").exists()


@pytest.mark.sqlite_only  # another program's SQLite file
@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_another_programs_sqlite_file_is_refused_byte_for_byte_unchanged(
    data_dir: Path, wal: bool
) -> None:
    data_dir.mkdir(parents=True)
    db_file = data_dir / "companion.db"
    with contextlib.closing(sqlite3.connect(db_file)) as connection:
        if wal:
            connection.execute("PRAGMA journal_mode=wal")
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        connection.execute("INSERT INTO invoices (total) VALUES (12.5)")
        connection.commit()
    before = _fingerprint(db_file)
    with pytest.raises(DatabaseUnavailable, match="is not a Companion database") as caught:
        open_workspace(data_dir)
    assert str(db_file) in str(caught.value)
    _assert_untouched(db_file, before)


@pytest.mark.sqlite_only  # another program's SQLite file
def test_a_schema_version_table_of_another_program_is_not_ours(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    db_file = data_dir / "companion.db"
    with contextlib.closing(sqlite3.connect(db_file)) as connection:
        connection.execute("CREATE TABLE schema_version (version INTEGER)")
        connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
        connection.execute("INSERT INTO schema_version VALUES (7)")
        connection.commit()
    before = _fingerprint(db_file)
    with pytest.raises(DatabaseUnavailable, match="is not a Companion database"):
        open_workspace(data_dir)
    _assert_untouched(db_file, before)


@pytest.mark.sqlite_only  # a text file where the SQLite file goes
def test_a_text_file_is_refused_unchanged(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    db_file = data_dir / "companion.db"
    db_file.write_text("name,phone\nAna,555-0100\n" * 200, encoding="utf-8")
    before = _fingerprint(db_file)
    with pytest.raises(DatabaseUnavailable, match="not a Companion database"):
        open_workspace(data_dir)
    _assert_untouched(db_file, before)


def test_an_empty_file_becomes_a_new_database(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "companion.db").touch()
    workspace = open_workspace(data_dir)
    try:
        assert "greeting" in store.all_slugs()
    finally:
        workspace.close()


def test_a_closed_companion_database_opens_again(data_dir: Path) -> None:
    open_workspace(data_dir).close()
    for leftover in data_dir.glob("companion.db-*"):
        leftover.unlink()  # as after a clean shutdown: WAL checkpointed and removed
    workspace = open_workspace(data_dir)
    try:
        assert workspace.default_playbook_report is None
        assert "greeting" in store.all_slugs()
    finally:
        workspace.close()
