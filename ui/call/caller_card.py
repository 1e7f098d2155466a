"""Who is calling: numbers, linked people, what is still owed to them, recent calls.

A repeat caller should never have to repeat themselves, so everything the agent needs
to pick up where the last call left off is on this card before they say hello.
"""

from __future__ import annotations

import html
from datetime import date

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QListView, QVBoxLayout, QWidget

from companion.clock import local_today
from companion.customer_links import LinkView
from companion.history import CallSummary, History
from companion.promises import PromiseView
from ui.list_model import RowListModel, RowRole
from ui.time_format import local_datetime

OVERDUE = QColor("#b3261e")
RECENT_CALLS = 5


def promise_line(promise: PromiseView, today: date) -> str:
    if promise.due_on < today:
        when = f"OVERDUE {(today - promise.due_on).days}d"
    elif promise.due_on == today:
        when = "due today"
    else:
        when = f"due {promise.due_on:%a %d %b}"
    return f"{when} · {promise.text} · {promise.owner.display_name}"


def call_line(call: CallSummary) -> str:
    who = f"{call.customer.display_name} ({call.via_link}) · " if call.via_link else ""
    what = call.problem or call.summary or "no goal recorded"
    state = call.outcome.label if call.outcome else "open"
    return f"{local_datetime(call.started_at):%d %b %Y} · {who}{what} · {state}"


class CallerCard(QWidget):
    callOpened = Signal(str)  # id of an earlier call to show read-only

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callerCard")
        self.today = local_today()
        self.name = QLabel()
        self.name.setObjectName("callerName")
        self.name.setWordWrap(True)
        self.details = QLabel()
        self.details.setObjectName("callerDetails")
        self.details.setWordWrap(True)
        self.links = RowListModel[LinkView](
            lambda link: f"{link.other.display_name} — {link.label}",
            tooltip=lambda link: link.note or link.label,
            parent=self,
        )
        self.promises = RowListModel[PromiseView](
            lambda p: promise_line(p, self.today),
            tooltip=lambda p: (
                f"Promised to {p.customer.display_name}; owner {p.owner.display_name}"
            ),
            colour=lambda p: OVERDUE if p.due_on < self.today else None,
            parent=self,
        )
        self.calls = RowListModel[CallSummary](call_line, parent=self)
        self.links_view = self._list("linkedPeople", self.links, 90)
        self.promises_view = self._list("openPromises", self.promises, 110)
        self.calls_view = self._list("recentCalls", self.calls, 150)
        self.calls_view.activated.connect(self._open_call)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.name)
        layout.addWidget(self.details)
        self.links_title = self._title("Linked people")
        layout.addWidget(self.links_title)
        layout.addWidget(self.links_view)
        self.promises_title = self._title("Open promises")
        layout.addWidget(self.promises_title)
        layout.addWidget(self.promises_view)
        layout.addWidget(self._title("Recent calls (Enter opens one)"))
        layout.addWidget(self.calls_view)
        layout.addStretch(1)

    def show_history(self, history: History | None) -> None:
        if history is None:
            self.name.clear()
            self.details.clear()
            for model in (self.links, self.promises, self.calls):
                model.set_rows([])
            return
        self.today = local_today()
        customer = history.customer
        kind = " · organisation" if customer.is_organisation else ""
        self.name.setText(f"{html.escape(customer.display_name)}{kind}")
        facts = [phone.display for phone in customer.phones]
        facts += list(customer.emails)
        facts += [f"{ref.kind} {ref.value}" for ref in customer.references]
        self.details.setText(" · ".join(facts) or "No phone, e-mail or account on file")
        self.links.set_rows(history.links)
        self.promises.set_rows(history.open_promises)
        # The call in progress is shown in the pane itself; the card lists earlier ones.
        self.calls.set_rows([c for c in history.calls if c.is_closed][:RECENT_CALLS])
        self.links_title.setText(f"Linked people ({len(history.links)})")
        overdue = sum(1 for p in history.open_promises if p.due_on < self.today)
        warning = f" — {overdue} overdue" if overdue else ""
        self.promises_title.setText(f"Open promises ({len(history.open_promises)}){warning}")

    def _open_call(self, index: QModelIndex) -> None:
        call = index.data(RowRole)
        if call is not None:
            self.callOpened.emit(call.id)

    @staticmethod
    def _title(text: str) -> QLabel:
        label = QLabel(text)
        label.setProperty("cardTitle", True)
        return label

    @staticmethod
    def _list(name: str, model: RowListModel, height: int) -> QListView:  # type: ignore[type-arg]
        view = QListView()
        view.setObjectName(name)
        view.setModel(model)
        view.setMaximumHeight(height)
        view.setWordWrap(True)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setResizeMode(QListView.ResizeMode.Adjust)
        return view
