"""Wrapping up: the closing question, how the call ended, the summary, what is still owed.

The reminder to ask "Is there anything else I can help you with today?" comes
first because it is the step most often skipped; closing without it is allowed
after a confirmation, since sometimes the caller has already hung up. The outcome
is never guessed: with none chosen the dialog says so and sends nothing. A failed
close (a locked database, say) keeps the dialog open with the summary and the
reason. Once closed, the record can be exported from the same dialog.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from companion.calls import CallView, Outcome
from companion.clock import local_today
from companion.promises import PromiseView
from ui.call.phrasing_highlighter import PhrasingCoach
from ui.call.record_export import ask_and_export
from ui.call.session import CallSession
from ui.list_model import RowListModel

CLOSING_QUESTION = "Is there anything else I can help you with today?"
OUTCOME_BUTTONS = {
    Outcome.RESOLVED: "&Resolved",
    Outcome.ESCALATED: "&Escalated",
    Outcome.FOLLOW_UP: "&Follow-up needed",
    Outcome.OTHER: "&Other",
}
OVERDUE = QColor("#a3251b")


def promise_line(promise: PromiseView, today: date) -> str:
    overdue = promise.days_overdue(today)
    late = f", overdue by {overdue} day{'s' if overdue != 1 else ''}" if overdue else ""
    text = " ".join(promise.text.split())
    return f"{text} (due {promise.due_on:%Y-%m-%d}, {promise.owner.display_name}{late})"


class CloseCallDialog(QDialog):
    closed = Signal(object)  # CallView, as closed

    def __init__(
        self,
        session: CallSession,
        parent: QWidget | None = None,
        preset_outcome: Outcome | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._busy = False
        self._following = True
        self.closed_call: CallView | None = None
        call = session.call
        self.setWindowTitle("Close the call")
        self.resize(600, 600)
        who = call.customer.display_name if call is not None else "the caller"
        title = QLabel(f"Close the call with {who}")
        title.setObjectName("sectionTitle")

        self.asked = QCheckBox(f"&I asked: “{CLOSING_QUESTION}”")
        self.asked.setObjectName("closeReminder")
        self.asked.setStyleSheet("font-weight: 600; padding: 6px 0;")

        self.outcomes = QButtonGroup(self)
        outcome_row = QHBoxLayout()
        for outcome, text in OUTCOME_BUTTONS.items():
            button = QRadioButton(text)
            button.setProperty("outcome", outcome.value)
            button.setChecked(outcome is preset_outcome)
            self.outcomes.addButton(button)
            outcome_row.addWidget(button)
        outcome_row.addStretch(1)
        self.outcome_box = QGroupBox("How did the call end?")
        self.outcome_box.setLayout(outcome_row)

        self.summary = QPlainTextEdit(call.summary if call is not None else "")
        self.summary.setObjectName("closeSummary")
        self.summary.setTabChangesFocus(True)
        self.summary.setPlaceholderText("What happened and what happens next, in a sentence or two")
        summary_label = QLabel("&Summary")
        summary_label.setBuddy(self.summary)

        today = local_today()
        self.promises_model = RowListModel[PromiseView](
            lambda p: promise_line(p, today),
            colour=lambda p: OVERDUE if p.days_overdue(today) else None,
            parent=self,
        )
        self.promises_view = QListView()
        self.promises_view.setObjectName("openPromises")
        self.promises_view.setModel(self.promises_model)
        self.promises_view.setWordWrap(True)
        self.promises_view.setAccessibleName("Open promises on this call")
        self.promises_view.setMaximumHeight(110)
        self.promises_label = QLabel()
        self.promises_label.setBuddy(self.promises_view)
        self._show_promises()
        session.recordChanged.connect(self._show_promises)

        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)

        self.close_button = QPushButton("&Close call")
        self.close_button.setDefault(True)
        self.export_markdown = QPushButton("Export &Markdown…")
        self.export_pdf = QPushButton("Export P&DF…")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText("&Keep call open")
        for export in (self.export_markdown, self.export_pdf):
            self.buttons.addButton(export, QDialogButtonBox.ButtonRole.ActionRole)
            export.setAutoDefault(False)
            export.hide()
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        self.close_button.clicked.connect(self.close_call)
        self.export_markdown.clicked.connect(lambda: self._export("md"))
        self.export_pdf.clicked.connect(lambda: self._export("pdf"))

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(self.asked)
        layout.addWidget(self.outcome_box)
        layout.addWidget(summary_label)
        layout.addWidget(self.summary, 1)
        self.phrasing_hint = QLabel()
        self.phrasing_hint.setObjectName("phrasingHint")
        self.phrasing_hint.setWordWrap(True)
        self.coach = PhrasingCoach(self.summary, self.phrasing_hint)
        layout.addWidget(self.phrasing_hint)
        layout.addWidget(self.promises_label)
        layout.addWidget(self.promises_view)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        chain = [
            self.asked,
            *self.outcomes.buttons(),
            self.summary,
            self.promises_view,
            self.close_button,
            self.cancel_button,
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.asked.setFocus()

    def outcome(self) -> Outcome | None:
        checked = self.outcomes.checkedButton()
        return Outcome(checked.property("outcome")) if checked is not None else None

    def close_call(self) -> None:
        """Check the wrap-up, then close the record through the session (off the UI thread)."""
        call = self._session.call
        if call is None or call.is_closed:
            self.message.setText("There is no open call to close.")
            return
        outcome = self.outcome()
        if outcome is None:
            self.message.setText(
                "Choose how the call ended before closing it: resolved, escalated, "
                "follow-up needed or other (Alt and the underlined letter)."
            )
            self.outcomes.buttons()[0].setFocus()
            return
        if not self.asked.isChecked() and not self._confirm_not_asked():
            self.asked.setFocus()
            return
        self._set_busy(True)
        self.message.setText("Closing the call…")
        self._session.close(outcome.value, self.summary.toPlainText(), self._closed, self._failed)

    def reject(self) -> None:
        """Stay open while closing, so the agent sees whether the record was closed.

        Once the call is closed, leaving the dialog (Done, Esc) counts as accepting it.
        """
        if self.closed_call is not None:
            self.accept()
        elif not self._busy:
            super().reject()

    def done(self, result: int) -> None:
        """A finished dialog stops following the session; the pane may keep it as a child."""
        if self._following:
            self._following = False
            self._session.recordChanged.disconnect(self._show_promises)
        super().done(result)

    def _show_promises(self) -> None:
        self.promises_model.set_rows([p for p in self._session.promises if p.outstanding])
        owed = self.promises_model.rowCount()
        self.promises_label.setText(
            f"Open &promises on this call ({owed}): tell the caller what happens next"
            if owed
            else "No open promises on this call."
        )
        self.promises_view.setVisible(bool(owed))

    def _confirm_not_asked(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Close without asking?",
            f"You have not ticked “{CLOSING_QUESTION}”.\n\n"
            "Close the call without asking it? Choose No to ask the caller first.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _closed(self, call: CallView) -> None:
        self._busy = False
        self.closed_call = call
        self.message.setText(
            f"The call is closed ({call.outcome.label if call.outcome else 'no outcome'}). "
            "Export the record if it needs to go elsewhere."
        )
        for widget in (self.asked, self.outcome_box, self.summary):
            widget.setEnabled(False)
        self.close_button.hide()
        self.cancel_button.setText("Done")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setDefault(True)
        for export in (self.export_markdown, self.export_pdf):
            export.show()
        self.cancel_button.setFocus()
        self.closed.emit(call)

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        self.message.setText(f"The call was not closed. {message}")

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (
            self.asked,
            self.outcome_box,
            self.summary,
            self.close_button,
            self.cancel_button,
        ):
            widget.setEnabled(not busy)

    def _export(self, fmt: str) -> None:
        if self.closed_call is not None:
            ask_and_export(
                self, self._session.user, self.closed_call.id, fmt, runner=self._session.runner
            )
