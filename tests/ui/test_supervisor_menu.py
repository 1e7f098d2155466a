"""Supervisor tools are offered by role; the services refuse anyone else regardless."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from companion.users import Role, create_user
from kb.workspace import Workspace
from ui.main_window import MainWindow


def menu_titles(window: MainWindow) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def supervisor_items(window: MainWindow) -> list[str]:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "Super&visor")
    return [action.text() for action in menu.actions()]


def test_an_agent_sees_no_supervisor_menu(qtbot: QtBot, workspace: Workspace) -> None:
    workspace.user = create_user("Priya", Role.AGENT)
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    assert "Super&visor" not in menu_titles(window)
    window.close()


def test_a_supervisor_sees_team_rules_and_audit_but_not_accounts(
    qtbot: QtBot, workspace: Workspace
) -> None:
    workspace.user = create_user("Grace", Role.SUPERVISOR)
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    items = supervisor_items(window)
    assert items == [
        "Playbook &editor…",
        "&Team view…",
        "&Phrasing rules…",
        "Audit &log…",
        "",
        "Apply playbook &release…",
        "&Make playbook release…",
        "Release &conflicts (0)…",
    ]
    window.show_team()  # once the stored account is checked, off the UI thread
    qtbot.waitUntil(
        lambda: (
            "Companion — Team view"
            in [d.windowTitle() for d in window.findChildren(QDialog) if d.isVisible()]
        )
    )
    window.close()
