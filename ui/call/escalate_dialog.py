"""Escalating: hand the call on with a summary, so the next person does not start from zero.

The agent says how the caller feels and may add a note; the preview shows the
summary exactly as it will be copied or saved. Saving adds it to the record as a
note and tells the pane the call is being escalated, which then offers
"escalated" as the outcome when the call is closed. A failed save keeps the
dialog open with the note and the reason, so nothing typed is lost.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from companion.entries import EntryKind, EntryView
from companion.handoff import CallerMood, handoff_summary
from ui.call.phrasing_highlighter import PhrasingCoach
from ui.call.session import CallSession

NOTE_TITLE = "Handoff summary"
MOOD_BUTTONS = {
    CallerMood.CALM: "Ca&lm",
    CallerMood.CONFUSED: "C&onfused",
    CallerMood.FRUSTRATED: "&Frustrated",
    CallerMood.UPSET: "&Upset",
    CallerMood.ANGRY: "&Angry",
}


class EscalateDialog(QDialog):
    escalated = Signal(str)  # id of the call whose handoff was saved

    def __init__(self, session: CallSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._busy = False
        self._following = True
        self.setWindowTitle("Escalate: handoff summary")
        self.resize(640, 620)
        intro = QLabel(
            "Whoever takes this call next reads this summary. Check it, add what the "
            "record does not say, then copy it or save it to the record."
        )
        intro.setWordWrap(True)

        self.moods = QButtonGroup(self)
        mood_row = QHBoxLayout()
        for mood, text in MOOD_BUTTONS.items():
            button = QRadioButton(text)
            button.setProperty("mood", mood.value)
            self.moods.addButton(button)
            mood_row.addWidget(button)
        mood_row.addStretch(1)
        mood_box = QGroupBox("How does the caller feel?")
        mood_box.setLayout(mood_row)

        self.note = QPlainTextEdit()
        self.note.setObjectName("handoffNote")
        self.note.setPlaceholderText("Anything the next person should know before they answer")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        note_label = QLabel("&Note for the next person (optional)")
        note_label.setBuddy(self.note)

        self.preview = QPlainTextEdit()
        self.preview.setObjectName("handoffPreview")
        self.preview.setReadOnly(True)
        self.preview.setTabChangesFocus(True)
        preview_label = QLabel("Pre&view")
        preview_label.setBuddy(self.preview)

        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)

        self.copy_button = QPushButton("Co&py")
        self.copy_button.setAutoDefault(False)
        self.save_button = QPushButton("&Save to record and mark escalated")
        self.save_button.setDefault(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.copy)
        self.save_button.clicked.connect(self.save)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addWidget(mood_box)
        layout.addWidget(note_label)
        layout.addWidget(self.note)
        self.phrasing_hint = QLabel()
        self.phrasing_hint.setObjectName("phrasingHint")
        self.phrasing_hint.setWordWrap(True)
        self.coach = PhrasingCoach(self.note, self.phrasing_hint)
        layout.addWidget(self.phrasing_hint)
        layout.addWidget(preview_label)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

        self.moods.buttonToggled.connect(lambda _button, _on: self.refresh())
        self.note.textChanged.connect(self.refresh)
        session.recordChanged.connect(self.refresh)
        session.callChanged.connect(self.refresh)
        self.refresh()
        chain = [
            *self.moods.buttons(),
            self.note,
            self.preview,
            self.copy_button,
            self.save_button,
            self.cancel_button,
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.moods.buttons()[0].setFocus()

    def mood(self) -> CallerMood | None:
        checked = self.moods.checkedButton()
        return CallerMood(checked.property("mood")) if checked is not None else None

    def summary_text(self) -> str:
        """The summary as it would be copied or saved now; empty when there is no call."""
        call = self._session.call
        if call is None:
            return ""
        return handoff_summary(
            call,
            self._session.entries,
            self._session.promises,
            self.mood(),
            self.note.toPlainText(),
        )

    def refresh(self) -> None:
        bar = self.preview.verticalScrollBar()
        position = bar.value()
        self.preview.setPlainText(self.summary_text() or "There is no call in progress.")
        bar.setValue(position)

    def copy(self) -> None:
        if not self._ready("copying"):
            return
        QApplication.clipboard().setText(self.summary_text())
        self.message.setText("Copied. Paste it wherever the next person will read it.")

    def save(self) -> None:
        if not self._ready("saving"):
            return
        call = self._session.call
        if call is None or call.is_closed:
            self.message.setText(
                "This call is already closed, so nothing can be added to it. "
                "Copy the summary instead."
            )
            return
        self._set_busy(True)
        self.message.setText("Saving the summary to the record…")
        self._session.add_entry(
            EntryKind.NOTE,
            f"{NOTE_TITLE}\n{self.summary_text()}",
            lambda entry: self._saved(call.id, entry),
            self._failed,
        )

    def _ready(self, doing: str) -> bool:
        if self._session.call is None:
            self.message.setText("There is no call in progress.")
            return False
        if self.mood() is None:
            self.message.setText(
                f"Choose how the caller feels before {doing} (Alt and the underlined letter)."
            )
            self.moods.buttons()[0].setFocus()
            return False
        return True

    def _saved(self, call_id: str, entry: EntryView) -> None:
        self._set_busy(False)
        self.message.setText(f"Saved to the record as entry #{entry.seq}.")
        self.escalated.emit(call_id)
        self.accept()

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        self.message.setText(f"The summary was not saved. {message}")

    def reject(self) -> None:
        """Stay open while saving, so the agent sees whether the summary reached the record."""
        if not self._busy:
            super().reject()

    def done(self, result: int) -> None:
        """A finished dialog stops following the session; the pane may keep it as a child."""
        if self._following:
            self._following = False
            self._session.recordChanged.disconnect(self.refresh)
            self._session.callChanged.disconnect(self.refresh)
        super().done(result)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (
            self.save_button,
            self.copy_button,
            self.cancel_button,
            self.note,
            *self.moods.buttons(),
        ):
            widget.setEnabled(not busy)
