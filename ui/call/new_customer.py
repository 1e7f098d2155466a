"""Create the caller inline when nobody matches, warning first about likely duplicates.

Duplicates are checked before anything is written: if the number, e-mail or a very
similar name already exists, the agent can pick that customer instead, or create the
new one anyway. Nothing typed is lost on a refusal; the message says what to fix.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from companion.customers import CreateResult, CustomerDetails, create_customer, find_duplicates
from companion.db import new_id
from companion.errors import CompanionError
from companion.users import User
from ui.service_runner import ServiceRunner

_PHONEISH = re.compile(r"^[\d\s()+./-]{5,}$")


class NewCustomerForm(QWidget):
    customerReady = Signal(str)  # id of the created (or chosen existing) customer
    cancelled = Signal()

    def __init__(self, user: User, runner: ServiceRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._user = user
        self._runner = runner
        self._confirmed_duplicates = False
        self.name = QLineEdit()
        self.name.setObjectName("newCustomerName")
        self.phone = QLineEdit()
        self.phone.setObjectName("newCustomerPhone")
        self.email = QLineEdit()
        self.account = QLineEdit()
        self.organisation = QCheckBox("This is an organisation")
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.duplicates = QVBoxLayout()
        self.create_button = QPushButton("Create and start call")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.submit)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.cancelled)

        title = QLabel("New customer")
        title.setObjectName("sectionTitle")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Phone", self.phone)
        form.addRow("E-mail", self.email)
        form.addRow("Account number", self.account)
        form.addRow("", self.organisation)
        buttons = QHBoxLayout()
        buttons.addWidget(self.create_button)
        buttons.addWidget(cancel)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(self.duplicates)
        layout.addLayout(buttons)
        for field in (self.name, self.phone, self.email, self.account):
            field.returnPressed.connect(self.submit)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.cancelled.emit)

    def prefill(self, typed: str) -> None:
        """Put what the agent typed in the lookup box into the field it most likely is."""
        for field in (self.name, self.phone, self.email, self.account):
            field.clear()
        self.organisation.setChecked(False)
        self._clear_duplicates()
        self.message.clear()
        text = typed.strip()
        if "@" in text:
            self.email.setText(text)
        elif _PHONEISH.match(text):
            self.phone.setText(text)
        elif text and any(ch.isdigit() for ch in text) and not any(ch.isspace() for ch in text):
            self.account.setText(text)
        else:
            self.name.setText(text)
        target = self.name if not self.name.text() else self.phone
        target.setFocus()

    def details(self) -> CustomerDetails:
        references = [("account", self.account.text())] if self.account.text().strip() else []
        return CustomerDetails.validate(
            self.name.text(),
            phones=[self.phone.text()] if self.phone.text().strip() else [],
            emails=[self.email.text()] if self.email.text().strip() else [],
            references=references,
            is_organisation=self.organisation.isChecked(),
        )

    def submit(self) -> None:
        """Look for the caller among existing customers (off the UI thread), then create."""
        try:
            details = self.details()
        except CompanionError as exc:
            self.message.setText(str(exc))
            return
        self.create_button.setEnabled(False)
        if self._confirmed_duplicates:
            self._create(details)
            return
        self._runner.read(
            find_duplicates,
            details,
            on_done=lambda duplicates: self._checked(details, duplicates),
            on_error=self._failed,
        )

    def _checked(self, details: CustomerDetails, duplicates: tuple) -> None:  # type: ignore[type-arg]
        if duplicates:
            self.create_button.setEnabled(True)
            self._show_duplicates(duplicates)
            return
        self._create(details)

    def _create(self, details: CustomerDetails) -> None:
        self.message.setText("Saving…")
        # The id is chosen here, so a save retried after a lost connection finds its row.
        self._runner.submit(
            create_customer, self._user, details, customer_id=new_id(),
            on_done=self._created, on_error=self._failed,
        )  # fmt: skip

    def _created(self, result: CreateResult) -> None:
        self.create_button.setEnabled(True)
        self.message.clear()
        self._confirmed_duplicates = False
        self.customerReady.emit(result.customer.id)

    def _failed(self, message: str) -> None:
        self.create_button.setEnabled(True)
        self.message.setText(message)

    def _show_duplicates(self, duplicates: tuple) -> None:  # type: ignore[type-arg]
        self._clear_duplicates()
        self.message.setText("This caller may already be a customer:")
        for warning in duplicates:
            button = QPushButton(f"Use {warning.customer.display_name} — {warning.reason}")
            button.setProperty("duplicate", True)
            button.clicked.connect(
                lambda _=False, cid=warning.customer.id: self.customerReady.emit(cid)
            )
            self.duplicates.addWidget(button)
        self._confirmed_duplicates = True
        self.create_button.setText("Create anyway and start call")

    def _clear_duplicates(self) -> None:
        while self.duplicates.count():
            item = self.duplicates.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._confirmed_duplicates = False
        self.create_button.setText("Create and start call")
