"""The call being handled now, and every change to it.

Widgets never call the call-record services directly: they ask the session, which
sends writes through the :class:`ServiceRunner` (off the UI thread) and reloads what
the pane shows once a write has landed. Reads run on the UI thread; with WAL they
never wait for a writer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Signal

from companion import calls, entries, history, promises
from companion.calls import CallView
from companion.entries import EntryKind, EntryView
from companion.history import History
from companion.promises import PromiseResult, PromiseView
from companion.users import User
from ui.service_runner import ServiceRunner

OnError = Callable[[str], None]


class CallSession(QObject):
    callChanged = Signal(object)  # CallView | None
    recordChanged = Signal()  # entries or promises of the current call
    historyChanged = Signal(object)  # History | None
    failed = Signal(str)

    def __init__(self, user: User, runner: ServiceRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.user = user
        self.runner = runner
        self.call: CallView | None = None
        self.history: History | None = None
        self.entries: list[EntryView] = []
        self.promises: list[PromiseView] = []

    # -- which call ------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.call is not None and not self.call.is_closed

    def start(
        self,
        customer_id: str,
        *,
        direction: str = "inbound",
        related: tuple[str, ...] = (),
        on_started: Callable[[CallView], None] | None = None,
        on_error: OnError | None = None,
    ) -> None:
        def started(call: CallView) -> None:
            self.show_call(call.id)
            if on_started is not None:
                on_started(call)

        self.runner.submit(
            calls.start_call,
            self.user,
            customer_id,
            direction=direction,
            related=related,
            on_done=started,
            on_error=on_error or self.failed.emit,
        )

    def show_call(self, call_id: str) -> None:
        """Make ``call_id`` the current call and load everything the pane shows."""
        self.call = calls.get_call(self.user, call_id)
        self._reload_record()
        self._reload_history()
        self.callChanged.emit(self.call)

    def put_aside(self) -> None:
        """Stop showing the current call; an open call stays open (held) in the database."""
        self.call = None
        self.history = None
        self.entries, self.promises = [], []
        self.callChanged.emit(None)
        self.historyChanged.emit(None)
        self.recordChanged.emit()

    def held_calls(self) -> list[CallView]:
        """Calls this user left open, e.g. on hold or when the app was closed mid-call."""
        open_ids = calls.open_call_ids(self.user)
        current = self.call.id if self.call else None
        return [calls.get_call(self.user, cid) for cid in open_ids if cid != current]

    # -- writing the record -----------------------------------------------------------

    def add_entry(
        self,
        kind: EntryKind,
        text: str,
        on_saved: Callable[[EntryView], None],
        on_error: OnError,
    ) -> None:
        self._write(entries.add_entry, kind, text, on_done=on_saved, on_error=on_error)

    def add_promise(
        self,
        text: str,
        due_on: date,
        owner: User,
        on_saved: Callable[[PromiseResult], None],
        on_error: OnError,
    ) -> None:
        self._write(
            promises.record_promise, text, due_on, owner=owner, on_done=on_saved, on_error=on_error
        )

    def amend(
        self,
        entry_id: str,
        text: str,
        on_saved: Callable[[EntryView], None],
        on_error: OnError,
    ) -> None:
        def saved(entry: EntryView) -> None:
            self._reload_record()
            on_saved(entry)

        self.runner.submit(
            entries.amend_entry, self.user, entry_id, text, on_done=saved, on_error=on_error
        )

    def update_fields(self, on_error: OnError | None = None, **changes: str) -> None:
        """Save goal / checklist / summary fields of the open call."""
        if not self.active or self.call is None:
            return
        call_id = self.call.id

        def saved(call: CallView) -> None:
            if self.call is not None and self.call.id == call.id:
                self.call = call
                self.callChanged.emit(call)

        self.runner.submit(
            calls.update_call,
            self.user,
            call_id,
            on_done=saved,
            on_error=on_error or self.failed.emit,
            **changes,
        )

    def close(
        self,
        outcome: str,
        summary: str,
        on_closed: Callable[[CallView], None],
        on_error: OnError,
    ) -> None:
        if self.call is None:
            return

        def closed(call: CallView) -> None:
            self.call = call
            self._reload_history()
            self.callChanged.emit(call)
            on_closed(call)

        self.runner.submit(
            calls.close_call, self.user, self.call.id, outcome, summary,
            on_done=closed, on_error=on_error,
        )  # fmt: skip

    # -- internals --------------------------------------------------------------------

    def _write(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None],
        on_error: OnError,
        **kwargs: Any,
    ) -> None:
        if self.call is None:
            on_error("There is no call in progress: start a call first (Ctrl+N).")
            return

        def saved(result: Any) -> None:
            self._reload_record()
            on_done(result)

        self.runner.submit(
            function, self.user, self.call.id, *args, on_done=saved, on_error=on_error, **kwargs
        )

    def _reload_record(self) -> None:
        if self.call is None:
            return
        self.entries = entries.entry_views(self.call.id)
        self.promises = promises.promises_of_call(self.call.id)
        self.recordChanged.emit()

    def _reload_history(self) -> None:
        if self.call is None:
            return
        self.history = history.history(self.user, self.call.customer.id)
        self.historyChanged.emit(self.history)
