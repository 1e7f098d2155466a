"""A worker that answers only the newest request, for anything searched as you type.

The UI records just the latest request; the worker, when free, takes whatever is
latest and skips everything older. Each answer carries its request number, so the
widget can also ignore an answer that arrives after a newer request was made.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot


class LatestWinsWorker(QObject):
    resultsReady = Signal(int, object)
    requestFailed = Signal(int, str)
    _wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._pending: tuple[int, Any] | None = None
        self._wake.connect(self._process)

    def request(self, request_id: int, payload: Any) -> None:
        """Called from the UI thread; replaces any request not yet started."""
        with self._lock:
            self._pending = (request_id, payload)
        self._wake.emit()

    def answer(self, payload: Any) -> Any:
        """Runs in the worker thread; subclasses compute the result here."""
        raise NotImplementedError

    def describe_failure(self, exc: Exception) -> str:
        return f"Search is unavailable: {exc}"

    @Slot()
    def _process(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is None:
            return
        request_id, payload = pending
        try:
            result = self.answer(payload)
        except Exception as exc:  # noqa: BLE001 - a failed lookup must not end the session
            self.requestFailed.emit(request_id, self.describe_failure(exc))
            return
        self.resultsReady.emit(request_id, result)
