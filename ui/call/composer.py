"""Where the agent writes the record as the call goes.

Enter adds the entry; Shift+Enter starts a new line; Alt+1..4 picks said / promised /
done / note. A promise asks for its due date and owner first. The text leaves the
composer only once the database has it: if the save fails (a locked database, say),
the words stay where they are and the agent is told why.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from companion.entries import EntryKind
from ui.call.phrasing_highlighter import PhrasingCoach

COMPOSER_KINDS = (EntryKind.SAID, EntryKind.PROMISED, EntryKind.DONE, EntryKind.NOTE)
KIND_KEYS = {Qt.Key.Key_1: 0, Qt.Key.Key_2: 1, Qt.Key.Key_3: 2, Qt.Key.Key_4: 3}


class ComposerEdit(QPlainTextEdit):
    submitted = Signal()
    kindShortcut = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        modifiers = event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if modifiers & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
            else:
                self.submitted.emit()
            return
        if modifiers & Qt.KeyboardModifier.AltModifier and key in KIND_KEYS:
            self.kindShortcut.emit(KIND_KEYS[Qt.Key(key)])
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    entryRequested = Signal(object, str)  # EntryKind, text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.edit = ComposerEdit()
        self.edit.setObjectName("composerEdit")
        self.edit.setPlaceholderText(
            "What was said, promised or done — Enter adds it, Shift+Enter for a new line"
        )
        self.edit.setAccessibleName("New entry")
        self.edit.setTabChangesFocus(True)
        self.edit.setMaximumHeight(110)
        self.kinds = QButtonGroup(self)
        row = QHBoxLayout()
        for position, kind in enumerate(COMPOSER_KINDS):
            button = QPushButton(kind.value.capitalize())
            button.setToolTip(f"Record what was {kind.value} (Alt+{position + 1})")
            button.setCheckable(True)
            button.setProperty("entryKind", True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.kinds.addButton(button, position)
            row.addWidget(button)
        self.kinds.button(0).setChecked(True)
        row.addStretch(1)
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("addEntry")
        self.add_button.clicked.connect(self.submit)
        row.addWidget(self.add_button)
        self.message = QLabel()
        self.message.setObjectName("composerMessage")
        self.message.setWordWrap(True)
        self.phrasing_hint = QLabel()
        self.phrasing_hint.setObjectName("phrasingHint")
        self.phrasing_hint.setWordWrap(True)
        self.coach = PhrasingCoach(self.edit, self.phrasing_hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.edit)
        layout.addWidget(self.phrasing_hint)
        layout.addWidget(self.message)
        self.edit.submitted.connect(self.submit)
        self.edit.kindShortcut.connect(self.set_kind_position)

    @property
    def kind(self) -> EntryKind:
        return COMPOSER_KINDS[max(0, self.kinds.checkedId())]

    def set_kind_position(self, position: int) -> None:
        self.kinds.button(position).setChecked(True)

    def set_kind(self, kind: EntryKind) -> None:
        self.set_kind_position(COMPOSER_KINDS.index(kind))

    def text(self) -> str:
        return self.edit.toPlainText()

    def submit(self) -> None:
        text = self.text()
        if not text.strip():
            self.message.setText("Type what was said, promised or done first.")
            return
        self.message.clear()
        self.entryRequested.emit(self.kind, text)

    def saved(self, text: str) -> None:
        """The database has ``text``: clear it, unless the agent has typed on since."""
        if self.text() == text:
            self.edit.clear()
        self.message.clear()
        self.kinds.button(0).setChecked(True)

    def failed(self, message: str) -> None:
        self.message.setText(f"Not saved — your text is still here. {message}")
