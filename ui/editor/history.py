"""An article's revisions, any two compared side by side, and restoring an old one.

Selecting one revision compares it with the one before it (what that save changed);
selecting two (Ctrl+click) compares them, older on the left. Restoring never rewrites
history: the editor writes the old text again as a new draft revision.

The panel never queries the database on the UI thread: the editor reads the
revisions through its runner and hands them over (:meth:`HistoryPanel.show_revisions`),
and each comparison is read through the same runner; an answer for a selection that
has since changed is dropped.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from companion.users import User
from kb import editing
from kb.article import Status
from kb.editing import DiffRow
from kb.store import RevisionData
from ui.diff_view import DiffTable
from ui.list_model import RowListModel
from ui.service_runner import ServiceRunner
from ui.time_format import local_datetime


class HistoryPanel(QWidget):
    restoreRequested = Signal(int)  # revision number

    def __init__(self, user: User, runner: ServiceRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user = user
        self.runner = runner
        self._asked = 0  # the comparison last asked for; older answers are dropped
        self.slug: str | None = None
        self._published: int | None = None
        self.model = RowListModel[RevisionData](
            self._describe, empty_text="No revisions yet: save the article first.", parent=self
        )
        self.list = QListView()
        self.list.setObjectName("revisionList")
        self.list.setAccessibleName("Revisions, newest first")
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.selectionModel().selectionChanged.connect(self._compare_selected)
        self.restore_button = QPushButton("&Restore as draft")
        self.restore_button.setToolTip(
            "Write the selected revision's text again as a new draft; nothing is overwritten"
        )
        self.restore_button.clicked.connect(self._restore)
        self.caption = QLabel("Select a revision to see what it changed, or two to compare.")
        self.caption.setObjectName("diffCaption")
        self.caption.setWordWrap(True)
        self.table = DiffTable()

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Revisions"))
        left_layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        left_layout.addLayout(buttons)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.caption)
        right_layout.addWidget(self.table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._update_buttons()

    def show_revisions(
        self, slug: str | None, revisions: list[RevisionData], published: int | None
    ) -> None:
        """List ``slug``'s revisions (given oldest first), newest first; None: a new article."""
        self.slug = slug
        self._asked += 1
        self._published = published
        self.model.set_rows(list(reversed(revisions)))
        self.table.diff_model.set_rows([], ("Before", "After"))
        self._update_buttons()

    def select_revisions(self, *numbers: int) -> None:
        """Select these revisions, as Ctrl+clicking them would."""
        selection = self.list.selectionModel()
        selection.clearSelection()
        for row, revision in enumerate(self.model.rows()):
            if revision.number in numbers:
                index = self.model.index(row)
                selection.setCurrentIndex(index, selection.SelectionFlag.NoUpdate)
                selection.select(index, selection.SelectionFlag.Select)

    def selected_numbers(self) -> list[int]:
        rows = self.list.selectionModel().selectedRows()
        return sorted(self.model.rows()[index.row()].number for index in rows)

    def _describe(self, revision: RevisionData) -> str:
        live = " · what agents see" if revision.number == self._published else ""
        status = "published" if revision.content.status is Status.PUBLISHED else "draft"
        when = f"{local_datetime(revision.saved_at):%Y-%m-%d %H:%M}"
        return f"Revision {revision.number} · {status}{live}\n{when} by {revision.saved_by}"

    def _compare_selected(self) -> None:
        numbers = self.selected_numbers()
        self._update_buttons()
        self._asked += 1
        if self.slug is None or not numbers or len(numbers) > 2:
            self.table.diff_model.set_rows([], ("Before", "After"))
            if len(numbers) > 2:
                self.caption.setText("Select at most two revisions to compare.")
            return
        if len(numbers) == 1:
            new = numbers[0]
            old = max((n for n in self._all_numbers() if n < new), default=new)
        else:
            old, new = numbers
        asked = self._asked
        self.runner.read(
            editing.diff,
            self.user,
            self.slug,
            old,
            new,
            on_done=partial(self._show_diff, asked=asked, old=old, new=new),
            on_error=partial(self._show_refusal, asked=asked),
        )

    def _show_refusal(self, message: str, asked: int) -> None:
        if asked == self._asked:
            self.table.diff_model.set_rows([], ("Before", "After"))
            self.caption.setText(message)

    def _show_diff(self, rows: list[DiffRow], asked: int, old: int, new: int) -> None:
        if asked != self._asked:
            return
        self.table.diff_model.set_rows(rows, (f"Revision {old}", f"Revision {new}"))
        if old == new:
            self.caption.setText(f"Revision {new} is the first: everything in it is new.")
        else:
            self.caption.setText(
                f"Revision {old} on the left, revision {new} on the right. "
                "Changed lines are yellow, removed red, added green."
            )

    def _all_numbers(self) -> list[int]:
        return [revision.number for revision in self.model.rows()]

    def _restore(self) -> None:
        numbers = self.selected_numbers()
        if len(numbers) == 1:
            self.restoreRequested.emit(numbers[0])

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(len(self.selected_numbers()) == 1)
