"""Two revisions side by side: the old text on the left, the new on the right.

Colour alone would shut out colour-blind readers, so each row also says what
happened to it (in its tooltip and accessible text), and removed or added lines
leave the other side blank rather than shifting the text out of line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kb.editing import DiffKind, DiffRow

Index = QModelIndex | QPersistentModelIndex
KindRole = Qt.ItemDataRole.UserRole + 60
REMOVED = QColor("#fbe3e1")
ADDED = QColor("#e3f4e4")
CHANGED = QColor("#fdf3d7")
_LEFT_COLOUR = {DiffKind.REMOVED: REMOVED, DiffKind.CHANGED: CHANGED}
_RIGHT_COLOUR = {DiffKind.ADDED: ADDED, DiffKind.CHANGED: CHANGED}
_SAYS = {
    DiffKind.EQUAL: "unchanged",
    DiffKind.CHANGED: "changed",
    DiffKind.ADDED: "added",
    DiffKind.REMOVED: "removed",
}


class DiffModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[DiffRow] = []
        self.titles = ("Before", "After")

    def set_rows(self, rows: Sequence[DiffRow], titles: tuple[str, str]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.titles = titles
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 1)

    def rows(self) -> list[DiffRow]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else 2

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        left = index.column() == 0
        text = row.left if left else row.right
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == Qt.ItemDataRole.BackgroundRole:
            return (_LEFT_COLOUR if left else _RIGHT_COLOUR).get(row.kind)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{_SAYS[row.kind]}: {text}" if text else _SAYS[row.kind]
        if role == KindRole:
            return row.kind.value
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < 2
        ):
            return self.titles[section]
        return None


class DiffTable(QTableView):
    """A read-only two-column table; monospace keeps indented Markdown aligned."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.diff_model = DiffModel(self)
        self.setModel(self.diff_model)
        self.setObjectName("diffTable")
        self.setAccessibleName("Differences between revisions")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setShowGrid(False)
        self.setWordWrap(True)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # Long Markdown lines wrap instead of being cut off with an ellipsis.
        self.diff_model.modelReset.connect(self.resizeRowsToContents)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        self.setFont(font)


class DiffDialog(QDialog):
    """What changed in an article between two revisions, opened from the viewer."""

    def __init__(
        self, title: str, rows: Sequence[DiffRow], old: int, new: int, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("diffDialog")
        self.setWindowTitle(f"What changed in “{title}”")
        summary = QLabel(
            f"Revision {old} (the one you last read) on the left, revision {new} on the right. "
            "Changed lines are yellow, removed red, added green."
        )
        summary.setWordWrap(True)
        self.table = DiffTable(self)
        self.table.diff_model.set_rows(rows, (f"Revision {old}", f"Revision {new}"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Close, self, self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(1000, 620)
