"""Other desks' changes, brought into the window's one ``changed`` signal.

A worker thread loops on :meth:`companion.change_feed.ChangeFeed.wait` (which blocks
on PostgreSQL's LISTEN, or polls the change log) and hands each non-empty
:class:`~companion.changes.Changes` to the UI thread through :attr:`arrived`. The main
window connects that to the operation runner's ``publish``, so every view refreshes
from other desks' writes exactly as from its own.

Articles saved elsewhere are applied to this desk's search index in the worker,
before the signal, so a view that refreshes on it already searches the new text and
the UI thread never waits for an index commit.
"""

from __future__ import annotations

import logging
import threading

import peewee
from PySide6.QtCore import QObject, Signal, Slot

from companion.change_feed import ChangeFeed
from companion.changes import Changes
from kb.remote_changes import apply_article_changes
from kb.search.index import SearchIndex
from ui.worker_thread import WorkerThread

log = logging.getLogger(__name__)

# How long one wait lasts: also how soon the thread notices it should stop.
WAIT_S = 0.5


class _FeedWorker(QObject):
    arrived = Signal(object)
    _start = Signal()

    def __init__(self, database: peewee.Database, index: SearchIndex | None) -> None:
        super().__init__()
        self._database = database
        self._index = index
        self._stopping = threading.Event()
        self._start.connect(self._run)

    @Slot()
    def _run(self) -> None:
        # Made here: its queries use this thread's own database connection.
        feed = ChangeFeed(self._database)
        try:
            while not self._stopping.is_set():
                changes = feed.wait(WAIT_S)
                if changes:
                    self._deliver(changes)
        finally:
            feed.close()

    def _deliver(self, changes: Changes) -> None:
        if changes.articles and self._index is not None:
            try:
                apply_article_changes(self._index, changes)
            except Exception:  # the index catches up when next opened
                log.warning("could not apply other desks' articles to the index", exc_info=True)
        self.arrived.emit(changes)


class ChangeFeedThread(QObject):
    """Start it once the window is up; :meth:`stop` before the window closes."""

    arrived = Signal(object)  # Changes made at other desks (remote=True)

    def __init__(
        self,
        database: peewee.Database,
        index: SearchIndex | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._worker = _FeedWorker(database, index)
        self._worker.arrived.connect(self.arrived)
        self._thread: WorkerThread[_FeedWorker] | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = WorkerThread(self._worker, "change feed")
            self._worker._start.emit()

    def stop(self) -> None:
        """End the loop (within one wait), close its connections, end the thread."""
        self._worker._stopping.set()
        if self._thread is not None:
            self._thread.stop()
            self._thread = None
