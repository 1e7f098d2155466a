"""The caller card's calm note that another record may be the same customer.

Agents only see the note (they can tell a supervisor); supervisors and admins also get
"Merge…", which names the record that is kept before anything moves. Reads and the
merge run off the UI thread through the service runner.
"""

from __future__ import annotations

import html
from datetime import datetime

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from companion.duplicates import PossibleDuplicate, possible_duplicates
from companion.merge import merge_customers
from companion.permissions import EDITORS
from companion.users import Role, User
from ui.service_runner import ServiceRunner


def can_merge(user: User | None) -> bool:
    """Merging rewrites two records, so the window offers it to supervisors and admins only."""
    return user is not None and Role(user.role) in EDITORS


class MergeDialog(QDialog):
    """Which of the two records is kept: the older by default, the agent may pick the other."""

    def __init__(
        self,
        current: tuple[str, str, datetime],
        other: PossibleDuplicate,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge customers")
        cid, name, created = current
        self._ids = (cid, other.id)
        older_first = created <= other.created_at
        self.keep_current = QRadioButton(f"Keep {name} (created {created:%d %b %Y})")
        self.keep_other = QRadioButton(
            f"Keep {other.display_name} (created {other.created_at:%d %b %Y})"
        )
        (self.keep_current if older_first else self.keep_other).setChecked(True)
        explain = QLabel(
            "The record kept receives the other's calls, promises, phone numbers, e-mails "
            "and account numbers; the other is marked as merged into it. The older record "
            "is chosen unless you pick the other."
        )
        explain.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.merge_button = buttons.addButton("&Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{html.escape(other.sentence())}."))
        layout.addWidget(self.keep_current)
        layout.addWidget(self.keep_other)
        layout.addWidget(explain)
        layout.addWidget(buttons)

    def survivor_and_duplicate(self) -> tuple[str, str]:
        current, other = self._ids
        return (current, other) if self.keep_current.isChecked() else (other, current)


class DuplicateNotes(QWidget):
    """One line per possible duplicate of the customer on the card, with Merge… for editors."""

    def __init__(
        self, user: User | None, runner: ServiceRunner | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("duplicateNotes")
        self._user = user
        self._runner = runner
        self._current: tuple[str, str, datetime] | None = None
        self._asked = 0
        self.found: list[PossibleDuplicate] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.hide()

    def show_for(
        self, customer_id: str | None, name: str = "", created: datetime | None = None
    ) -> None:
        """Look up duplicates of this customer off the UI thread; None clears the note."""
        self._asked += 1
        asked = self._asked
        self._current = None
        if customer_id is None or created is None or self._runner is None or self._user is None:
            self._show([])
            return
        self._current = (customer_id, name, created)

        def done(found: list[PossibleDuplicate]) -> None:
            if asked == self._asked:
                self._show(found)

        self._runner.read(
            possible_duplicates, self._user, customer_id, on_done=done, on_error=lambda _m: None
        )

    def _show(self, found: list[PossibleDuplicate]) -> None:
        self.found = found
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for duplicate in found:
            row = QWidget()
            row.setObjectName("duplicateRow")
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            note = QLabel(html.escape(duplicate.sentence()))
            note.setObjectName("duplicateNote")
            note.setWordWrap(True)
            line.addWidget(note, 1)
            if can_merge(self._user):
                button = QPushButton("Merge…")
                button.setObjectName("mergeDuplicate")
                button.setToolTip(f"Merge this customer with {duplicate.display_name}")
                button.clicked.connect(lambda _c=False, d=duplicate: self.merge_with(d))
                line.addWidget(button)
            else:
                note.setToolTip("A supervisor can merge the two records.")
            self._layout.addWidget(row)
        self.setVisible(bool(found))

    def merge_with(self, other: PossibleDuplicate) -> None:
        """Ask which record is kept, then merge off the UI thread and look again."""
        if self._current is None or self._runner is None or self._user is None:
            return
        dialog = MergeDialog(self._current, other, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        survivor, duplicate = dialog.survivor_and_duplicate()
        current = self._current

        def merged(_result: object) -> None:
            if survivor == current[0]:
                self.show_for(*current)

        self._runner.submit(
            merge_customers,
            self._user,
            survivor,
            duplicate,
            on_done=merged,
            on_error=self._failed,
        )

    def _failed(self, message: str) -> None:
        note = QLabel(html.escape(f"The merge failed: {message}"))
        note.setObjectName("mergeFailed")
        note.setWordWrap(True)
        self._layout.addWidget(note)
        self.show()
