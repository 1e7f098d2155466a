"""Qt list models for customers: lookup matches and duplicate warnings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from companion.customer_search import CustomerMatch

CustomerIdRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class CustomerMatchModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._matches: list[CustomerMatch] = []
        self._notes: dict[str, str] = {}

    def set_matches(
        self, matches: Sequence[CustomerMatch], notes: Mapping[str, str] | None = None
    ) -> None:
        """``notes``: a possible-duplicate sentence per customer id, shown under its row."""
        self.beginResetModel()
        self._matches = list(matches)
        self._notes = dict(notes or {})
        self.endResetModel()

    def note(self, row: int) -> str:
        found = self.match(row)
        return self._notes.get(found.customer.id, "") if found is not None else ""

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
            note = self._notes.get(customer.id)
            below = f"\n    {note}" if note else ""
            return f"{customer.display_name}{kind}{phone}{below}"
        if role == Qt.ItemDataRole.ToolTipRole:
            note = self._notes.get(customer.id)
            extra = f"\n{note}. A supervisor can merge them." if note else ""
            return f"Matched on {found.matched_on.label}{extra}"
        if role == CustomerIdRole:
            return customer.id
        return None
