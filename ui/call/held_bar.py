"""A calm line above the active call naming the calls on hold, with Resume.

While the agent talks to one caller, the others on hold are out of sight: the held
list lives on the "Who is calling?" page. This line keeps them in view ("On hold: Ana
Ruiz (3 min)") so nobody is left waiting and forgotten. How long a call has been on
hold is known for calls put on hold in this window; for older ones (held before a
restart) the line says when the call started instead.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from companion.calls import CallView
from ui.time_format import local_datetime

TICK_MS = 30_000
SHOWN_BY_NAME = 3


def waited(since: datetime, now: datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    return "under a minute" if minutes < 1 else f"{minutes} min"


def held_phrase(call: CallView, held_since: datetime | None, now: datetime) -> str:
    """ "Ana Ruiz (3 min)", or "Ana Ruiz (started 14:02)" when the hold time is unknown."""
    name = call.customer.display_name
    if held_since is None:
        return f"{name} (started {local_datetime(call.started_at):%H:%M})"
    return f"{name} ({waited(held_since, now)})"


def held_text(calls: list[CallView], held_since: dict[str, datetime], now: datetime) -> str:
    """The whole line: the first few calls by name, then how many more."""
    named = [held_phrase(c, held_since.get(c.id), now) for c in calls[:SHOWN_BY_NAME]]
    more = len(calls) - len(named)
    tail = f" and {more} more" if more else ""
    return f"On hold: {', '.join(named)}{tail}"


class HeldCallsBar(QWidget):
    """Shown only while a call is active and at least one other call is on hold."""

    resumeRequested = Signal(str)  # call id of the first call on hold

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("heldCallsBar")
        self._calls: list[CallView] = []
        self._held_since: dict[str, datetime] = {}
        self.label = QLabel()
        self.label.setObjectName("heldCallsLine")
        self.label.setWordWrap(True)
        self.resume_button = QPushButton("&Resume")
        self.resume_button.setObjectName("resumeHeld")
        self.resume_button.clicked.connect(self._resume_first)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.resume_button)
        self.setStyleSheet(
            "#heldCallsBar { background: #eef3f8; border: 1px solid #c9d6e3; border-radius: 4px; }"
        )
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._refresh_text)
        self.hide()

    def show_calls(self, calls: list[CallView], held_since: dict[str, datetime]) -> None:
        """Most recently held first; hidden when there is none."""
        self._held_since = dict(held_since)
        epoch = datetime.min.replace(tzinfo=UTC)
        self._calls = sorted(calls, key=lambda c: held_since.get(c.id, epoch), reverse=True)
        if not self._calls:
            self._tick.stop()
            self.hide()
            return
        first = self._calls[0].customer.display_name
        self.resume_button.setToolTip(
            f"Put this call on hold and resume the call with {first} (Alt+R)"
        )
        self.resume_button.setAccessibleName(f"Resume the call with {first}")
        self._refresh_text()
        self._tick.start()
        self.show()

    def calls(self) -> list[CallView]:
        return list(self._calls)

    def _refresh_text(self) -> None:
        self.label.setText(held_text(self._calls, self._held_since, datetime.now(UTC)) + " —")

    def _resume_first(self) -> None:
        if self._calls:
            self.resumeRequested.emit(self._calls[0].id)
