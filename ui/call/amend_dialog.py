"""Correct an entry without rewriting it: the amendment is a new entry beside the old."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from companion.entries import EntryView


class AmendDialog(QDialog):
    def __init__(self, entry: EntryView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Amend entry #{entry.seq}")
        original = QLabel(f"#{entry.seq} ({entry.kind.value}): {entry.text}")
        original.setWordWrap(True)
        explain = QLabel(
            "The original stays in the record. Write the corrected text; it is added as an "
            "amendment that points at the original."
        )
        explain.setWordWrap(True)
        explain.setObjectName("hint")
        self.edit = QPlainTextEdit(entry.text)
        self.edit.setObjectName("amendText")
        self.message = QLabel()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add amendment")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(original)
        layout.addWidget(explain)
        layout.addWidget(self.edit)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.edit.setFocus()
        self.edit.selectAll()

    def text(self) -> str:
        return self.edit.toPlainText()

    def accept(self) -> None:
        if not self.text().strip():
            self.message.setText("Write the corrected text, or cancel.")
            return
        super().accept()
