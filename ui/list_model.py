"""One small list model for the many short lists in the call pane.

Each list supplies how a row reads (and optionally its tooltip and colour); the model
keeps the rows as plain data objects and hands the object back through ``RowRole``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

T = TypeVar("T")
RowRole = Qt.ItemDataRole.UserRole + 50
Index = QModelIndex | QPersistentModelIndex


class RowListModel(QAbstractListModel, Generic[T]):
    def __init__(
        self,
        display: Callable[[T], str],
        *,
        tooltip: Callable[[T], str] | None = None,
        colour: Callable[[T], QColor | None] | None = None,
        empty_text: str = "",
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._rows: list[T] = []
        self._display = display
        self._tooltip = tooltip
        self._colour = colour
        self.empty_text = empty_text

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, number: int) -> T | None:
        return self._rows[number] if 0 <= number < len(self._rows) else None

    def rows(self) -> list[T]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item)
        if role == Qt.ItemDataRole.ToolTipRole and self._tooltip is not None:
            return self._tooltip(item)
        if role == Qt.ItemDataRole.ForegroundRole and self._colour is not None:
            return self._colour(item)
        if role == RowRole:
            return item
        return None


class RowTableModel(QAbstractTableModel, Generic[T]):
    """Rows of plain data objects under fixed column headings; subclasses say what a cell shows."""

    def __init__(self, columns: Sequence[str], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def row_at(self, index: Index) -> T | None:
        """The row object behind ``index``, or None for an invalid index."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section]
        return None
