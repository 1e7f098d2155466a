"""When the data cannot be opened the window says why, names the file, and changes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kb.workspace import open_workspace
from ui import app as app_module


@pytest.mark.sqlite_only  # compares the SQLite file's bytes
def test_newer_database_is_explained_in_a_dialog(
    qtbot: QtBot, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_workspace(data_dir, load_defaults=False).close()
    db_file = data_dir / "companion.db"
    with sqlite3.connect(db_file) as connection:
        connection.execute("UPDATE schema_version SET version = version + 1")
    before = db_file.read_bytes()
    shown: list[str] = []
    monkeypatch.setattr(
        app_module.QMessageBox, "critical", lambda _parent, _title, text: shown.append(text)
    )
    assert app_module.run_app(str(data_dir)) == 1
    assert len(shown) == 1
    assert "newer version of Companion" in shown[0]
    assert str(db_file) in shown[0]
    assert db_file.read_bytes() == before
