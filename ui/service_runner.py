"""Every database call the window makes, off the UI thread, with what it changed.

This is the window's one operation runner (the part Anki calls ``CollectionOp``).
Widgets submit a service call, a write or a read, with what to do on success and on
failure; nothing in the window queries the database on the UI thread, since on a
shared PostgreSQL store every query is a network round trip. Jobs run one at a time,
in the order they were asked for, so a read asked for after a write sees it.

Each job runs inside :func:`companion.changes.collecting`: what the services noted is
the operation's :class:`Changes`, and after the widget's own callback the runner
emits ``changed`` with it, once per operation that changed something. The feed of
other desks' changes pushes theirs into the same signal through :meth:`publish`, so
every view refreshes from one place and decides for itself whether it is affected,
instead of widgets telling each other what they did.

Failures reach the widget's error callback as the user-facing message (a locked
database names the file), so the widget keeps the agent's text. A refusal of the
person (:class:`PermissionDenied`) also reaches the window through
``rightsRefused``. A lost connection is different: the job is not failed but held,
with every job after it, in order; the runner says so once (``connectionLost``),
reconnects and retries with growing delays, says ``connectionRestored`` when a
retry succeeds and carries on with the queue. Write services take ids chosen by the
caller, so a write that may have committed before the connection dropped is found,
not written twice, when it is retried.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import peewee
from PySide6.QtCore import QObject, Signal, Slot

from companion import outage
from companion.changes import Changes, collecting
from companion.db import database, explain_operational_error
from companion.errors import CompanionError, PermissionDenied
from ui.worker_thread import WorkerThread

log = logging.getLogger(__name__)

OnDone = Callable[[Any], None]
OnError = Callable[[str], None]
Reconnect = Callable[[Any], None]

CLOSED_DURING_OUTAGE = (
    "The database could not be reached before the window closed; this was not saved."
)


@dataclass(frozen=True)
class _Job:
    id: int
    function: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class _ServiceWorker(QObject):
    finished = Signal(int, object, object)  # job id, result, Changes
    failed = Signal(int, str)
    refused = Signal(object)
    lost = Signal(str)
    restored = Signal()
    _run = Signal(object)

    def __init__(self, db_url: str, delays: Sequence[float], reconnect: Reconnect) -> None:
        super().__init__()
        self._db_url = db_url
        self._delays = tuple(delays) or (0.0,)
        self._reconnect = reconnect
        self.stopping = threading.Event()
        self._run.connect(self._execute)

    @Slot(object)
    def _execute(self, job: _Job) -> None:
        """Run one job; while the connection is lost, hold it (and the queue behind it)."""
        attempt = 0
        while True:
            try:
                with collecting() as collector:
                    result = job.function(*job.args, **job.kwargs)
            except Exception as exc:  # noqa: BLE001 - every failure becomes a message
                if not outage.is_connection_lost(exc):
                    self._fail(job, exc)
                    return
                if attempt == 0:
                    self.lost.emit(self._describe_loss(exc))
                if not self._wait_and_reconnect(attempt):
                    self.failed.emit(job.id, CLOSED_DURING_OUTAGE)
                    return
                attempt += 1
            else:
                if attempt:
                    self.restored.emit()
                self.finished.emit(job.id, result, collector.changes)
                return

    def _wait_and_reconnect(self, attempt: int) -> bool:
        """Wait this attempt's delay, then reopen the connection; False if the window closes."""
        delay = self._delays[min(attempt, len(self._delays) - 1)]
        if self.stopping.wait(delay):
            return False
        try:
            self._reconnect(database.obj)
        except Exception as exc:  # noqa: BLE001 - the next attempt reports it
            log.info("reconnecting failed: %s", exc)
        return True

    def _describe_loss(self, exc: Exception) -> str:
        if isinstance(exc, peewee.DatabaseError):
            return explain_operational_error(self._db_url, exc)
        return str(exc) or type(exc).__name__

    def _fail(self, job: _Job, exc: Exception) -> None:
        if isinstance(exc, PermissionDenied):
            self.failed.emit(job.id, str(exc))
            self.refused.emit(exc)
        elif isinstance(exc, CompanionError):
            self.failed.emit(job.id, str(exc))
        elif isinstance(exc, peewee.DatabaseError):
            self.failed.emit(job.id, explain_operational_error(self._db_url, exc))
        else:
            log.exception(
                "service call %s failed", getattr(job.function, "__name__", job), exc_info=exc
            )
            self.failed.emit(job.id, f"Something went wrong and nothing was saved: {exc}")


class ServiceRunner(QObject):
    """Submit service calls (writes and reads); callbacks run on the UI thread."""

    busyChanged = Signal(bool)
    rightsRefused = Signal(object)  # the PermissionDenied a service call raised
    changed = Signal(object)  # Changes: one per operation that changed something, or published
    connectionLost = Signal(str)  # the database went away; jobs are held and retried
    connectionRestored = Signal()  # a retry succeeded; held jobs carry on in order

    def __init__(
        self,
        db_url: str,
        parent: QObject | None = None,
        *,
        retry_delays: Sequence[float] = outage.RETRY_DELAYS_S,
        reconnect: Reconnect = outage.reconnect,
    ) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[OnDone | None, OnError | None]] = {}
        self.connection_lost = False
        worker = _ServiceWorker(db_url, retry_delays, reconnect)
        self._thread = WorkerThread(worker, "services")
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.refused.connect(self.rightsRefused)
        worker.lost.connect(self._on_lost)
        worker.restored.connect(self._on_restored)

    def submit(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_done: OnDone | None = None,
        on_error: OnError | None = None,
        **kwargs: Any,
    ) -> int:
        """Run ``function(*args, **kwargs)`` off the UI thread, after every job asked before."""
        job = _Job(next(self._ids), function, args, kwargs)
        self._callbacks[job.id] = (on_done, on_error)
        if len(self._callbacks) == 1:
            self.busyChanged.emit(True)
        self._thread.worker._run.emit(job)
        return job.id

    def read(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_done: OnDone,
        on_error: OnError | None = None,
        **kwargs: Any,
    ) -> int:
        """A read: the same queue as writes, so it sees every write asked for before it."""
        return self.submit(function, *args, on_done=on_done, on_error=on_error, **kwargs)

    @Slot(object)
    def publish(self, changes: Changes) -> None:
        """Changes made elsewhere (another desk, another process) join the same signal."""
        if changes:
            self.changed.emit(changes)

    @property
    def pending(self) -> int:
        """Jobs asked for whose callbacks (and the refreshes they asked for) have not run."""
        return len(self._callbacks)

    def stop(self) -> None:
        """Finish queued work (giving up on an unreachable database), end the thread."""
        self._thread.worker.stopping.set()
        self._thread.stop()

    @Slot(int, object, object)
    def _on_finished(self, job_id: int, result: object, changes: Changes) -> None:
        on_done, _ = self._callbacks.get(job_id, (None, None))
        try:
            if on_done is not None:
                _call_back(on_done, result)
            if changes:
                self.changed.emit(changes)
        finally:
            self._settle(job_id)

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        _, on_error = self._callbacks.get(job_id, (None, None))
        try:
            if on_error is not None:
                _call_back(on_error, message)
            else:
                log.warning("unhandled service failure: %s", message)
        finally:
            self._settle(job_id)

    @Slot(str)
    def _on_lost(self, message: str) -> None:
        self.connection_lost = True
        self.connectionLost.emit(message)

    @Slot()
    def _on_restored(self) -> None:
        self.connection_lost = False
        self.connectionRestored.emit()

    def _settle(self, job_id: int) -> None:
        """Forget a job once its callbacks ran; jobs they submitted keep the runner busy."""
        self._callbacks.pop(job_id, None)
        if not self._callbacks:
            self.busyChanged.emit(False)


def _call_back(callback: Callable[[Any], None], value: object) -> None:
    """Run a widget's callback; a widget closed while its job ran just misses the answer."""
    try:
        callback(value)
    except RuntimeError as exc:
        if "already deleted" not in str(exc):
            raise
        log.info("a closed widget missed a database answer: %s", exc)
