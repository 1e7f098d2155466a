"""Telling the agent when a promise falls due while Companion is open.

The first check (just after start-up) announces everything already due, once; after
that only what newly falls due is announced: promises recorded for today, promises
whose date arrives at midnight, and rescheduled promises whose new date arrives.
Nothing is announced twice for the same due date in one session, so a calm banner
is not turned into a nag. The check is a read through the window's runner (off the
UI thread), made every minute and whenever promises change, here or at another desk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QObject, QTimer, Signal

from companion.changes import Changes, Topic
from companion.clock import local_today
from companion.followups import Announced, announcement_key, due_by, newly_due
from companion.promises import PromiseView
from companion.users import User
from ui.service_runner import ServiceRunner

log = logging.getLogger(__name__)


class DueNotifier(QObject):
    promisesFellDue = Signal(list)  # list[PromiseView], most overdue first

    def __init__(
        self,
        user: User,
        runner: ServiceRunner,
        parent: QObject | None = None,
        interval_ms: int = 60_000,
        today_fn: Callable[[], date] = local_today,
    ) -> None:
        super().__init__(parent)
        self.user = user
        self.runner = runner
        self.today_fn = today_fn
        self._announced: set[tuple[str, date]] = set()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check_now)
        self.timer.start()
        # Deferred to the event loop, so whoever created the notifier can connect first.
        self._first_check = QTimer(self)
        self._first_check.setSingleShot(True)
        self._first_check.timeout.connect(self.check_now)
        self._first_check.start(0)
        runner.changed.connect(self.handle_changes)

    @property
    def announced(self) -> Announced:
        return frozenset(self._announced)

    def handle_changes(self, changes: Changes) -> None:
        """A promise recorded, kept or moved (here or elsewhere) may be due: check now."""
        if changes.touches(Topic.PROMISES) and self.timer.isActive():
            self.check_now()

    def check_now(self) -> None:
        """Announce the user's promises that are due and were not yet announced."""
        self._first_check.stop()
        today = self.today_fn()

        def failed(message: str) -> None:
            # The next tick tries again; the follow-ups view reports read errors to the agent.
            log.warning("due promises could not be checked: %s", message)

        self.runner.read(
            due_by,
            self.user,
            today,
            on_done=lambda due: self._announce(due, today),
            on_error=failed,
        )

    def _announce(self, candidates: list[PromiseView], today: date) -> None:
        fresh = newly_due(candidates, today, self._announced)
        self._announced.update(announcement_key(promise) for promise in fresh)
        if fresh:
            self.promisesFellDue.emit(fresh)

    def stop(self) -> None:
        self._first_check.stop()
        self.timer.stop()
