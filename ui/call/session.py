"""The call being handled now, and every change to it.

Widgets never call the call-record services directly: they ask the session, which
sends writes and reads through the :class:`ServiceRunner` (off the UI thread). Each
write carries an id chosen here, before it is sent, so that a write retried after a
lost connection finds the row it may already have made instead of making two. The
session does not reload after its own writes: it listens to the runner's ``changed``
signal, which carries this window's operations and other desks' alike, and reloads
the call on screen whenever a change touches its customer, so the card and timeline
show a promise kept in Follow-ups or an entry added at another desk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Signal

from companion import call_desks, calls, entries, history, promises
from companion.calls import CallView
from companion.changes import Changes
from companion.db import new_id
from companion.entries import EntryKind, EntryView
from companion.history import History
from companion.promises import PromiseResult, PromiseView
from companion.users import User
from ui.service_runner import ServiceRunner

OnError = Callable[[str], None]


@dataclass(frozen=True)
class CallState:
    """Everything the call pane shows about one call, read in one job."""

    call: CallView
    entries: list[EntryView]
    promises: list[PromiseView]
    history: History


def load_call_state(user: User, call_id: str) -> CallState:
    call = calls.get_call(user, call_id)
    return CallState(
        call,
        entries.entry_views(call.id),
        promises.promises_of_call(call.id),
        history.history(user, call.customer.id),
    )


def held_calls(user: User, current: str | None) -> list[CallView]:
    """Calls this user left open (on hold, or the app closed mid-call), not ``current``.

    Those held at this desk come first; those open at another desk come last, each
    saying where (see :mod:`companion.call_desks`).
    """
    ids = calls.open_call_ids(user) + call_desks.calls_open_elsewhere(user)
    return [calls.get_call(user, cid) for cid in ids if cid != current]


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
        self._wanted: str | None = None  # the call on screen, or being loaded to be
        runner.changed.connect(self._on_changed)

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
            self.show_call(call.id, on_shown=on_started)

        self.runner.submit(
            calls.start_call,
            self.user,
            customer_id,
            direction=direction,
            related=related,
            call_id=new_id(),
            on_done=started,
            on_error=on_error or self.failed.emit,
        )

    def show_call(
        self,
        call_id: str,
        *,
        on_shown: Callable[[CallView], None] | None = None,
        on_error: OnError | None = None,
    ) -> None:
        """Make ``call_id`` the current call once everything the pane shows is loaded."""

        def loaded(state: CallState) -> None:
            if self._adopt(state) and on_shown is not None:
                on_shown(state.call)

        self._wanted = call_id
        self.runner.read(
            load_call_state,
            self.user,
            call_id,
            on_done=loaded,
            on_error=on_error or self.failed.emit,
        )

    def put_aside(self) -> None:
        """Stop showing the current call; an open call stays open (held) in the database."""
        self._wanted = None
        self.call = None
        self.history = None
        self.entries, self.promises = [], []
        self.callChanged.emit(None)
        self.historyChanged.emit(None)
        self.recordChanged.emit()

    def held_calls(self, on_done: Callable[[list[CallView]], None]) -> None:
        """Calls this user left open, e.g. on hold or when the app was closed mid-call."""
        current = self.call.id if self.call else None
        self.runner.read(held_calls, self.user, current, on_done=on_done, on_error=self.failed.emit)

    # -- writing the record -----------------------------------------------------------

    def add_entry(
        self,
        kind: EntryKind,
        text: str,
        on_saved: Callable[[EntryView], None],
        on_error: OnError,
    ) -> None:
        self._write(
            entries.add_entry, kind, text, entry_id=new_id(), on_done=on_saved, on_error=on_error
        )

    def add_promise(
        self,
        text: str,
        due_on: date,
        owner: User,
        on_saved: Callable[[PromiseResult], None],
        on_error: OnError,
    ) -> None:
        self._write(
            promises.record_promise, text, due_on, owner=owner, promise_id=new_id(),
            on_done=on_saved, on_error=on_error,
        )  # fmt: skip

    def amend(
        self,
        entry_id: str,
        text: str,
        on_saved: Callable[[EntryView], None],
        on_error: OnError,
    ) -> None:
        self.runner.submit(
            entries.amend_entry, self.user, entry_id, text, amendment_id=new_id(),
            on_done=on_saved, on_error=on_error,
        )  # fmt: skip

    def update_fields(self, on_error: OnError | None = None, **changes: str) -> None:
        """Save goal / checklist / summary fields of the open call."""
        if not self.active or self.call is None:
            return
        self.runner.submit(
            calls.update_call,
            self.user,
            self.call.id,
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
            if self._wanted == call.id:
                self.call = call
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

        self.runner.submit(
            function, self.user, self.call.id, *args, on_done=on_done, on_error=on_error, **kwargs
        )

    def _on_changed(self, changes: Changes) -> None:
        """Reload the call on screen when anything its pane or card shows has moved."""
        call = self.call
        if call is None or self._wanted != call.id:
            return
        if changes.touches_customer(call.customer.id) or call.id in changes.calls:
            self.runner.read(
                load_call_state, self.user, call.id, on_done=self._adopt, on_error=self.failed.emit
            )

    def _adopt(self, state: CallState) -> bool:
        if state.call.id != self._wanted:
            return False  # put aside, or another call asked for, while this was loading
        self.call = state.call
        self.entries, self.promises = state.entries, state.promises
        self.history = state.history
        self.callChanged.emit(self.call)
        self.recordChanged.emit()
        self.historyChanged.emit(self.history)
        return True
