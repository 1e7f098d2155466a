"""Signing in at start-up, once any account has a password, and again when told to.

An admin at another desk may disable or remove the account a window signed in with;
the next service call is refused, and the window asks someone to sign in again with
:func:`sign_in_again`, which says why before asking.

Checking a password reads the account and costs one Argon2 hash, so it runs off
the UI thread through a :class:`~ui.service_runner.ServiceRunner`: the window's own
when it asks again, a short-lived one at start-up (before the window exists). While
the check runs the form is greyed out; cancelling drops its answer. A dialog made
without a runner (some tests) checks directly.
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
from ui.service_runner import ServiceRunner


class LoginDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        reason: str = "",
        cancel_text: str = "Quit",
        runner: ServiceRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._check = 0  # the password check whose answer is awaited; 0 for none
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
        self.sign_in_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
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
        if self._check:
            return  # a check is already running; its answer decides
        if self._runner is None:
            self._check_here(name, password)
            return
        self._check = check = self._check + 1
        self._set_checking(True)
        self._runner.read(
            authenticate,
            name,
            password,
            on_done=lambda user: self._answered(check, user, ""),
            on_error=lambda message: self._answered(check, None, message),
        )

    @property
    def checking(self) -> bool:
        """True while a password check runs off the UI thread."""
        return bool(self._check)

    def done(self, result: int) -> None:
        self._forget_check()
        super().done(result)

    def _answered(self, check: int, user: User | None, message: str) -> None:
        if check != self._check:
            return  # cancelled meanwhile
        self._forget_check()
        if user is None:
            self._refuse(message, self.password_edit)
            return
        self._user = user
        super().accept()

    def _forget_check(self) -> None:
        if self._check:
            self._check = 0
            self._set_checking(False)

    def _set_checking(self, checking: bool) -> None:
        for widget in (self.name_edit, self.password_edit, self.sign_in_button):
            widget.setEnabled(not checking)
        if checking:
            self.setCursor(Qt.CursorShape.WaitCursor)
        else:
            self.unsetCursor()

    def _check_here(self, name: str, password: str) -> None:
        """Without a runner (a dialog made on its own in tests): check on this thread."""
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
    runner = ServiceRunner(workspace.db_url)  # the window's own does not exist yet
    try:
        dialog = LoginDialog(parent, runner=runner)
        if dialog.exec() != LoginDialog.DialogCode.Accepted:
            return False
    finally:
        runner.stop()
    user = dialog.user()
    if user is None:
        return False
    workspace.user = user
    return True


def sign_in_again(
    reason: str, parent: QWidget | None = None, *, runner: ServiceRunner | None = None
) -> User | None:
    """Ask for a sign-in after the session's account was revoked; None if put off.

    Whoever signs in (the same person once re-enabled, or a colleague) carries on in
    the same window, so nothing typed there is lost.
    """
    dialog = LoginDialog(parent, reason=reason, cancel_text="Not now", runner=runner)
    if dialog.exec() != LoginDialog.DialogCode.Accepted:
        return None
    return dialog.user()
