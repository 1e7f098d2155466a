"""Markdown to HTML off the UI thread, so a slow article never freezes the window.

Rendering is bounded (see :mod:`kb.markdown_guard`), but a large article still takes
a noticeable fraction of a second; the window keeps answering keys meanwhile. Only the
newest request is rendered: an agent clicking through articles, or a supervisor typing
in the editor, never waits for text they already left.

:class:`BackgroundRenderer` is what widgets use: one per widget (the article viewer,
the editor's preview, a call record), each with its own thread, because a newest-wins
worker shared by two widgets would drop one widget's request in favour of the other's.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from kb.render import render_markdown
from ui.latest_wins import LatestWinsWorker
from ui.worker_thread import WorkerThread

# Below this a wait is not noticed; past it, the reader is told the text is coming.
LOADING_DELAY_MS = 250


class RenderWorker(LatestWinsWorker):
    def __init__(self, subject: str = "The article") -> None:
        super().__init__()
        self._subject = subject

    def answer(self, payload: Any) -> str:
        return render_markdown(str(payload))

    def describe_failure(self, exc: Exception) -> str:
        return f"{self._subject} could not be shown: {exc}"


# Every render thread is held here until it has stopped: Qt aborts the process if a
# running QThread is destroyed, which is what the owner's own reference would allow the
# moment the owner goes. Threads of owners still alive at exit are stopped then.
_RENDER_THREADS: set[WorkerThread[RenderWorker]] = set()


def _retire(thread: WorkerThread[RenderWorker]) -> None:
    _RENDER_THREADS.discard(thread)
    # At interpreter exit PySide may already have deleted the QThread (seen under xcb);
    # Qt aborts on deleting a running thread, so one already deleted had stopped.
    with contextlib.suppress(RuntimeError):
        thread.stop()


@atexit.register
def _stop_render_threads() -> None:
    for thread in list(_RENDER_THREADS):
        _retire(thread)


class BackgroundRenderer(QObject):
    """Renders one widget's Markdown in a worker thread; only the newest answer arrives.

    ``slow`` fires once a request has waited ``LOADING_DELAY_MS`` without an answer, so
    the widget can say something is coming instead of flashing a notice on every key.
    The thread stops when ``owner`` is destroyed.
    """

    rendered = Signal(str)  # the newest request's HTML
    failed = Signal(str)  # why the newest request could not be rendered
    slow = Signal()

    def __init__(self, owner: QObject, name: str, subject: str = "The article") -> None:
        super().__init__(owner)
        self._request = 0
        self._busy = False
        self._thread = WorkerThread(RenderWorker(subject), name)
        _RENDER_THREADS.add(self._thread)
        self._thread.worker.resultsReady.connect(self._on_rendered)
        self._thread.worker.requestFailed.connect(self._on_failed)
        owner.destroyed.connect(functools.partial(_retire, self._thread))
        self._loading = QTimer(self)
        self._loading.setSingleShot(True)
        self._loading.setInterval(LOADING_DELAY_MS)
        self._loading.timeout.connect(self._on_slow)

    @property
    def busy(self) -> bool:
        """True from a request until its answer (or a newer request's) has arrived."""
        return self._busy

    def render(self, markdown: str) -> None:
        """Render ``markdown``; any answer to an earlier request will be dropped."""
        self._request += 1
        self._busy = True
        self._thread.worker.request(self._request, markdown)
        self._loading.start()

    def cancel(self) -> None:
        """Drop whatever is being rendered: nothing arrives until the next request."""
        self._request += 1
        self._busy = False
        self._loading.stop()

    @Slot(int, object)
    def _on_rendered(self, request_id: int, html: str) -> None:
        if self._settle(request_id):
            self.rendered.emit(html)

    @Slot(int, str)
    def _on_failed(self, request_id: int, reason: str) -> None:
        if self._settle(request_id):
            self.failed.emit(reason)

    def _settle(self, request_id: int) -> bool:
        if request_id != self._request or not self._busy:
            return False  # a newer request was made, or this one was cancelled
        self._busy = False
        self._loading.stop()
        return True

    def _on_slow(self) -> None:
        if self._busy:
            self.slow.emit()
