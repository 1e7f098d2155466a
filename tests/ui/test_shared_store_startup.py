"""A window opened on a shared PostgreSQL store: who may use it, and what it says when it cannot.

A shared store is never run as the nameless "Local desk": until an admin has a
password the window refuses to open and gives the command that adds the first admin;
the command line still works (it acts as the local admin). A server that cannot be
reached is explained in the start-up dialog, by cause.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from companion.accounts import create_account
from kb.workspace import open_workspace
from ui import app as app_module


def _capture(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(
        app_module.QMessageBox, "critical", lambda _parent, _title, text: shown.append(text)
    )
    return shown


def test_a_shared_store_without_accounts_refuses_the_window_and_says_how_to_add_an_admin(
    qtbot: QtBot, data_dir: Path, postgres_test_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = _capture(monkeypatch)
    assert app_module.open_or_explain(str(data_dir), postgres_test_db) is None
    assert len(shown) == 1
    assert "user add" in shown[0]
    assert "--role admin --password-stdin" in shown[0]
    assert f"--db {postgres_test_db}" in shown[0]


def test_a_shared_store_opens_once_an_admin_can_sign_in(
    qtbot: QtBot, data_dir: Path, postgres_test_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = open_workspace(data_dir, postgres_test_db, load_defaults=False)
    create_account(workspace.user, "Ana Supervisor", "admin", "a long admin password")
    workspace.close()
    shown = _capture(monkeypatch)
    opened = app_module.open_or_explain(str(data_dir), postgres_test_db)
    assert opened is not None
    opened.close()
    assert shown == []


def test_a_server_that_is_not_running_is_explained_in_the_start_up_dialog(
    qtbot: QtBot, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    shown = _capture(monkeypatch)
    assert app_module.run_app(str(data_dir), f"postgresql://postgres@127.0.0.1:{port}/x") == 1
    assert len(shown) == 1
    assert "No PostgreSQL server is running" in shown[0]
