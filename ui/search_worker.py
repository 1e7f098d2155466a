"""Search and index upkeep off the UI thread, where the newest query always wins.

The agent types faster than anything should be allowed to block, so requests are
coalesced: the UI only ever records the latest text, the worker picks up whatever is
latest when it is free, and results are tagged with their request number so the pane
can drop any that arrive after a newer query was typed.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot

from companion.errors import CompanionError
from kb.search.index import SearchResults
from kb.workspace import Workspace


class SearchWorker(QObject):
    resultsReady = Signal(int, object)  # request id, SearchResults
    searchFailed = Signal(int, str)
    indexProgress = Signal(int, int)
    indexReady = Signal(bool)  # True when a rebuild happened
    indexFailed = Signal(str)
    _wake = Signal()
    _rebuild = Signal(bool)

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self._workspace = workspace
        self._lock = threading.Lock()
        self._pending: tuple[int, str, bool] | None = None
        self._wake.connect(self._process)
        self._rebuild.connect(self._ensure_index)

    # Called from the UI thread -------------------------------------------------------

    def request(self, request_id: int, text: str, include_drafts: bool = False) -> None:
        with self._lock:
            self._pending = (request_id, text, include_drafts)
        self._wake.emit()

    def prepare_index(self, force: bool = False) -> None:
        self._rebuild.emit(force)

    # Runs in the worker thread --------------------------------------------------------

    @Slot(bool)
    def _ensure_index(self, force: bool) -> None:
        try:
            if force:
                self._workspace.rebuild_index(self.indexProgress.emit)
                rebuilt = True
            else:
                rebuilt = self._workspace.ensure_index(self.indexProgress.emit)
        except CompanionError as exc:
            self.indexFailed.emit(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - tell the agent; searching may still work
            self.indexFailed.emit(f"The search index could not be rebuilt: {exc}")
            return
        self.indexReady.emit(rebuilt)

    @Slot()
    def _process(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return
        request_id, text, include_drafts = pending
        index = self._workspace.index
        try:
            results: SearchResults = (
                index.search(text, limit=30, include_drafts=include_drafts)
                if text.strip()
                else index.browse(include_drafts=include_drafts)
            )
        except Exception as exc:  # noqa: BLE001 - a broken index must not end the session
            self.searchFailed.emit(request_id, f"Search is unavailable: {exc}")
            return
        self.resultsReady.emit(request_id, results)


class SearchThread:
    """Owns the worker's thread so the window can start and stop it in one place."""

    def __init__(self, workspace: Workspace) -> None:
        self.thread = QThread()
        self.thread.setObjectName("search")
        self.worker = SearchWorker(workspace)
        self.worker.moveToThread(self.thread)
        self.thread.start()

    def stop(self) -> None:
        self.thread.quit()
        self.thread.wait()
