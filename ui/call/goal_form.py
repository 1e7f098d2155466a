"""The caller's goal (the problem, the ideal resolution) and the information checklist.

Two short fields keep the goal in view for the whole call. The checklist shows how
many items are still unknown, and Ctrl+I jumps to the next one, so the agent asks
for what is missing instead of what they already have. Each field is saved when the
agent leaves it, and after a pause in typing.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFormLayout, QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from companion.calls import CHECKLIST_LABELS, CallView

SAVE_AFTER_IDLE_MS = 1500
FIELD_MAX = 2000


class GoalForm(QWidget):
    fieldEdited = Signal(str, str)  # field name, new text
    textChanged = Signal()  # anything typed; used for playbook suggestions

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("goalForm")
        self.fields: dict[str, QLineEdit] = {}
        self._saved: dict[str, str] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_AFTER_IDLE_MS)
        self._timer.timeout.connect(self.flush)

        goal = QFormLayout()
        goal.addRow("Problem", self._field("problem", "What is wrong, in one sentence"))
        goal.addRow(
            "Ideal resolution", self._field("ideal_resolution", "What would put it right for them")
        )
        self.unknown_label = QLabel()
        self.unknown_label.setObjectName("unknownCount")
        # Two label/field pairs per row keep the seven questions to four short lines.
        checklist = QGridLayout()
        checklist.setHorizontalSpacing(8)
        for position, (name, label) in enumerate(CHECKLIST_LABELS.items()):
            row, column = divmod(position, 2)
            caption = QLabel(label.split(" (")[0])
            caption.setProperty("fieldCaption", True)
            checklist.addWidget(caption, row, column * 2)
            checklist.addWidget(self._field(name, label), row, column * 2 + 1)
        checklist.setColumnStretch(1, 1)
        checklist.setColumnStretch(3, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(goal)
        layout.addWidget(self.unknown_label)
        layout.addLayout(checklist)
        self._update_unknown()

    def _field(self, name: str, placeholder: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(f"field-{name}")
        field.setPlaceholderText(placeholder)
        field.setAccessibleName(placeholder)
        field.setMaxLength(FIELD_MAX)
        field.textEdited.connect(self._on_edit)
        field.editingFinished.connect(self.flush)
        self.fields[name] = field
        return field

    def show_call(self, call: CallView | None) -> None:
        """Fill the fields from the record without echoing saves back."""
        values: dict[str, str] = {}
        if call is not None:
            values = {"problem": call.problem, "ideal_resolution": call.ideal_resolution}
            values |= {name: getattr(call.checklist, name) for name in CHECKLIST_LABELS}
        for name, field in self.fields.items():
            value = values.get(name, "")
            if not field.hasFocus() or name not in self._saved:
                field.setText(value)
            self._saved[name] = value
            field.setReadOnly(call is None or call.is_closed)
        self._update_unknown()

    def unknown(self) -> list[str]:
        return [
            CHECKLIST_LABELS[name]
            for name in CHECKLIST_LABELS
            if not self.fields[name].text().strip()
        ]

    def focus_next_unknown(self) -> None:
        for name in ("problem", "ideal_resolution", *CHECKLIST_LABELS):
            if not self.fields[name].text().strip():
                self.fields[name].setFocus()
                return
        self.fields["problem"].setFocus()

    def text_for_suggestions(self) -> str:
        return " ".join(self.fields[n].text() for n in ("problem", "ideal_resolution"))

    def flush(self) -> None:
        """Save every field whose text differs from what was last saved."""
        self._timer.stop()
        for name, field in self.fields.items():
            text = field.text()
            if text != self._saved.get(name, ""):
                self._saved[name] = text
                self.fieldEdited.emit(name, text)

    def _on_edit(self) -> None:
        self._update_unknown()
        self.textChanged.emit()
        self._timer.start()

    def _update_unknown(self) -> None:
        missing = self.unknown()
        total = len(CHECKLIST_LABELS)
        if missing:
            self.unknown_label.setText(
                f"{len(missing)} of {total} still unknown (Ctrl+I): next, {missing[0].lower()}"
            )
        else:
            self.unknown_label.setText(f"All {total} known")
