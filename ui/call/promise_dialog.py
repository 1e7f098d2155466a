"""Every promise gets a due date and an owner before it is recorded.

Quick choices cover most promises (today, tomorrow, in 3 days, next week); a date
picker covers the rest. A date in the past is allowed, but only after the agent
confirms it, because it is usually a slip.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from companion.clock import local_today
from companion.users import User

QUICK_CHOICES = (("Today", 0), ("Tomorrow", 1), ("In 3 days", 3), ("Next week", 7))


def confirm_past_due(parent: QWidget | None, due: date, today: date) -> bool:
    """Ask before accepting a due date that has already passed."""
    if due >= today:
        return True
    answer = QMessageBox.question(
        parent,
        "Due date in the past",
        f"{due:%A %d %B %Y} has already passed. Record the promise with this date anyway?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class PromiseDialog(QDialog):
    def __init__(
        self, text: str, users: list[User], current: User, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("When is this promise due?")
        self.today = local_today()
        summary = QLabel(text if len(text) < 300 else text[:300] + "…")
        summary.setWordWrap(True)
        summary.setObjectName("promiseText")
        self.choices = QButtonGroup(self)
        quick = QHBoxLayout()
        for position, (label, days) in enumerate(QUICK_CHOICES):
            button = QRadioButton(f"&{position + 1} {label}")
            button.setProperty("days", days)
            self.choices.addButton(button, position)
            quick.addWidget(button)
        self.on_date = QRadioButton("&On")
        self.choices.addButton(self.on_date, len(QUICK_CHOICES))
        self.date_edit = QDateEdit(QDate(self.today.year, self.today.month, self.today.day))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.date_edit.dateChanged.connect(lambda _d: self.on_date.setChecked(True))
        quick.addWidget(self.on_date)
        quick.addWidget(self.date_edit)
        self.choices.button(1).setChecked(True)  # tomorrow: the most common promise
        self.owner = QComboBox()
        for user in users:
            self.owner.addItem(user.display_name, user)
        self.owner.setCurrentIndex(max(0, next(
            (i for i, u in enumerate(users) if u.id == current.id), 0
        )))  # fmt: skip
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record promise")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Due", quick)
        form.addRow("Owner", self.owner)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)

    def due_date(self) -> date:
        checked = self.choices.checkedButton()
        if checked is self.on_date or checked is None:
            return self.date_edit.date().toPython()  # type: ignore[no-any-return]
        return self.today + timedelta(days=int(checked.property("days")))

    def owner_user(self) -> User:
        return self.owner.currentData()  # type: ignore[no-any-return]

    def accept(self) -> None:
        if confirm_past_due(self, self.due_date(), self.today):
            super().accept()
