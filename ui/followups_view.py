"""Follow-ups: the promises an agent (or the team) still owes, most urgent first.

Three sections answer "what do I do next": overdue (in the warning colour), due
today, and the next two weeks. The selected promise can be called back, marked
kept, rescheduled or withdrawn from the keyboard (Enter, K, R, W) as well as with
the buttons. Reads and writes go through the :class:`ServiceRunner` (off the UI
thread); the dialog that asked for a write stays open with its text until the
database has the change, or says why it does not. The lists reload from the
runner's ``changed`` signal whenever promises moved, here or at another desk.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from companion import promises
from companion.changes import Changes, Topic
from companion.clock import local_today
from companion.db import new_id
from companion.followups import UPCOMING_DAYS, FollowUps, Section, follow_ups
from companion.promises import PromiseResult, PromiseView
from companion.users import User
from ui.list_model import RowListModel
from ui.promise_actions import (
    KeptDialog,
    ReasonDialog,
    Reschedule,
    RescheduleDialog,
    WithdrawDialog,
)
from ui.service_runner import ServiceRunner

log = logging.getLogger(__name__)

OVERDUE = QColor("#b3261e")
ROW_TEXT_MAX = 120
KEYS_HELP = "Enter: call back · K: mark kept · R: reschedule · W: withdraw"
# First-strong isolates keep a right-to-left name or text from reordering the row around it.
_ISOLATE, _POP = "\u2068", "\u2069"


def _one_line(text: str, limit: int | None = None) -> str:
    flat = " ".join(text.split())
    if limit is not None and len(flat) > limit:
        flat = flat[:limit].rstrip() + "…"
    return f"{_ISOLATE}{flat}{_POP}"


def promise_row(promise: PromiseView, today: date) -> str:
    """Due date, customer, what was promised, owner: what the agent scans a list for."""
    when = f"{promise.due_on:%a %d %b}"
    late = promise.days_overdue(today)
    if late:
        when += f" ({late} day{'s' if late != 1 else ''} overdue)"
    return " · ".join(
        (
            when,
            _one_line(promise.customer.display_name),
            _one_line(promise.text, ROW_TEXT_MAX),
            _one_line(promise.owner.display_name),
        )
    )


def promise_tooltip(promise: PromiseView) -> str:
    """The whole promise, escaped: tooltips would otherwise render a customer's "<b>" as bold."""
    moved = " (rescheduled)" if promise.state is promises.PromiseState.RESCHEDULED else ""
    lines = [
        html.escape(promise.text).replace("\n", "<br>"),
        "",
        f"Customer: {html.escape(promise.customer.display_name)}",
        f"Owner: {html.escape(promise.owner.display_name)}",
        f"Due {promise.due_on:%a %d %b %Y}{moved}",
        "",
        KEYS_HELP,
    ]
    return "<p style='white-space:pre-wrap'>" + "<br>".join(lines) + "</p>"


class PromiseSection(QWidget):
    """A heading, the list of promises under it, and a calm line when it is empty."""

    def __init__(
        self,
        name: str,
        empty_text: str,
        today: Callable[[], date],
        colour: QColor | None = None,
        heading: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.heading = heading or name
        self.model = RowListModel[PromiseView](
            lambda p: promise_row(p, today()),
            tooltip=promise_tooltip,
            colour=(lambda _p: colour) if colour is not None else None,
            empty_text=empty_text,
            parent=self,
        )
        self.title = QLabel(self.heading)
        self.title.setProperty("cardTitle", True)
        if colour is not None:
            self.title.setStyleSheet(f"color: {colour.name()};")
        self.view = QListView()
        self.view.setObjectName(f"followUps{name.replace(' ', '')}")
        self.view.setAccessibleName(f"{name} promises")
        self.view.setModel(self.model)
        self.view.setUniformItemSizes(True)
        self.view.setToolTip(KEYS_HELP)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.empty = QLabel(empty_text)
        self.empty.setStyleSheet("color: #5d636b; padding: 2px 0 6px 2px;")
        self.title.setBuddy(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty)

    def show_section(self, section: Section) -> None:
        self.model.set_rows(section.promises)
        count = f"{section.total}"
        if section.hidden:
            count += f", the first {len(section.promises)} shown"
        self.title.setText(f"{self.heading} ({count})")
        self.view.setVisible(bool(section.promises))
        self.empty.setVisible(not section.promises)

    def current(self) -> PromiseView | None:
        index = self.view.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def row_of(self, promise_id: str) -> int | None:
        return next((i for i, p in enumerate(self.model.rows()) if p.id == promise_id), None)

    def clear_current(self) -> None:
        self.view.selectionModel().clear()


class FollowUpsView(QWidget):
    callBackRequested = Signal(object)  # PromiseView: start an outbound call about it
    promiseChanged = Signal(object)  # PromiseView as saved, after kept / rescheduled / withdrawn
    message = Signal(str)  # a short status line for the window

    def __init__(
        self,
        user: User,
        runner: ServiceRunner,
        parent: QWidget | None = None,
        *,
        today_fn: Callable[[], date] = local_today,
        days: int = UPCOMING_DAYS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("followUpsView")
        self.user = user
        self.runner = runner
        self.today_fn = today_fn
        self.days = days
        self.today = today_fn()
        self.lists: FollowUps | None = None
        self.dialog: ReasonDialog | None = None
        self._active: PromiseSection | None = None
        self._moving_selection = False
        self._stale = False
        self._loading = 0  # number of the newest read; older answers are dropped

        title = QLabel("Follow-ups")
        title.setObjectName("sectionTitle")
        self.summary = QLabel()
        self.summary.setObjectName("followUpsSummary")
        self.summary.setStyleSheet("color: #5d636b;")
        self.mine_button = QPushButton("&Mine")
        self.mine_button.setToolTip("Only the promises you own (Alt+M)")
        self.team_button = QPushButton("&Team")
        self.team_button.setToolTip("Everyone's promises (Alt+T)")
        self.scope = QButtonGroup(self)
        for button in (self.mine_button, self.team_button):
            button.setCheckable(True)
            self.scope.addButton(button)
        self.mine_button.setChecked(True)
        self.scope.buttonToggled.connect(self._scope_toggled)

        self.overdue = PromiseSection("Overdue", "Nothing overdue.", self._today, OVERDUE)
        self.due_today = PromiseSection("Today", "Nothing due today.", self._today)
        self.upcoming = PromiseSection(
            "Upcoming",
            f"Nothing due in the next {days} days.",
            self._today,
            heading=f"Upcoming, next {days} days",
        )
        self.sections = (self.overdue, self.due_today, self.upcoming)

        self.call_back_action = self._action("Call back", (Qt.Key.Key_Return, Qt.Key.Key_Enter))
        self.call_back_action.triggered.connect(self.call_back)
        self.kept_action = self._action("Mark kept…", (Qt.Key.Key_K,))
        self.kept_action.triggered.connect(self.mark_kept)
        self.reschedule_action = self._action("Reschedule…", (Qt.Key.Key_R,))
        self.reschedule_action.triggered.connect(self.reschedule)
        self.withdraw_action = self._action("Withdraw…", (Qt.Key.Key_W,))
        self.withdraw_action.triggered.connect(self.withdraw)
        self.call_back_button = self._button("&Call back", "Call the customer about it (Enter)")
        self.call_back_button.clicked.connect(self.call_back)
        self.kept_button = self._button("Mark &kept…", "Say how the promise was kept (K)")
        self.kept_button.clicked.connect(self.mark_kept)
        self.reschedule_button = self._button("&Reschedule…", "Move the due date, with why (R)")
        self.reschedule_button.clicked.connect(self.reschedule)
        self.withdraw_button = self._button("&Withdraw…", "The promise will not be kept (W)")
        self.withdraw_button.clicked.connect(self.withdraw)
        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh_action.triggered.connect(self.refresh)
        self.addAction(self.refresh_action)

        for section in self.sections:
            section.view.addActions(
                [
                    self.call_back_action,
                    self.kept_action,
                    self.reschedule_action,
                    self.withdraw_action,
                ]
            )
            section.view.activated.connect(lambda _index: self.call_back())
            section.view.selectionModel().currentChanged.connect(
                lambda current, _previous, s=section: self._current_changed(s, current)
            )
        self.status = QLabel()
        self.status.setObjectName("followUpsStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)

        header = QHBoxLayout()
        header.addWidget(title)
        header.addSpacing(12)
        header.addWidget(self.summary, 1)
        header.addWidget(self.mine_button)
        header.addWidget(self.team_button)
        buttons = QHBoxLayout()
        for button in (
            self.call_back_button,
            self.kept_button,
            self.reschedule_button,
            self.withdraw_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addWidget(self.overdue, 2)
        layout.addWidget(self.due_today, 2)
        layout.addWidget(self.upcoming, 3)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        runner.changed.connect(self.handle_changes)
        self.refresh()

    # -- reading -------------------------------------------------------------------

    @property
    def showing_team(self) -> bool:
        return self.team_button.isChecked()

    def set_team(self, team: bool) -> None:
        """Show everyone's promises (True) or only the current user's (False)."""
        (self.team_button if team else self.mine_button).setChecked(True)

    def handle_changes(self, changes: Changes) -> None:
        """Promises moved (here or at another desk): reload now if shown, else when shown."""
        if not changes.touches(Topic.PROMISES):
            return
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Reload all three sections (off the UI thread), keeping the selection if still owed."""
        self._stale = False
        self._loading += 1
        request = self._loading
        today = self.today_fn()
        owner = None if self.showing_team else self.user

        def loaded(lists: FollowUps) -> None:
            if request == self._loading:
                self._show_lists(lists, today)

        def failed(message: str) -> None:
            if request == self._loading:
                log.warning("follow-ups could not be loaded: %s", message)
                self._say(f"The follow-ups could not be loaded: {message}", error=True)

        self.runner.read(
            follow_ups, self.user, owner=owner, today=today, days=self.days,
            on_done=loaded, on_error=failed,
        )  # fmt: skip

    def _show_lists(self, lists: FollowUps, today: date) -> None:
        keep_id, keep_section, keep_row = self._selection_state()
        self.today = today
        self.lists = lists
        self._moving_selection = True
        try:
            for section, data in zip(
                self.sections, (lists.overdue, lists.due_today, lists.upcoming), strict=True
            ):
                section.show_section(data)
        finally:
            self._moving_selection = False
        self._active = None
        self._restore_selection(keep_id, keep_section, keep_row)
        self.summary.setText(self.summary_text())
        self._update_actions()

    def summary_text(self) -> str:
        if self.lists is None:
            return ""
        overdue, due_today = self.lists.overdue.total, self.lists.due_today.total
        if not overdue and not due_today:
            return "Nothing overdue or due today"
        return f"{overdue} overdue · {due_today} due today"

    def selected(self) -> PromiseView | None:
        """The promise the actions apply to: the current row of the list last used."""
        return self._active.current() if self._active is not None else None

    def select(self, promise_id: str) -> bool:
        """Make ``promise_id`` the selected promise, wherever it is listed; False if absent."""
        for section in self.sections:
            row = section.row_of(promise_id)
            if row is not None:
                section.select_row(row)
                return True
        return False

    # -- actions -------------------------------------------------------------------

    def call_back(self) -> None:
        promise = self._selected_or_explain()
        if promise is not None:
            self.callBackRequested.emit(promise)

    def mark_kept(self) -> None:
        promise = self._selected_or_explain()
        if promise is None:
            return
        dialog = KeptDialog(promise, self)
        dialog.submitted.connect(
            lambda note: self._save(dialog, "Marked kept", promises.keep_promise, note)
        )
        self._open(dialog)

    def reschedule(self) -> None:
        promise = self._selected_or_explain()
        if promise is None:
            return
        dialog = RescheduleDialog(promise, self.today_fn(), self)

        def submitted(value: Reschedule) -> None:
            self._save(
                dialog,
                f"Rescheduled to {value.new_due:%a %d %b}",
                promises.reschedule_promise,
                value.new_due,
                value.reason,
                today=dialog.today,
            )

        dialog.submitted.connect(submitted)
        self._open(dialog)

    def withdraw(self) -> None:
        promise = self._selected_or_explain()
        if promise is None:
            return
        dialog = WithdrawDialog(promise, self)
        dialog.submitted.connect(
            lambda reason: self._save(dialog, "Withdrawn", promises.withdraw_promise, reason)
        )
        self._open(dialog)

    # -- internals -----------------------------------------------------------------

    def _today(self) -> date:
        return self.today

    def _open(self, dialog: ReasonDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        dialog.open()

    def _dialog_closed(self, dialog: ReasonDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _save(
        self,
        dialog: ReasonDialog,
        done: str,
        function: Callable[..., PromiseResult],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        """Run a promise change off the UI thread; the dialog closes only once it is saved."""
        dialog.begin_save()

        def saved(result: PromiseResult) -> None:
            dialog.save_finished()
            customer = " ".join(result.promise.customer.display_name.split())
            self._say(f"{done}: the promise to {customer}.")
            self.promiseChanged.emit(result.promise)

        self.runner.submit(
            function,
            self.user,
            dialog.promise.id,
            *args,
            event_id=new_id(),  # a retried change finds its event instead of adding a second
            on_done=saved,
            on_error=dialog.save_failed,
            **kwargs,
        )

    def _selected_or_explain(self) -> PromiseView | None:
        promise = self.selected()
        if promise is None:
            self._say("Select a promise first (Tab to a list, then the arrow keys).")
        return promise

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setStyleSheet(f"color: {OVERDUE.name() if error else '#5d636b'};")
        self.status.setText(text)
        self.message.emit(text)

    def _scope_toggled(self, button: QPushButton, checked: bool) -> None:
        if checked:
            self.refresh()

    def _current_changed(self, section: PromiseSection, current: QModelIndex) -> None:
        """One selection across the three lists: choosing a row in one clears the others."""
        if self._moving_selection or not current.isValid():
            self._update_actions()
            return
        self._active = section
        self._moving_selection = True
        try:
            for other in self.sections:
                if other is not section:
                    other.clear_current()
        finally:
            self._moving_selection = False
        self._update_actions()

    def _selection_state(self) -> tuple[str | None, PromiseSection | None, int]:
        promise = self.selected()
        if promise is None or self._active is None:
            return None, None, -1
        return promise.id, self._active, self._active.view.currentIndex().row()

    def _restore_selection(
        self, promise_id: str | None, section: PromiseSection | None, row: int
    ) -> None:
        """Keep the same promise selected; if it left the list, select its neighbour.

        Working down a list with K, K, K then needs no arrow keys in between.
        """
        if promise_id is None or section is None:
            return
        if self.select(promise_id):
            return
        count = section.model.rowCount()
        if count:
            section.select_row(min(row, count - 1))

    def _update_actions(self) -> None:
        enabled = self.selected() is not None
        for widget in (
            self.call_back_button,
            self.kept_button,
            self.reschedule_button,
            self.withdraw_button,
        ):
            widget.setEnabled(enabled)

    def _action(self, text: str, keys: tuple[Qt.Key, ...]) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        return action

    def _button(self, text: str, tooltip: str) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tooltip)
        button.setAutoDefault(False)
        return button
