"""A calm, dismissible bar saying which promises have fallen due.

It names the first promises (customer and what was promised) so the agent can tell
at a glance whether it matters now, and offers the follow-ups list. Promises that
fall due while the bar is still showing join it instead of replacing it, so nothing
announced goes unseen until the agent dismisses the bar.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from companion.promises import PromiseView

NAMED = 2
TEXT_MAX = 60


def banner_text(promises: Sequence[PromiseView]) -> str:
    count = len(promises)
    if not count:
        return ""
    lead = "1 promise is due" if count == 1 else f"{count} promises are due"
    named = "; ".join(_describe(promise) for promise in promises[:NAMED])
    more = f" and {count - NAMED} more" if count > NAMED else ""
    return f"{lead}: {named}{more}"


def _describe(promise: PromiseView) -> str:
    text = " ".join(promise.text.split())
    if len(text) > TEXT_MAX:
        text = text[:TEXT_MAX].rstrip() + "…"
    return f"{' '.join(promise.customer.display_name.split())} — {text}"


class DueBanner(QFrame):
    showRequested = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dueBanner")
        self.setStyleSheet(
            "QFrame#dueBanner { background: #eef3fb; border: 1px solid #c9d8ef;"
            " border-radius: 6px; }"
        )
        self._promises: list[PromiseView] = []
        self.label = QLabel()
        self.label.setObjectName("dueBannerText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.show_button = QPushButton("Show follow-ups")
        self.show_button.setToolTip("Open the follow-ups list")
        self.show_button.setAutoDefault(False)
        self.show_button.clicked.connect(self._show_requested)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setToolTip("Hide this reminder; the promises stay in follow-ups")
        self.dismiss_button.setAutoDefault(False)
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.show_button)
        layout.addWidget(self.dismiss_button)
        self.hide()

    def show_promises(self, promises: Sequence[PromiseView]) -> None:
        """Show the bar for ``promises``, added to those it already shows (if showing)."""
        current = self._promises if not self.isHidden() else []
        known = {promise.id for promise in current}
        merged = current + [p for p in promises if p.id not in known]
        if not merged:
            return
        self._promises = sorted(merged, key=lambda p: p.due_on)
        self.label.setText(banner_text(self._promises))
        # Escaped and marked up, or Qt would render a customer's "<b>" in the tooltip as bold.
        rows = "<br>".join(html.escape(_describe(p)) for p in self._promises)
        self.setToolTip(f"<p>{rows}</p>")
        self.show()

    def promises(self) -> list[PromiseView]:
        return list(self._promises)

    def text(self) -> str:
        return self.label.text()

    def dismiss(self) -> None:
        self._promises = []
        self.hide()
        self.dismissed.emit()

    def _show_requested(self) -> None:
        self.showRequested.emit()
        self.dismiss()
