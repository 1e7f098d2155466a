"""Database writes off the UI thread, in the order they were asked for.

A write can wait up to the busy timeout when another program holds the database,
and the window must not freeze while it does. Widgets submit a service call with
what to do on success and on failure; the failure message is the user-facing one
(a locked database names the file), so the widget can keep the agent's text and
say what happened instead of dropping anything.

A refusal of the person (:class:`PermissionDenied`) also reaches the window through
``rightsRefused``, after the widget's own error callback: an account disabled or
demoted at another desk concerns the whole window (sign in again, rebuild the menus),
not only the widget whose call was refused.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import peewee
from PySide6.QtCore import QObject, Signal, Slot

from companion.db import explain_operational_error
from companion.errors import CompanionError, PermissionDenied
from ui.worker_thread import WorkerThread

log = logging.getLogger(__name__)

OnDone = Callable[[Any], None]
OnError = Callable[[str], None]


@dataclass(frozen=True)
class _Job:
    id: int
    function: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class _ServiceWorker(QObject):
    finished = Signal(int, object)
    failed = Signal(int, str)
    refused = Signal(object)
    _run = Signal(object)

    def __init__(self, db_url: str) -> None:
        super().__init__()
        self._db_url = db_url
        self._run.connect(self._execute)

    @Slot(object)
    def _execute(self, job: _Job) -> None:
        try:
            result = job.function(*job.args, **job.kwargs)
        except PermissionDenied as exc:
            self.failed.emit(job.id, str(exc))
            self.refused.emit(exc)
        except CompanionError as exc:
            self.failed.emit(job.id, str(exc))
        except peewee.DatabaseError as exc:
            self.failed.emit(job.id, explain_operational_error(self._db_url, exc))
        except Exception as exc:
            log.exception("service call %s failed", getattr(job.function, "__name__", job))
            self.failed.emit(job.id, f"Something went wrong and nothing was saved: {exc}")
        else:
            self.finished.emit(job.id, result)


class ServiceRunner(QObject):
    """Submit service calls; callbacks run on the UI thread."""

    busyChanged = Signal(bool)
    rightsRefused = Signal(object)  # the PermissionDenied a service call raised

    def __init__(self, db_url: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[OnDone | None, OnError | None]] = {}
        self._thread = WorkerThread(_ServiceWorker(db_url), "services")
        self._thread.worker.finished.connect(self._on_finished)
        self._thread.worker.failed.connect(self._on_failed)
        self._thread.worker.refused.connect(self.rightsRefused)

    def submit(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_done: OnDone | None = None,
        on_error: OnError | None = None,
        **kwargs: Any,
    ) -> int:
        job = _Job(next(self._ids), function, args, kwargs)
        self._callbacks[job.id] = (on_done, on_error)
        if len(self._callbacks) == 1:
            self.busyChanged.emit(True)
        self._thread.worker._run.emit(job)
        return job.id

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def stop(self) -> None:
        self._thread.stop()

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: object) -> None:
        on_done, _ = self._pop(job_id)
        if on_done is not None:
            on_done(result)

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        _, on_error = self._pop(job_id)
        if on_error is not None:
            on_error(message)
        else:
            log.warning("unhandled service failure: %s", message)

    def _pop(self, job_id: int) -> tuple[OnDone | None, OnError | None]:
        callbacks = self._callbacks.pop(job_id, (None, None))
        if not self._callbacks:
            self.busyChanged.emit(False)
        return callbacks
