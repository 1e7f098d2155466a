"""Starting the window: open the workspace, show the window, report what went wrong.

A database that is locked, read-only, from a newer version or someone else's, a data
folder that cannot be made, or a value edited in by hand that cannot be read, is
reported in a dialog that names the file; the app then exits without having changed
anything.
"""

from __future__ import annotations

import sys
from importlib.resources import files

from PySide6.QtWidgets import QApplication, QMessageBox

from companion.errors import CompanionError, describe_os_error
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
        return open_workspace(data_dir, db_url)
    except CompanionError as exc:
        QMessageBox.critical(None, "Companion cannot open its data", str(exc))
        return None
    except OSError as exc:
        QMessageBox.critical(None, "Companion cannot open its data", describe_os_error(exc))
        return None


def run_app(data_dir: str | None = None, db_url: str | None = None) -> int:
    app = create_application()
    workspace = open_or_explain(data_dir, db_url)
    if workspace is None:
        return 1
    if not sign_in(workspace):
        workspace.close()
        return 0
    window = MainWindow(workspace)
    window.show()
    try:
        return app.exec()
    finally:
        workspace.close()
