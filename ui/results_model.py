"""Search hits as a Qt list model, in the way novelWriter wraps its core search results.

The index knows nothing of review dates, so the pane hands the model the slugs past
their review-by date and the model flags those hits (``ReviewDueRole``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from kb.search.index import SearchHit

SlugRole = Qt.ItemDataRole.UserRole + 1
SnippetHtmlRole = Qt.ItemDataRole.UserRole + 2
CategoryRole = Qt.ItemDataRole.UserRole + 3
ReviewDueRole = Qt.ItemDataRole.UserRole + 4

Index = QModelIndex | QPersistentModelIndex


class SearchResultsModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []
        self._review_due: frozenset[str] = frozenset()

    def set_review_due(self, slugs: Collection[str]) -> None:
        """Flag these articles' hits as past their review-by date."""
        self._review_due = frozenset(slugs)
        if self._hits:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._hits) - 1, 0))

    def set_hits(self, hits: Sequence[SearchHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        due = hit.slug in self._review_due
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{hit.title} — {hit.category}" + (" — review due" if due else "")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            flag = ", review due" if due else ""
            return f"{hit.title}, {hit.category}{flag}: {hit.snippet.to_text(mark='')}"
        if role == ReviewDueRole:
            return due
        if role == SlugRole:
            return hit.slug
        if role == SnippetHtmlRole:
            return hit.snippet.to_html()
        if role == CategoryRole:
            return hit.category
        return None
