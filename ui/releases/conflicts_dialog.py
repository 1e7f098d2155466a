"""Articles that conflict with a head office release, and the supervisor's three answers.

A release never overwrites an article this site edited since the last one: agents keep
reading the site's version, head office's revisions wait in the history, and the
article is listed here. For each, the dialog shows the site's text (left, what agents
see now) against head office's (right), who saved each and when, and offers: keep
ours, take theirs, or edit a merged version (:class:`MergeEditor`). Every read and
every answer goes through the window's runner; another desk resolving one refreshes
the list through the runner's ``changed`` signal.

Keyboard first: focus starts on the list, Up/Down choose, the buttons carry
mnemonics (Alt+K, Alt+T, Alt+E), Tab to a button and Enter presses it, Escape closes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from companion.changes import Changes
from companion.users import User
from kb.releases import ReleaseConflict, Resolution, release_conflicts
from kb.search.index import SearchIndex
from ui.diff_view import DiffTable
from ui.releases.jobs import conflicts_topics, resolve_and_index
from ui.releases.texts import moment, side_lines, text_diff
from ui.service_runner import ServiceRunner

SlugRole = Qt.ItemDataRole.UserRole + 71

DONE = {
    Resolution.KEEP_OURS: "Kept this site's version of “{title}”; agents see it as before.",
    Resolution.TAKE_THEIRS: "“{title}” now shows head office's version to agents.",
    Resolution.EDITED: "Your merged version of “{title}” is what agents see now.",
}


def side_line(which: str, saved_by: str, saved_at: datetime) -> str:
    return f"{which}: saved by {saved_by} at {moment(saved_at)}."


def diff_titles(conflict: ReleaseConflict) -> tuple[str, str]:
    return ("Ours: this site (what agents see)", f"Theirs: head office {conflict.release_label}")


def fit_rows_to_width(table: DiffTable) -> None:
    """Wrap long lines again whenever the columns change width (once per burst of resizes).

    The table sizes its rows when its rows change, often before the dialog is shown at
    its real width; rows measured then are far too tall or cut off.
    """
    timer = QTimer(table)
    timer.setSingleShot(True)
    timer.setInterval(0)
    timer.timeout.connect(table.resizeRowsToContents)
    table.horizontalHeader().sectionResized.connect(lambda *_args: timer.start())


def fill_diff(table: DiffTable, conflict: ReleaseConflict) -> None:
    """The site's text against head office's, titles included."""
    ours, theirs = conflict.ours, conflict.theirs
    rows = text_diff(side_lines(ours.title, ours.body), side_lines(theirs.title, theirs.body))
    table.diff_model.set_rows(rows, diff_titles(conflict))


class MergeEditor(QDialog):
    """Write the version agents should read, starting from the site's, with the diff beside.

    Saving asks the conflicts dialog to resolve with :attr:`Resolution.EDITED`; the
    editor stays open until that succeeds, so a refusal leaves the text where it is.
    """

    saveRequested = Signal(str)

    def __init__(self, conflict: ReleaseConflict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("releaseMergeEditor")
        self.setWindowTitle(f"Merge “{conflict.title}” with head office {conflict.release_label}")
        self.conflict = conflict
        explain = QLabel(
            "Write the version agents should read. It starts as this site's text; head "
            f"office's {conflict.release_label} is compared with it on the right. Saving "
            "makes it a new revision; both lines of history stay."
        )
        explain.setWordWrap(True)
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("mergeText")
        self.edit.setAccessibleName("Merged version")
        self.edit.setPlainText(conflict.ours.body)
        font = self.edit.font()
        font.setFamily("monospace")
        self.edit.setFont(font)
        self.table = DiffTable(self)
        self.table.setAccessibleName("This site's version compared with head office's")
        fit_rows_to_width(self.table)
        fill_diff(self.table, conflict)
        self.error = QLabel()
        self.error.setObjectName("mergeError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #9b1c1c;")
        self.error.hide()
        self.save_button = QPushButton("&Save merged version")
        self.save_button.setToolTip("Resolve the conflict with this text (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Close without resolving; nothing changes (Esc)")
        self.cancel_button.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.edit)
        split.addWidget(self.table)
        split.setChildrenCollapsible(False)
        split.setSizes([520, 620])
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(split, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.resize(1180, 660)
        self.edit.setFocus()

    def text(self) -> str:
        return self.edit.toPlainText()

    def reject(self) -> None:
        """Cancel or Esc: typed changes are only dropped once the person says so."""
        if self.text() != self.conflict.ours.body and self.save_button.isEnabled():
            answer = QMessageBox.question(
                self,
                "Discard the merged version?",
                "Close the merge editor and drop what you wrote here? The conflict stays open.",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()

    def save(self) -> None:
        if not self.text().strip():
            self.show_error("The merged version is empty; write what agents should read.")
            return
        self.save_button.setEnabled(False)
        self.error.hide()
        self.saveRequested.emit(self.text())

    def show_error(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.error.setText(message)
        self.error.show()


class ConflictsDialog(QDialog):
    """The open conflicts; ``resolved`` carries the slug of each one settled here."""

    resolved = Signal(str)

    def __init__(
        self,
        user: User,
        runner: ServiceRunner,
        index: SearchIndex | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("releaseConflicts")
        self.setWindowTitle("Companion — Release conflicts")
        self.user = user
        self.runner = runner
        self.index = index
        self.conflicts: list[ReleaseConflict] = []
        self.merge_editor: MergeEditor | None = None
        self._wanted: str | None = None  # the slug to select once the list is read
        self._busy = False

        self.list = QListWidget()
        self.list.setObjectName("conflictList")
        self.list.setAccessibleName("Articles in conflict with head office")
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._show_current)
        list_label = QLabel("&Articles")
        list_label.setBuddy(self.list)

        self.headline = QLabel()
        self.headline.setObjectName("conflictHeadline")
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setBold(True)
        self.headline.setFont(font)
        self.ours_line = QLabel()
        self.ours_line.setObjectName("oursLine")
        self.theirs_line = QLabel()
        self.theirs_line.setObjectName("theirsLine")
        for label in (self.ours_line, self.theirs_line):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.table = DiffTable(self)
        self.table.setAccessibleName("This site's version compared with head office's")
        fit_rows_to_width(self.table)

        self.keep_button = QPushButton("&Keep ours")
        self.keep_button.setToolTip(
            "Agents keep reading this site's version; head office's stays in the history"
        )
        self.take_button = QPushButton("&Take theirs")
        self.take_button.setToolTip("Agents read head office's version from now on")
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setToolTip("Write a merged version, with the differences beside it")
        self.close_button = QPushButton("Close")
        self.keep_button.clicked.connect(lambda: self.resolve(Resolution.KEEP_OURS))
        self.take_button.clicked.connect(lambda: self.resolve(Resolution.TAKE_THEIRS))
        self.edit_button.clicked.connect(self.open_merge_editor)
        self.close_button.clicked.connect(self.reject)
        for button in (self.keep_button, self.take_button, self.edit_button, self.close_button):
            button.setAutoDefault(True)
            button.setDefault(False)

        self.status = QLabel()
        self.status.setObjectName("conflictStatus")
        self.status.setWordWrap(True)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(list_label)
        left_layout.addWidget(self.list, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.headline)
        right_layout.addWidget(self.ours_line)
        right_layout.addWidget(self.theirs_line)
        right_layout.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setChildrenCollapsible(False)
        split.setSizes([350, 810])
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.take_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.resize(1180, 660)
        self._show_current(-1)
        runner.changed.connect(self._on_changes)

    # -- reading ---------------------------------------------------------------------------

    def load(self, slug: str | None = None) -> None:
        """Read the open conflicts (off the UI thread); select ``slug`` once they arrive."""
        if slug is not None:
            self._wanted = slug
        self.runner.read(release_conflicts, on_done=self._show_conflicts, on_error=self.say)

    def select(self, slug: str) -> None:
        """Show ``slug``'s conflict (read again, so a stale list never hides it)."""
        self.load(slug)

    def _show_conflicts(self, conflicts: Sequence[ReleaseConflict]) -> None:
        current = self.current()
        wanted = self._wanted or (current.slug if current is not None else None)
        self._wanted = None
        self.conflicts = list(conflicts)
        self.list.blockSignals(True)
        self.list.clear()
        row = 0
        for number, conflict in enumerate(self.conflicts):
            item = QListWidgetItem(f"{conflict.title}\n{conflict.slug} · {conflict.message}")
            item.setData(SlugRole, conflict.slug)
            item.setToolTip(f"“{conflict.title}” {conflict.message}")
            self.list.addItem(item)
            if conflict.slug == wanted:
                row = number
        self.list.blockSignals(False)
        if self.conflicts:
            self.list.setCurrentRow(row)
        self._show_current(self.list.currentRow() if self.conflicts else -1)
        focused = self.focusWidget()
        if self.merge_editor is None and (focused is None or not focused.isEnabled()):
            self.list.setFocus()  # e.g. the button just pressed is disabled: back to the list

    def current(self) -> ReleaseConflict | None:
        row = self.list.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def _show_current(self, _row: int) -> None:
        conflict = self.current()
        for button in (self.keep_button, self.take_button, self.edit_button):
            button.setEnabled(conflict is not None and not self._busy)
        if conflict is None:
            self.headline.setText(
                "No open conflicts: every article either follows head office or was resolved."
                if not self.conflicts
                else ""
            )
            self.ours_line.clear()
            self.theirs_line.clear()
            self.table.diff_model.set_rows([], ("Ours", "Theirs"))
            return
        self.headline.setText(f"“{conflict.title}” {conflict.message}.")
        self.ours_line.setText(
            side_line(
                "Left, this site's version (what agents see)",
                conflict.ours.saved_by,
                conflict.ours.saved_at,
            )
        )
        self.theirs_line.setText(
            side_line(
                f"Right, head office {conflict.release_label}",
                conflict.theirs.saved_by,
                conflict.theirs.saved_at,
            )
        )
        fill_diff(self.table, conflict)

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(*conflicts_topics()) and not self._busy:
            self.load()

    # -- answering -------------------------------------------------------------------------

    def resolve(self, resolution: Resolution, body: str | None = None) -> None:
        conflict = self.current()
        if conflict is None or self._busy:
            return
        self._set_busy(True)
        self.say("")

        def done(_result: object) -> None:
            self._set_busy(False)
            self.say(DONE[resolution].format(title=conflict.title))
            if self.merge_editor is not None:
                self.merge_editor.accept()
                self.merge_editor = None
            self.resolved.emit(conflict.slug)
            self.load()

        def failed(message: str) -> None:
            self._set_busy(False)
            if self.merge_editor is not None:
                self.merge_editor.show_error(message)
            else:
                self.say(message)

        self.runner.submit(
            resolve_and_index, self.index, self.user, conflict.article_id, conflict.slug,
            resolution, body, on_done=done, on_error=failed,
        )  # fmt: skip

    def open_merge_editor(self) -> None:
        conflict = self.current()
        if conflict is None:
            return
        editor = MergeEditor(conflict, self)
        editor.saveRequested.connect(lambda text: self.resolve(Resolution.EDITED, text))
        editor.finished.connect(lambda _result: self._merge_closed(editor))
        self.merge_editor = editor
        editor.open()

    def _merge_closed(self, editor: MergeEditor) -> None:
        if self.merge_editor is editor:
            self.merge_editor = None
        editor.deleteLater()
        self.list.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._show_current(self.list.currentRow())

    def say(self, message: str) -> None:
        """One line under the list: what was done, or why not."""
        self.status.setText(message)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter presses the button that has the focus, never a decision from the list."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not isinstance(self.focusWidget(), QPushButton):
            event.accept()
            return
        super().keyPressEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.list.setFocus()
