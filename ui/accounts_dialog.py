"""The admin's accounts window: add people, reset passwords, change roles, disable.

Every button goes through the account services, which enforce who may do what and
refuse changes that would lock the site out; their refusals are shown here, inline,
in the words the service wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from companion.accounts import (
    PASSWORD_MAX,
    Account,
    change_role,
    create_account,
    disable_account,
    enable_account,
    list_accounts,
    set_password,
)
from companion.text import NAME_MAX
from companion.users import Role, User
from ui.list_model import RowListModel
from ui.service_runner import ServiceRunner


def describe(account: Account) -> str:
    if account.disabled:
        state = "disabled"
    elif account.has_password:
        state = "can sign in"
    else:
        state = "no password"
    return f"{account.display_name} — {account.role.value}, {state}"


class _PasswordFields:
    """A password typed twice; the second catches a slip nobody can see behind the dots."""

    def __init__(self, form: QFormLayout, label: str) -> None:
        self.first = QLineEdit()
        self.first.setObjectName("password")
        self.again = QLineEdit()
        self.again.setObjectName("passwordAgain")
        for edit in (self.first, self.again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMaxLength(PASSWORD_MAX)
        form.addRow(label, self.first)
        form.addRow("Again", self.again)

    def mismatch(self) -> bool:
        return self.first.text() != self.again.text()


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class NewAccountDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add account")
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("accountName")
        self.name_edit.setMaxLength(NAME_MAX)
        self.role_box = QComboBox()
        for role in Role:
            self.role_box.addItem(role.value.capitalize(), role)
        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("&Role", self.role_box)
        self.passwords = _PasswordFields(form, "&Password (optional)")
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(_buttons(self, "Add"))

    def values(self) -> tuple[str, Role, str | None]:
        """Name, role, and the password, or None when left empty (the account cannot sign in)."""
        return (
            self.name_edit.text(),
            Role(self.role_box.currentData()),
            self.passwords.first.text() or None,
        )

    def accept(self) -> None:
        if self.passwords.mismatch():
            self.message.setText("The two passwords differ. Type them again.")
            return
        super().accept()


class PasswordDialog(QDialog):
    def __init__(self, account: Account, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Reset password for {account.display_name}")
        form = QFormLayout()
        self.passwords = _PasswordFields(form, "&New password")
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(_buttons(self, "Set password"))

    def password(self) -> str:
        return self.passwords.first.text()

    def accept(self) -> None:
        if self.passwords.mismatch():
            self.message.setText("The two passwords differ. Type them again.")
            return
        super().accept()


class AccountsDialog(QDialog):
    def __init__(self, actor: User, runner: ServiceRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Accounts")
        self.actor = actor
        self.runner = runner
        self.model: RowListModel[Account] = RowListModel(describe, parent=self)
        self.view = QListView()
        self.view.setObjectName("accountList")
        self.view.setModel(self.model)
        self.view.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        self.message = QLabel()
        self.message.setObjectName("accountsMessage")
        self.message.setWordWrap(True)
        self.add_button = QPushButton("&Add…")
        self.password_button = QPushButton("Reset &password…")
        self.role_button = QPushButton("Change &role…")
        self.toggle_button = QPushButton("&Disable")
        self.add_button.clicked.connect(self.add_account)
        self.password_button.clicked.connect(self.reset_password)
        self.role_button.clicked.connect(self.change_role)
        self.toggle_button.clicked.connect(self.toggle_disabled)
        row = QHBoxLayout()
        for button in (self.add_button, self.password_button, self.role_button, self.toggle_button):
            row.addWidget(button)
        row.addStretch()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(close)
        self._update_buttons()
        self.reload()

    def selected(self) -> Account | None:
        return self.model.row(self.view.currentIndex().row())

    def reload(self, select_id: str | None = None) -> None:
        """Fetch the list again; keep the same account selected so repeated actions are easy."""
        keep = select_id or (account.id if (account := self.selected()) else None)
        self._submit(list_accounts, self.actor, on_done=lambda rows: self._show(rows, keep))

    def add_account(self) -> None:
        dialog = NewAccountDialog(self)
        if dialog.exec() != NewAccountDialog.DialogCode.Accepted:
            return
        name, role, password = dialog.values()
        self._submit(
            create_account,
            self.actor,
            name,
            role,
            password,
            on_done=lambda account: self._changed(account, f"Added {account.display_name}."),
        )

    def reset_password(self) -> None:
        account = self.selected()
        if account is None:
            return
        dialog = PasswordDialog(account, self)
        if dialog.exec() != PasswordDialog.DialogCode.Accepted:
            return
        self._submit(
            set_password,
            self.actor,
            account.id,
            dialog.password(),
            on_done=lambda changed: self._changed(
                changed, f"Password set for {changed.display_name}."
            ),
        )

    def change_role(self) -> None:
        account = self.selected()
        if account is None:
            return
        roles = [role.value for role in Role]
        chosen, ok = QInputDialog.getItem(
            self,
            "Change role",
            f"Role for {account.display_name}:",
            roles,
            roles.index(account.role.value),
            False,
        )
        if not ok:
            return
        self._submit(
            change_role,
            self.actor,
            account.id,
            chosen,
            on_done=lambda changed: self._changed(
                changed, f"{changed.display_name} is now {changed.role.value}."
            ),
        )

    def toggle_disabled(self) -> None:
        account = self.selected()
        if account is None:
            return
        service = enable_account if account.disabled else disable_account
        verb = "enabled" if account.disabled else "disabled"
        self._submit(
            service,
            self.actor,
            account.id,
            on_done=lambda changed: self._changed(changed, f"{changed.display_name} is {verb}."),
        )

    def _submit(
        self, function: Callable[..., Any], *args: Any, on_done: Callable[[Any], None]
    ) -> None:
        self.message.clear()
        self.runner.submit(function, *args, on_done=on_done, on_error=self.message.setText)

    def _changed(self, account: Account, text: str) -> None:
        self.reload(account.id)
        self.message.setText(text)

    def _show(self, rows: list[Account], select_id: str | None) -> None:
        self.model.set_rows(rows)
        for number, account in enumerate(rows):
            if account.id == select_id:
                self.view.setCurrentIndex(self.model.index(number))
        self._update_buttons()

    def _update_buttons(self) -> None:
        account = self.selected()
        for button in (self.password_button, self.role_button, self.toggle_button):
            button.setEnabled(account is not None)
        self.toggle_button.setText("&Enable" if account and account.disabled else "&Disable")
