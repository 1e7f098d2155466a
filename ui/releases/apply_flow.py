"""Supervisor → Apply playbook release…: choose, check, confirm, apply with progress, report.

Each step waits for the person or for the runner, never blocking the window: the file's
checksums are verified and its manifest read off the UI thread, the confirmation names
the release (label, author, local time, size) beside the one installed, and the apply
runs as one runner job whose progress callback (called on the runner's thread) reaches
the progress dialog through a queued signal, so the window keeps painting meanwhile.

The result says what was added, updated, left alone and kept as a conflict. A refusal
is shown as its one line; an older release (or one from another head office) is
offered "Apply anyway" after a warning saying what forcing does.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QPushButton, QWidget

from companion.users import User
from kb.releases import ReleaseApplied, ReleaseManifest
from kb.search.index import SearchIndex
from ui.releases.jobs import apply_and_index, inspect_release
from ui.releases.message_box import TITLE, release_box
from ui.releases.texts import (
    applied_counts,
    applied_headline,
    articles,
    confirm_text,
    force_warning,
    installed_text,
    is_refusable,
    without_command_line,
)
from ui.service_runner import ServiceRunner


class ProgressRelay(QObject):
    """Carries progress from the runner's thread to the UI thread (a queued signal)."""

    advanced = Signal(int, int)
    indexing = Signal()

    def report(self, done: int, total: int) -> None:
        """Called by ``apply_release`` on the runner's thread."""
        self.advanced.emit(done, total)

    def report_indexing(self) -> None:
        """Called on the runner's thread once the articles are in, before indexing them."""
        self.indexing.emit()


class ApplyReleaseFlow(QObject):
    """One apply, from the chosen file to the report; ``ended`` fires whatever the outcome."""

    ended = Signal()
    message = Signal(str)  # one line for the status bar
    applied = Signal(object)  # ReleaseApplied

    def __init__(
        self,
        user: User,
        runner: ServiceRunner,
        index: SearchIndex | None,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.user = user
        self.runner = runner
        self.index = index
        self.parent_widget = parent
        self.path: Path | None = None
        self.release: ReleaseManifest | None = None
        self.installed: ReleaseManifest | None = None
        self.box: QMessageBox | None = None  # the question or report on screen
        self.progress_dialog: QProgressDialog | None = None
        self.last_progress: tuple[int, int] | None = None
        self.result: ReleaseApplied | None = None
        self.relay = ProgressRelay(self)
        self.relay.advanced.connect(self._on_progress)
        self.relay.indexing.connect(self._on_indexing)

    def start(self, path: Path) -> None:
        """Verify ``path`` and read its manifest off the UI thread, then ask."""
        self.path = path
        self.message.emit(f"Checking {path.name}…")
        self.runner.read(inspect_release, path, on_done=self._inspected, on_error=self._refused)

    # -- asking --------------------------------------------------------------------------

    def _inspected(self, found: tuple[ReleaseManifest, ReleaseManifest | None]) -> None:
        self.release, self.installed = found
        box = self._box(QMessageBox.Icon.Question, confirm_text(self.release))
        box.setInformativeText(installed_text(self.installed))
        apply = box.addButton("&Apply", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(apply)
        box.finished.connect(lambda _r: self._answered(box, apply, force=False))
        box.open()

    def _answered(self, box: QMessageBox, go: QPushButton, *, force: bool) -> None:
        chosen = box.clickedButton()
        self._drop_box(box)
        if chosen is go:
            self._apply(force=force)
        else:
            self.message.emit("Nothing was applied.")
            self._end()

    def _offer_force(self, refusal: str) -> None:
        assert self.release is not None
        box = self._box(QMessageBox.Icon.Warning, refusal)
        box.setInformativeText(force_warning(self.release, self.installed))
        anyway = box.addButton("Apply &anyway", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)  # Enter must not force by accident
        box.finished.connect(lambda _r: self._answered(box, anyway, force=True))
        box.open()

    # -- applying -------------------------------------------------------------------------

    def _apply(self, *, force: bool) -> None:
        assert self.path is not None and self.release is not None
        label = self.release.label
        dialog = QProgressDialog(f"Applying release {label}…", "", 0, 0, self.parent_widget)
        dialog.setObjectName("releaseProgress")
        dialog.setWindowTitle(TITLE)
        dialog.setMinimumWidth(420)
        dialog.setCancelButton(None)  # one transaction: there is nothing to stop halfway
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.show()
        self.progress_dialog = dialog
        self.message.emit(f"Applying release {label}…")
        self.runner.submit(
            apply_and_index, self.index, self.user, self.path, force, self.relay.report,
            self.relay.report_indexing, on_done=self._applied,
            on_error=lambda msg: self._apply_failed(msg, force),
        )  # fmt: skip

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.last_progress = (done, total)
        dialog = self.progress_dialog
        if dialog is not None and self.release is not None:
            dialog.setLabelText(
                f"Applying release {self.release.label}: {done} of {articles(total)}…"
            )
            dialog.setMaximum(max(total, 1))
            dialog.setValue(min(done, max(total, 1)))

    @Slot()
    def _on_indexing(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.setLabelText("Adding the new articles to the search…")

    def _applied(self, applied: ReleaseApplied) -> None:
        self._close_progress()
        self.result = applied
        headline = applied_headline(applied)
        box = self._box(QMessageBox.Icon.Information, headline)
        if not applied.already_installed:
            box.setInformativeText(applied_counts(applied))
        box.addButton(QMessageBox.StandardButton.Ok)
        box.finished.connect(lambda _r: self._finish_box(box))
        box.open()
        self.message.emit(headline)
        self.applied.emit(applied)

    def _apply_failed(self, message: str, forced: bool) -> None:
        self._close_progress()
        assert self.release is not None
        if not forced and is_refusable(self.release, self.installed):
            self._offer_force(without_command_line(message))
        else:
            self._refused(message)

    def _refused(self, message: str) -> None:
        """A bad file, a refusal or a failure: its one line, and nothing changed."""
        box = self._box(QMessageBox.Icon.Warning, message)
        box.setInformativeText("Nothing was applied; the playbook is as it was.")
        box.addButton(QMessageBox.StandardButton.Ok)
        box.finished.connect(lambda _r: self._finish_box(box))
        box.open()
        self.message.emit(message)

    # -- bookkeeping -----------------------------------------------------------------------

    def _box(self, icon: QMessageBox.Icon, text: str) -> QMessageBox:
        box = release_box(self.parent_widget, icon, text)
        self.box = box
        return box

    def _drop_box(self, box: QMessageBox) -> None:
        if self.box is box:
            self.box = None
        box.deleteLater()

    def _finish_box(self, box: QMessageBox) -> None:
        self._drop_box(box)
        self._end()

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    def _end(self) -> None:
        self.ended.emit()
