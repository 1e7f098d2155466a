"""The record so far: every entry with its time and kind, corrections beside what they fix.

Entries are never edited. To correct one, the agent amends it (context menu, or F2 on
the selected entry); the amendment is a new entry pointing at the old one, and both
stay in the list.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QListView, QMenu, QWidget

from companion.entries import EntryKind, EntryView
from ui.list_model import RowListModel
from ui.time_format import clock

KIND_COLOURS = {
    EntryKind.PROMISED: QColor("#7a4b00"),
    EntryKind.DONE: QColor("#1d6b3a"),
    EntryKind.AMENDMENT: QColor("#5a4fa3"),
}


def entry_line(entry: EntryView) -> str:
    if entry.kind is EntryKind.AMENDMENT:
        label = f"AMENDS #{entry.amends_seq}"
    else:
        label = entry.kind.value.upper()
    corrected = (
        f"   (amended by #{', #'.join(str(n) for n in entry.amended_by)})"
        if entry.amended_by
        else ""
    )
    return f"#{entry.seq}  {clock(entry.at)}  {label}  {entry.text}{corrected}"


class Timeline(QListView):
    amendRequested = Signal(object)  # EntryView

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.model_ = RowListModel[EntryView](
            entry_line,
            tooltip=lambda e: f"{e.author.display_name} · {e.at:%Y-%m-%d %H:%M} UTC",
            colour=lambda e: KIND_COLOURS.get(e.kind),
            parent=self,
        )
        self.setModel(self.model_)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.setAccessibleName("Call record")
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)

    def show_entries(self, entries: list[EntryView]) -> None:
        self.model_.set_rows(entries)
        if entries:
            self.scrollToBottom()

    def selected_entry(self) -> EntryView | None:
        return self.model_.row(self.currentIndex().row())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_F2 and self.selected_entry() is not None:
            self.amendRequested.emit(self.selected_entry())
            return
        super().keyPressEvent(event)

    def _menu(self, position: QPoint) -> None:
        entry = self.model_.row(self.indexAt(position).row())
        if entry is None:
            return
        menu = QMenu(self)
        amend = menu.addAction("Amend this entry… (F2)")
        amend.triggered.connect(lambda: self.amendRequested.emit(entry))
        menu.popup(self.viewport().mapToGlobal(position))
