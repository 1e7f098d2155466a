"""Playbook search and index upkeep off the UI thread; the newest query always wins."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal, Slot

from companion.errors import CompanionError
from kb.search.index import SearchResults
from kb.workspace import Workspace
from ui.latest_wins import LatestWinsWorker

RESULT_LIMIT = 30


class SearchWorker(LatestWinsWorker):
    indexProgress = Signal(int, int)
    indexReady = Signal(bool)  # True when a rebuild happened
    indexFailed = Signal(str)
    _rebuild = Signal(bool)

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self._workspace = workspace
        self._rebuild.connect(self._ensure_index)

    def prepare_index(self, force: bool = False) -> None:
        """Check (or force) a rebuild in the worker thread; queued before later searches."""
        self._rebuild.emit(force)

    def answer(self, payload: Any) -> SearchResults:
        text = str(payload)
        index = self._workspace.index
        if text.strip():
            return index.search(text, limit=RESULT_LIMIT)
        return index.browse()

    def describe_failure(self, exc: Exception) -> str:
        """A damaged index that cannot be rebuilt says so itself, naming the folder."""
        if isinstance(exc, CompanionError):
            return str(exc)
        return super().describe_failure(exc)

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
        except Exception as exc:  # noqa: BLE001 - tell the agent; the app stays usable
            self.indexFailed.emit(f"The search index could not be rebuilt: {exc}")
            return
        self.indexReady.emit(rebuilt)
