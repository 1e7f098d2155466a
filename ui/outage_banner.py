"""One calm line at the top of the window while the database is away.

When the runner loses the database it keeps every job and retries with the delays
of :data:`companion.outage.RETRY_DELAYS_S`; this bar says so in words an agent can
act on (nothing: the work is kept) and counts down to the next try, following the
same schedule. When a retry succeeds it says "Back online" with how much was waiting,
then steps aside. It never takes the keyboard focus: an agent typing in the call pane
keeps typing while it appears and disappears.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from companion.outage import RETRY_DELAYS_S, RETRY_EVERY_S

BACK_ONLINE_SHOWN_MS = 5000
TICK_MS = 1000


class _Runner(Protocol):
    """What the bar needs from :class:`ui.service_runner.ServiceRunner`."""

    connectionLost: Signal
    connectionRestored: Signal

    @property
    def pending(self) -> int: ...


def lost_text(location: str, seconds: int | None) -> str:
    when = "retrying now…" if seconds is None or seconds <= 0 else f"retrying in {seconds} s."
    return (
        f"The database at {location} is not answering. Your work is kept and will be "
        f"saved when it is back — {when}"
    )


def restored_text(saved: int) -> str:
    if saved <= 0:
        return "Back online."
    return f"Back online: {saved} saved."


class OutageBanner(QFrame):
    """The bar; connect it with :meth:`follow` to the window's runner."""

    def __init__(
        self,
        location: str,
        parent: QWidget | None = None,
        *,
        delays: Sequence[float] = RETRY_DELAYS_S,
        back_online_ms: int = BACK_ONLINE_SHOWN_MS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("outageBanner")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName("Database status")
        self.setStyleSheet(
            "QFrame#outageBanner { background: #fdf6e3; border: 1px solid #eadbb0;"
            " border-radius: 6px; }"
        )
        self.location = location
        self._delays = [int(delay) for delay in delays] or [RETRY_EVERY_S]
        self._back_online_ms = back_online_ms
        self._attempt = 0
        self._seconds_left = 0
        self._runner: _Runner | None = None
        self.label = QLabel()
        self.label.setObjectName("outageBannerText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 6)
        layout.addWidget(self.label, 1)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._count_down)
        self._leave = QTimer(self)
        self._leave.setSingleShot(True)
        self._leave.timeout.connect(self.hide)
        self.hide()

    def follow(self, runner: _Runner) -> None:
        """Show and hide with ``runner``'s connectionLost / connectionRestored."""
        self._runner = runner
        runner.connectionLost.connect(self.show_lost)
        runner.connectionRestored.connect(self.show_restored)

    @property
    def text(self) -> str:
        return self.label.text()

    @Slot(str)
    def show_lost(self, details: str = "") -> None:
        """The database went away; ``details`` (the driver's words) go in the tooltip."""
        self._leave.stop()
        self._attempt = 0
        self._seconds_left = self._delay(0)
        self.setToolTip(details)
        self.label.setText(lost_text(self.location, self._seconds_left))
        self._tick.start()
        self.show()

    @Slot()
    def show_restored(self) -> None:
        """A retry worked: say so, with how many waiting operations carry on, then leave."""
        self._tick.stop()
        saved = self._runner.pending if self._runner is not None else 0
        self.setToolTip("")
        self.label.setText(restored_text(saved))
        self.show()
        self._leave.start(self._back_online_ms)

    def _count_down(self) -> None:
        self._seconds_left -= 1
        if self._seconds_left <= 0:
            self.label.setText(lost_text(self.location, None))
            self._attempt += 1
            self._seconds_left = self._delay(self._attempt) + 1
            return
        self.label.setText(lost_text(self.location, self._seconds_left))

    def _delay(self, attempt: int) -> int:
        if attempt < len(self._delays):
            return max(1, self._delays[attempt])
        return RETRY_EVERY_S
