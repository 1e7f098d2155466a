"""Where the call is: greet → goal → information → resolve or escalate → close → record.

The current stage is highlighted and the call's running time shown beside it. Moving
to a stage (a click, or Ctrl+] / Ctrl+[ for next and previous) opens that stage's
playbook article, so the advice for the moment is already on screen.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from kb.stages import CALL_FLOW


class StageBar(QWidget):
    stageChosen = Signal(str)  # the stage's playbook slug

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageBar")
        self.current = 0
        self.started_at: datetime | None = None
        self.ended_at: datetime | None = None
        self.buttons: list[QPushButton] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for position, stage in enumerate(CALL_FLOW):
            button = QPushButton(stage.label)
            button.setCheckable(True)
            button.setProperty("callStage", True)
            button.setToolTip(f"{stage.hint} — opens “{stage.slug}”")
            button.clicked.connect(lambda _=False, p=position: self.go_to(p))
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)
        self.timer_label = QLabel("00:00")
        self.timer_label.setObjectName("callTimer")
        self.timer_label.setToolTip("Time on this call")
        layout.addWidget(self.timer_label)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._mark()

    @property
    def stage_key(self) -> str:
        return CALL_FLOW[self.current].key

    @property
    def current_slug(self) -> str:
        return CALL_FLOW[self.current].slug

    def start(self, started_at: datetime, ended_at: datetime | None = None) -> None:
        """Show a call's stages from the beginning and run its clock (stopped if ended)."""
        self.started_at, self.ended_at = started_at, ended_at
        self.current = 0
        self._mark()
        self._tick()
        if ended_at is None:
            self._ticker.start()
        else:
            self._ticker.stop()

    def stop(self) -> None:
        self._ticker.stop()

    def go_to(self, position: int) -> None:
        self.current = max(0, min(len(CALL_FLOW) - 1, position))
        self._mark()
        self.stageChosen.emit(CALL_FLOW[self.current].slug)

    def go_to_key(self, key: str) -> None:
        for position, stage in enumerate(CALL_FLOW):
            if stage.key == key:
                self.go_to(position)

    def next(self) -> None:
        self.go_to(self.current + 1)

    def previous(self) -> None:
        self.go_to(self.current - 1)

    def elapsed_text(self) -> str:
        if self.started_at is None:
            return "00:00"
        end = self.ended_at or datetime.now(UTC).replace(tzinfo=None)
        seconds = max(0, int((end - self.started_at).total_seconds()))
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes:02}:{seconds:02}"

    def _tick(self) -> None:
        self.timer_label.setText(self.elapsed_text())

    def _mark(self) -> None:
        for position, button in enumerate(self.buttons):
            button.setChecked(position == self.current)
            button.setProperty("done", position < self.current)
            button.style().unpolish(button)
            button.style().polish(button)
