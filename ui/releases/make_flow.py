"""Supervisor → Make playbook release…: where to write it, then where it went and its size.

The next release's number is read off the UI thread first, so the save dialog can
offer ``playbook-R<next>.cpb``; the release is written by the runner (every published
article with its history can take a while) and the report names the file and its size.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from companion.users import User
from kb.releases import ReleaseMade, make_release
from kb.releases.making import next_release_label
from ui.releases.message_box import release_box
from ui.releases.texts import made_text
from ui.service_runner import ServiceRunner

SUFFIX = ".cpb"
FILTER = "Playbook releases (*.cpb)"


def default_file_name(label: str) -> str:
    return f"playbook-{label}{SUFFIX}"


def with_suffix(chosen: str) -> Path:
    """The path chosen, ending in .cpb (a name typed without it gets it)."""
    path = Path(chosen)
    return path if path.suffix.lower() == SUFFIX else path.with_name(path.name + SUFFIX)


class MakeReleaseFlow(QObject):
    """One release made: ask where, write it off the UI thread, report."""

    ended = Signal()
    message = Signal(str)

    def __init__(
        self, user: User, runner: ServiceRunner, parent: QWidget, folder: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.user = user
        self.runner = runner
        self.parent_widget = parent
        self.folder = folder or Path.home()
        self.box: QMessageBox | None = None
        self.made: ReleaseMade | None = None

    def start(self) -> None:
        self.runner.read(next_release_label, on_done=self._ask_where, on_error=self._failed)

    def _ask_where(self, label: str) -> None:
        suggested = self.folder / default_file_name(label)
        chosen, _ = QFileDialog.getSaveFileName(
            self.parent_widget, f"Make playbook release {label}", str(suggested), FILTER
        )
        if not chosen:
            self.ended.emit()
            return
        path = with_suffix(chosen)
        self.message.emit(f"Writing release {label} to {path}…")
        self.runner.submit(
            make_release, self.user, path, on_done=self._made, on_error=self._failed
        )  # fmt: skip

    def _made(self, made: ReleaseMade) -> None:
        self.made = made
        text = made_text(made)
        self._report(QMessageBox.Icon.Information, text)
        self.message.emit(text)

    def _failed(self, message: str) -> None:
        self._report(QMessageBox.Icon.Warning, message)
        self.message.emit(message)

    def _report(self, icon: QMessageBox.Icon, text: str) -> None:
        box = release_box(self.parent_widget, icon, text)
        box.addButton(QMessageBox.StandardButton.Ok)
        box.finished.connect(lambda _r: self._closed(box))
        self.box = box
        box.open()

    def _closed(self, box: QMessageBox) -> None:
        if self.box is box:
            self.box = None
        box.deleteLater()
        self.ended.emit()
