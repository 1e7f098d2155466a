"""The small dialogs that change a promise: kept, rescheduled, withdrawn.

Every change of a promise keeps why it happened, so each dialog asks for that text
and refuses an empty one inline, before anything is sent. The dialogs can be used
two ways. Alone, ``exec()`` then ``value()``. Or with a save behind them: whoever
listens to ``submitted`` calls :meth:`begin_save`, and the dialog then stays open,
text intact, until :meth:`save_finished` closes it or :meth:`save_failed` shows
why the save did not happen (a locked database, say) so the agent can try again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from companion.errors import InvalidInput
from companion.promises import PromiseView
from companion.text import FIELD_MAX, clean_text
from ui.call.promise_dialog import QUICK_CHOICES, confirm_past_due

SUMMARY_MAX = 300


def promise_summary(promise: PromiseView) -> str:
    """One plain line naming the promise, so the agent knows which one they are changing."""
    text = " ".join(promise.text.split())
    if len(text) > SUMMARY_MAX:
        text = text[:SUMMARY_MAX] + "…"
    return f"{promise.customer.display_name} — {text}\nDue {promise.due_on:%a %d %b %Y}"


@dataclass(frozen=True)
class Reschedule:
    new_due: date
    reason: str


class ReasonDialog(QDialog):
    """A dialog around one required line of text, saved by whoever opened it."""

    submitted = Signal(object)  # the dialog's value(), once it passed validation

    def __init__(
        self,
        promise: PromiseView,
        *,
        title: str,
        prompt: str,
        placeholder: str,
        empty_hint: str,
        ok_text: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.promise = promise
        self._empty_hint = empty_hint
        self._saving = False
        self.summary = QLabel(promise_summary(promise))
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setObjectName("promiseText")
        self.reason = QLineEdit()
        self.reason.setObjectName("reasonEdit")
        self.reason.setPlaceholderText(placeholder)
        self.reason.setAccessibleName(prompt)
        self.reason.setMinimumWidth(380)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.reason.textEdited.connect(lambda _text: self.message.clear())
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.form = QFormLayout()
        self.form.addRow(f"&{prompt}", self.reason)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self.summary)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.reason.setFocus()

    @property
    def saving(self) -> bool:
        return self._saving

    def reason_text(self) -> str:
        return self.reason.text().strip()

    def problem(self) -> str | None:
        """Why the dialog's input would be refused, in the words the agent needs; None if fine."""
        try:
            cleaned = clean_text(self.reason.text(), "The text", max_length=FIELD_MAX)
        except InvalidInput as exc:
            return str(exc)
        return None if cleaned else self._empty_hint

    def value(self) -> object:
        return self.reason_text()

    def accept(self) -> None:
        """Validate, then hand the value over; close now unless a save was started."""
        if self._saving:
            return
        problem = self.problem()
        if problem is not None:
            self.message.setText(problem)
            self.reason.setFocus()
            return
        if not self.confirm():
            return
        self.submitted.emit(self.value())
        if not self._saving:
            super().accept()

    def confirm(self) -> bool:
        """A last question before submitting; subclasses ask one when the input is unusual."""
        return True

    def reject(self) -> None:
        # Closing mid-save would leave the agent not knowing whether it was saved.
        if not self._saving:
            super().reject()

    def begin_save(self) -> None:
        self._saving = True
        self.ok_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(False)
        self.reason.setReadOnly(True)
        self.message.setText("Saving…")

    def save_finished(self) -> None:
        self._end_save()
        super().accept()

    def save_failed(self, message: str) -> None:
        self._end_save()
        self.message.setText(message)
        self.reason.setFocus()

    def _end_save(self) -> None:
        self._saving = False
        self.ok_button.setEnabled(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setEnabled(True)
        self.reason.setReadOnly(False)
        self.message.clear()


class KeptDialog(ReasonDialog):
    def __init__(self, promise: PromiseView, parent: QWidget | None = None) -> None:
        super().__init__(
            promise,
            title="Mark promise kept",
            prompt="How was it kept?",
            placeholder="e.g. refund sent, ref 4411",
            empty_hint=(
                "Say how the promise was kept (for example “refund sent, ref 4411”), "
                "so the next person who speaks to the customer can tell them."
            ),
            ok_text="Mark kept",
            parent=parent,
        )

    def value(self) -> str:
        return self.reason_text()


class WithdrawDialog(ReasonDialog):
    def __init__(self, promise: PromiseView, parent: QWidget | None = None) -> None:
        super().__init__(
            promise,
            title="Withdraw promise",
            prompt="Why will it not be kept?",
            placeholder="e.g. the customer cancelled the order",
            empty_hint=(
                "Say why the promise is withdrawn, so whoever the customer speaks to next "
                "can explain it."
            ),
            ok_text="Withdraw promise",
            parent=parent,
        )

    def value(self) -> str:
        return self.reason_text()


class RescheduleDialog(ReasonDialog):
    """A new due date (quick choices or any date) and why it moves."""

    def __init__(self, promise: PromiseView, today: date, parent: QWidget | None = None) -> None:
        super().__init__(
            promise,
            title="Reschedule promise",
            prompt="Why is it moving?",
            placeholder="e.g. the warehouse is out of stock",
            empty_hint=(
                "Say why the promise is moving, so the customer can be told the real reason."
            ),
            ok_text="Reschedule",
            parent=parent,
        )
        self.today = today
        self.choices = QButtonGroup(self)
        quick = QHBoxLayout()
        for position, (label, days) in enumerate(QUICK_CHOICES):
            button = QRadioButton(f"&{position + 1} {label}")
            button.setProperty("days", days)
            self.choices.addButton(button, position)
            quick.addWidget(button)
        self.on_date = QRadioButton("&On")
        self.choices.addButton(self.on_date, len(QUICK_CHOICES))
        self.date_edit = QDateEdit(QDate(today.year, today.month, today.day))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.date_edit.setAccessibleName("New due date")
        self.date_edit.dateChanged.connect(lambda _d: self.on_date.setChecked(True))
        quick.addWidget(self.on_date)
        quick.addWidget(self.date_edit)
        quick.addStretch(1)
        self.form.insertRow(0, "New due date", quick)
        self.choices.idToggled.connect(self._choice_toggled)
        self._check_first_choice_other_than(promise.due_on)
        self.reason.setFocus()

    def due_date(self) -> date:
        checked = self.choices.checkedButton()
        if checked is self.on_date or checked is None:
            picked = self.date_edit.date()
            return date(picked.year(), picked.month(), picked.day())
        return self.today + timedelta(days=int(checked.property("days")))

    def set_due_date(self, due: date) -> None:
        """Pick ``due`` in the date field, as if the agent had chosen it there."""
        self.date_edit.setDate(QDate(due.year, due.month, due.day))
        self.on_date.setChecked(True)

    def value(self) -> Reschedule:
        return Reschedule(self.due_date(), self.reason_text())

    def problem(self) -> str | None:
        if self.due_date() == self.promise.due_on:
            return (
                f"The promise is already due on {self.promise.due_on:%a %d %b %Y}; "
                "pick another date."
            )
        return super().problem()

    def confirm(self) -> bool:
        return confirm_past_due(self, self.due_date(), self.today)

    def _choice_toggled(self, _id: int, checked: bool) -> None:
        """Show the date a quick choice stands for, so the agent sees the actual new date."""
        self.message.clear()
        button = self.choices.checkedButton()
        if not checked or button is None or button is self.on_date:
            return
        due = self.today + timedelta(days=int(button.property("days")))
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(due.year, due.month, due.day))
        self.date_edit.blockSignals(False)

    def _check_first_choice_other_than(self, current: date) -> None:
        """Tomorrow is the usual new date; skip it if the promise is already due then."""
        for position, (_label, days) in enumerate(QUICK_CHOICES):
            if days >= 1 and self.today + timedelta(days=days) != current:
                self.choices.button(position).setChecked(True)
                return
