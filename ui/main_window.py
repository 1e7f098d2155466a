"""The main window: the playbook pane today, the call pane beside it as it arrives.

Window geometry and splitter positions are remembered in the data dir (not the
user's global settings), so two data dirs on one desk never fight over a layout.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar

from kb.workspace import Workspace
from ui.playbook_pane import PlaybookPane
from ui.search_worker import SearchThread

SETTINGS_FILE = "window.ini"
STATUS_TIMEOUT_MS = 6000


class MainWindow(QMainWindow):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.setWindowTitle("Companion")
        self.setObjectName("mainWindow")
        self.settings = QSettings(
            str(workspace.data_dir / SETTINGS_FILE), QSettings.Format.IniFormat
        )

        self.search_thread = SearchThread(workspace)
        worker = self.search_thread.worker
        self.playbook = PlaybookPane(worker)
        self.setCentralWidget(self.playbook)
        self.playbook.message.connect(self.show_message)

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.index_label = QLabel()
        self.statusBar().addPermanentWidget(self.index_label)
        self.statusBar().addPermanentWidget(self.progress)
        worker.indexProgress.connect(self._on_index_progress)
        worker.indexReady.connect(self._on_index_ready)
        worker.indexFailed.connect(self._on_index_failed)

        focus_search = QAction("Search the playbook", self)
        focus_search.setShortcut(QKeySequence("Ctrl+K"))
        focus_search.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        focus_search.triggered.connect(self.playbook.focus_search)
        self.addAction(focus_search)

        self.resize(1280, 800)
        self._restore_layout()
        self.index_ready = False
        self.index_label.setText("Checking the search index…")
        worker.prepare_index()
        self.playbook.refresh()  # queued behind the index check, so it sees a fresh index

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    @Slot(int, int)
    def _on_index_progress(self, done: int, total: int) -> None:
        self.index_label.setText("Building the search index")
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.show()

    @Slot(bool)
    def _on_index_ready(self, rebuilt: bool) -> None:
        self.index_ready = True
        self.progress.hide()
        self.index_label.clear()
        if rebuilt:
            self.show_message("Search index rebuilt.")
            self.playbook.refresh()

    @Slot(str)
    def _on_index_failed(self, message: str) -> None:
        self.progress.hide()
        self.index_label.setText("Search index unavailable")
        self.show_message(message)

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = self.settings.value("window/playbookSplitter")
        if isinstance(splitter, QByteArray):
            self.playbook.splitter.restoreState(splitter)
        else:
            self.playbook.splitter.setSizes([440, 840])

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/playbookSplitter", self.playbook.splitter.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.search_thread.stop()
        super().closeEvent(event)
