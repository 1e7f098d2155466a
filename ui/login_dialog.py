"""Signing in at start-up, once any account has a password, and again when told to.

An admin at another desk may disable or remove the account a window signed in with;
the next service call is refused, and the window asks someone to sign in again with
:func:`sign_in_again`, which says why before asking.

Checking a password takes one Argon2 hash (well under a second), so it runs on the
UI thread: the window does not exist yet, and nothing else is waiting on the loop.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from companion.accounts import PASSWORD_MAX, authenticate, login_required
from companion.errors import CompanionError
from companion.text import NAME_MAX
from companion.users import User
from kb.workspace import Workspace


class LoginDialog(QDialog):
    def __init__(
        self, parent: QWidget | None = None, *, reason: str = "", cancel_text: str = "Quit"
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Companion")
        self.setMinimumWidth(380)
        self._user: User | None = None
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("loginName")
        self.name_edit.setMaxLength(NAME_MAX)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("loginPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setMaxLength(PASSWORD_MAX)
        self.message = QLabel()
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        self.message.setText(reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("&Password", self.password_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.name_edit.setFocus()

    def user(self) -> User | None:
        """The signed-in user once the dialog is accepted."""
        return self._user

    def accept(self) -> None:
        """Sign in, or stay open with a message; the password field is cleared either way."""
        name, password = self.name_edit.text(), self.password_edit.text()
        self.password_edit.clear()
        if not name.strip() or not password:
            self._refuse(
                "Type your name and your password.",
                self.name_edit if not name.strip() else self.password_edit,
            )
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self._user = authenticate(name, password)
        except CompanionError as exc:
            self._refuse(str(exc), self.password_edit)
            return
        finally:
            QApplication.restoreOverrideCursor()
        super().accept()

    def _refuse(self, text: str, focus: QLineEdit) -> None:
        self.message.setText(text)
        focus.setFocus()


def sign_in(workspace: Workspace, parent: QWidget | None = None) -> bool:
    """Ask who is at the desk when accounts have passwords; False if they chose to quit.

    In single-desk mode (no passwords yet) the workspace keeps its local user.
    """
    if not login_required():
        return True
    dialog = LoginDialog(parent)
    if dialog.exec() != LoginDialog.DialogCode.Accepted:
        return False
    user = dialog.user()
    if user is None:
        return False
    workspace.user = user
    return True


def sign_in_again(reason: str, parent: QWidget | None = None) -> User | None:
    """Ask for a sign-in after the session's account was revoked; None if put off.

    Whoever signs in (the same person once re-enabled, or a colleague) carries on in
    the same window, so nothing typed there is lost.
    """
    dialog = LoginDialog(parent, reason=reason, cancel_text="Not now")
    if dialog.exec() != LoginDialog.DialogCode.Accepted:
        return None
    return dialog.user()
