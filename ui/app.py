"""Starting the window: open the workspace, show the window, report what went wrong.

A database that is locked, read-only, from a newer version or someone else's, a data
folder that cannot be made, or a value edited in by hand that cannot be read, is
reported in a dialog that names the file; the app then exits without having changed
anything. So is a PostgreSQL server that cannot be reached or refuses the sign-in
(the message names the cause), and a shared store on which nobody can sign in yet
(the message gives the command that adds the first admin).
"""

from __future__ import annotations

import shlex
import sys
from importlib.resources import files

import peewee
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from companion.accounts import require_accounts_on_shared_store
from companion.db import translate_errors, url_without_password
from companion.errors import CompanionError, describe_os_error
from companion.launcher import command_words
from kb.workspace import Workspace, open_workspace
from ui.login_dialog import sign_in
from ui.main_window import MainWindow


def load_stylesheet() -> str:
    return (files("resources") / "style.qss").read_text(encoding="utf-8")


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Companion")
    app.setOrganizationName("Companion")
    app.setStyleSheet(load_stylesheet())
    return app


def open_or_explain(data_dir: str | None, db_url: str | None) -> Workspace | None:
    try:
        workspace = open_workspace(data_dir, db_url)
    except CompanionError as exc:
        QMessageBox.critical(None, "Companion cannot open its data", str(exc))
        return None
    except OSError as exc:
        QMessageBox.critical(None, "Companion cannot open its data", describe_os_error(exc))
        return None
    try:
        with translate_errors(workspace.db_url):
            require_accounts_on_shared_store(
                isinstance(workspace.database, peewee.PostgresqlDatabase),
                workspace.location,
                first_admin_command(data_dir, db_url),
            )
    except CompanionError as exc:
        workspace.close()
        QMessageBox.critical(None, "Companion needs an account first", str(exc))
        return None
    return workspace


def first_admin_command(data_dir: str | None, db_url: str | None) -> str:
    """The command line that adds the first admin, with the options this window had."""
    words = command_words()
    if data_dir:
        words += ["--data-dir", data_dir]
    if db_url:
        words += ["--db", url_without_password(db_url)]
    words += ["user", "add", "YOUR NAME", "--role", "admin", "--password-stdin"]
    return shlex.join(words)


def run_app(
    data_dir: str | None = None, db_url: str | None = None, quit_when_shown: bool = False
) -> int:
    """Open the window and run until it closes; the process's exit status.

    ``quit_when_shown`` (``--quit-when-shown``) closes the window as soon as the event
    loop has shown it, saying so on stdout: an installer's check that Qt, its platform
    plugin and the data all load on this machine, with nobody there to close it.
    """
    app = create_application()
    workspace = open_or_explain(data_dir, db_url)
    if workspace is None:
        return 1
    if not sign_in(workspace):
        workspace.close()
        return 0
    window = MainWindow(workspace)
    window.show()
    if quit_when_shown:
        QTimer.singleShot(0, lambda: _report_and_close(window))
    try:
        return app.exec()
    finally:
        workspace.close()


def _report_and_close(window: MainWindow) -> None:
    print(f"The window opened: {window.windowTitle()}", flush=True)
    window.close()
