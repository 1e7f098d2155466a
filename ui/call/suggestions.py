"""Playbook articles that fit what is being said on this call.

As the goal and the entries are typed, the call's words are sent (off the UI thread,
newest wins) to the playbook index; the three best articles appear as buttons.
Alt+S opens the first; a click opens any. Which articles were opened is stored with
the call by the pane.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from kb.search.index import SearchHit
from kb.workspace import Workspace
from ui.latest_wins import LatestWinsWorker

SUGGESTIONS = 3
DEBOUNCE_MS = 400


class SuggestionWorker(LatestWinsWorker):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self._workspace = workspace

    def answer(self, payload: Any) -> tuple[SearchHit, ...]:
        return self._workspace.index.related(str(payload), limit=SUGGESTIONS)


class SuggestionBar(QWidget):
    articleChosen = Signal(str)  # slug
    suggestionsShown = Signal()

    def __init__(self, worker: SuggestionWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suggestions")
        self._worker = worker
        self._latest = 0
        self._text = ""
        self.hits: tuple[SearchHit, ...] = ()
        self.label = QLabel("Playbook:")
        self.label.setObjectName("suggestionLabel")
        self.buttons: list[QPushButton] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        for position in range(SUGGESTIONS):
            button = QPushButton()
            button.setProperty("suggestion", True)
            button.setFocusPolicy(button.focusPolicy())
            button.clicked.connect(lambda _=False, p=position: self.open(p))
            button.hide()
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._send)
        worker.resultsReady.connect(self._on_results)

    def update_text(self, text: str) -> None:
        """The call's words changed; ask again after a short pause in typing."""
        self._text = text
        self._debounce.start()

    def clear(self) -> None:
        self._text = ""
        self._latest += 1
        self._show(())

    def open(self, position: int = 0) -> None:
        if 0 <= position < len(self.hits):
            self.articleChosen.emit(self.hits[position].slug)

    def _send(self) -> None:
        self._latest += 1
        if self._text.strip():
            self._worker.request(self._latest, self._text)
        else:
            self._show(())

    @Slot(int, object)
    def _on_results(self, request_id: int, hits: tuple[SearchHit, ...]) -> None:
        if request_id == self._latest:
            self._show(hits)

    def _show(self, hits: tuple[SearchHit, ...]) -> None:
        self.hits = hits
        for position, button in enumerate(self.buttons):
            if position < len(hits):
                shortcut = "  (Alt+S)" if position == 0 else ""
                button.setText(f"{hits[position].title}{shortcut}")
                button.setToolTip(hits[position].snippet.to_text(mark=""))
                button.show()
            else:
                button.hide()
        self.label.setText("Playbook:" if hits else "Playbook suggestions appear as you type.")
        self.suggestionsShown.emit()
