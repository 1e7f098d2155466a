"""A QThread that owns one worker object and cleans up inside its own thread.

peewee keeps one database connection per thread, so a worker that touched the
database must close that connection from its own thread before the thread ends;
otherwise the connection would only be dropped by the garbage collector.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtCore import QObject, QThread, Signal, Slot

from companion.db import database

W = TypeVar("W", bound=QObject)


class _Closer(QObject):
    close = Signal()

    @Slot()
    def run(self) -> None:
        if database.obj is not None and not database.is_closed():
            database.close()
        thread = QThread.currentThread()
        thread.quit()


class WorkerThread(Generic[W]):
    def __init__(self, worker: W, name: str) -> None:
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.worker = worker
        self._closer = _Closer()
        worker.moveToThread(self.thread)
        self._closer.moveToThread(self.thread)
        self._closer.close.connect(self._closer.run)
        self.thread.start()

    def stop(self) -> None:
        """Finish queued work, close this thread's database connection, end the thread."""
        if self.thread.isRunning():
            self._closer.close.emit()
            self.thread.wait()
