"""Find the caller as the agent types a phone number, a name or an account number.

Matches appear as you type (looked up off the UI thread; the newest text wins);
Down/Up move through them, Enter picks one. With no match, Enter offers to create
the customer, pre-filled with what was typed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListView, QPushButton, QVBoxLayout, QWidget

from companion.customer_search import CustomerMatch, find_customers
from companion.users import User
from ui.call.customer_models import CustomerIdRole, CustomerMatchModel
from ui.latest_wins import LatestWinsWorker

MATCH_LIMIT = 8


class CustomerLookupWorker(LatestWinsWorker):
    def __init__(self, user: User) -> None:
        super().__init__()
        self._user = user

    def answer(self, payload: Any) -> list[CustomerMatch]:
        return find_customers(self._user, str(payload), limit=MATCH_LIMIT)

    def describe_failure(self, exc: Exception) -> str:
        return f"Customer lookup failed: {exc}"


class CallerLookup(QWidget):
    customerChosen = Signal(str)  # customer id
    createRequested = Signal(str)  # the text typed, to pre-fill the new customer
    resultsShown = Signal(str)

    def __init__(self, worker: CustomerLookupWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._latest = 0
        self._shown_for = ""
        self._enter_pending = False  # Enter pressed before the newest matches arrived
        self.field = QLineEdit()
        self.field.setObjectName("callerField")
        self.field.setPlaceholderText("Caller's phone number, name or account number")
        self.field.setAccessibleName("Find the caller")
        self.field.setClearButtonEnabled(True)
        self.field.installEventFilter(self)
        self.model = CustomerMatchModel(self)
        self.matches = QListView()
        self.matches.setObjectName("callerMatches")
        self.matches.setModel(self.model)
        self.matches.activated.connect(self._choose_index)
        self.matches.setMaximumHeight(220)
        self.status = QLabel("")
        self.status.setObjectName("lookupStatus")
        self.create_button = QPushButton("New customer…")
        self.create_button.setToolTip("Create the caller as a new customer")
        self.create_button.clicked.connect(lambda: self.createRequested.emit(self.field.text()))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field)
        layout.addWidget(self.status)
        layout.addWidget(self.matches)
        layout.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.field.textChanged.connect(self._on_text)
        worker.resultsReady.connect(self._on_results)
        worker.requestFailed.connect(self._on_failed)
        self._on_text("")

    def focus(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def reset(self) -> None:
        self.field.clear()

    def _on_text(self, text: str) -> None:
        self._latest += 1
        if not text.strip():
            self._shown_for = text
            self.model.set_matches([])
            self.status.setText("Type the number they are calling from, their name or account.")
            return
        self._worker.request(self._latest, text)

    @Slot(int, object)
    def _on_results(self, request_id: int, matches: list[CustomerMatch]) -> None:
        if request_id != self._latest:
            return
        self.model.set_matches(matches)
        self._shown_for = self.field.text()
        if matches:
            self.matches.setCurrentIndex(self.model.index(0, 0))
            self.status.setText("Enter picks the highlighted caller.")
        else:
            self.status.setText("No customer matches. Press Enter to create one.")
        self.resultsShown.emit(self.field.text())
        if self._enter_pending:
            self._enter_pending = False
            self._accept()

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        if request_id == self._latest:
            self.status.setText(message)

    def _choose_index(self, index: QModelIndex) -> None:
        customer_id = index.data(CustomerIdRole)
        if customer_id:
            self.customerChosen.emit(str(customer_id))

    def _accept(self) -> None:
        current = self.matches.currentIndex()
        if current.isValid() and self.model.rowCount():
            self._choose_index(current)
        elif self.field.text().strip():
            self.createRequested.emit(self.field.text())

    def _move(self, step: int) -> None:
        rows = self.model.rowCount()
        if rows:
            row = min(rows - 1, max(0, self.matches.currentIndex().row() + step))
            self.matches.setCurrentIndex(self.model.index(row, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.field.text().strip() and self._shown_for != self.field.text():
                    self._enter_pending = True  # act on the matches for what is typed now
                else:
                    self._accept()
                return True
            if key == Qt.Key.Key_Down:
                self._move(1)
                return True
            if key == Qt.Key.Key_Up:
                self._move(-1)
                return True
        return super().eventFilter(watched, event)
