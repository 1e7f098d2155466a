"""Qt list models for customers: lookup matches and duplicate warnings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from companion.customer_search import CustomerMatch

CustomerIdRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class CustomerMatchModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._matches: list[CustomerMatch] = []

    def set_matches(self, matches: Sequence[CustomerMatch]) -> None:
        self.beginResetModel()
        self._matches = list(matches)
        self.endResetModel()

    def match(self, row: int) -> CustomerMatch | None:  # type: ignore[override]
        return self._matches[row] if 0 <= row < len(self._matches) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._matches)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._matches):
            return None
        found = self._matches[index.row()]
        customer = found.customer
        if role == Qt.ItemDataRole.DisplayRole:
            phone = f"   {customer.phones[0]}" if customer.phones else ""
            kind = "  (organisation)" if customer.is_organisation else ""
            return f"{customer.display_name}{kind}{phone}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Matched on {found.matched_on.label}"
        if role == CustomerIdRole:
            return customer.id
        return None
