"""The call pane: find the caller, then walk the call from greeting to record.

Two pages. With no call, the agent finds (or creates) the caller and can resume a
held call. During a call: the caller card on the left; the stage bar, the goal and
checklist, playbook suggestions, the timeline and the composer on the right.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from companion import drafts
from companion.call_desks import CallHeldElsewhere, release_call, take_over_call
from companion.calls import CallView
from companion.changes import Changes, Topic
from companion.entries import EntryKind, EntryView
from companion.history import History
from companion.promises import PromiseResult
from companion.users import User
from ui.call.call_holding import ask_take_over, claim_or_holder, taken_from_here, where_open
from ui.call.caller_card import CallerCard
from ui.call.caller_lookup import CallerLookup, CustomerLookupWorker
from ui.call.composer import Composer
from ui.call.goal_form import GoalForm
from ui.call.new_customer import NewCustomerForm
from ui.call.promise_dialog import PromiseDialog
from ui.call.session import CallSession
from ui.call.stage_bar import StageBar
from ui.call.suggestions import SuggestionBar, SuggestionWorker
from ui.call.timeline import Timeline
from ui.list_model import RowListModel, RowRole
from ui.time_format import local_datetime

DRAFT_SAVE_MS = 400


def ask_hold_or_stay(parent: QWidget, caller: str) -> bool:
    """True to put the open call on hold and go on; False to go back to it."""
    box = QMessageBox(parent)
    box.setWindowTitle("A call is in progress")
    box.setText(
        f"The call with {caller} is still open. "
        "Put it on hold to take the new call, or go back to it?"
    )
    hold = box.addButton("Put on hold", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Back to the call", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(hold)
    box.exec()
    return box.clickedButton() is hold


def held_line(call: CallView) -> str:
    goal = call.problem or "no goal yet"
    line = (
        f"{call.customer.display_name} · started {local_datetime(call.started_at):%H:%M} · {goal}"
    )
    return line if call.holder is None else f"{line} · {where_open(call.holder)}"


class CallPane(QWidget):
    articleRequested = Signal(str)  # slug to show in the playbook pane
    message = Signal(str)
    callStateChanged = Signal(bool)  # True while a call is open on screen

    def __init__(
        self,
        session: CallSession,
        lookup_worker: CustomerLookupWorker,
        suggestion_worker: SuggestionWorker,
        users: list[User],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("callPane")
        self.session = session
        self.users = users
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_SAVE_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._restoring_draft = False

        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_idle_page(lookup_worker))
        self.pages.addWidget(self._build_call_page(suggestion_worker))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 6, 6)
        layout.addWidget(self.pages)

        session.callChanged.connect(self._on_call_changed)
        session.recordChanged.connect(self._on_record_changed)
        session.historyChanged.connect(self._on_history_changed)
        session.failed.connect(self.message)
        session.runner.changed.connect(self._on_changes)
        self.refresh_held_calls()

    # -- building ----------------------------------------------------------------------

    def _build_idle_page(self, lookup_worker: CustomerLookupWorker) -> QWidget:
        page = QWidget()
        title = QLabel("Who is calling?")
        title.setObjectName("paneTitle")
        hint = QLabel("Ctrl+N starts a call from anywhere. F1 lists every shortcut.")
        hint.setObjectName("hint")
        self.lookup = CallerLookup(lookup_worker)
        self.outbound = QCheckBox("&Outbound: I am calling them")
        self.outbound.setToolTip("Alt+O. Leave unticked when the customer is calling in.")
        self.lookup.customerChosen.connect(lambda cid: self.start_call(cid, self._direction()))
        self.lookup.createRequested.connect(self._show_new_customer)
        self.new_customer = NewCustomerForm(self.session.user, self.session.runner)
        self.new_customer.hide()
        self.new_customer.customerReady.connect(lambda cid: self.start_call(cid, self._direction()))
        self.new_customer.cancelled.connect(self._hide_new_customer)
        self.held_model = RowListModel[CallView](held_line, parent=self)
        self.held_title = QLabel("Calls on hold (Enter resumes)")
        self.held_title.setProperty("cardTitle", True)
        self.held_view = QListView()
        self.held_view.setObjectName("heldCalls")
        self.held_view.setModel(self.held_model)
        self.held_view.setMaximumHeight(140)
        self.held_view.activated.connect(self._resume_index)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.lookup)
        layout.addWidget(self.outbound)
        layout.addWidget(self.new_customer)
        layout.addWidget(self.held_title)
        layout.addWidget(self.held_view)
        layout.addStretch(1)
        return page

    def _build_call_page(self, suggestion_worker: SuggestionWorker) -> QWidget:
        page = QWidget()
        self.call_title = QLabel()
        self.call_title.setObjectName("paneTitle")
        self.hold_button = QPushButton("Hold")
        self.hold_button.setToolTip("Put this call aside; it stays open (Ctrl+H)")
        self.hold_button.clicked.connect(self.hold_call)
        self.escalate_button = QPushButton("Escalate…")
        self.escalate_button.setToolTip("Write a handoff summary (Ctrl+E)")
        self.close_button = QPushButton("Close call…")
        self.close_button.setObjectName("closeCall")
        self.close_button.setToolTip("Wrap up and close the record (Ctrl+W)")
        header = QHBoxLayout()
        header.addWidget(self.call_title, 1)
        header.addWidget(self.hold_button)
        header.addWidget(self.escalate_button)
        header.addWidget(self.close_button)

        self.stage_bar = StageBar()
        self.stage_bar.stageChosen.connect(self.articleRequested)
        self.card = CallerCard()
        card_scroll = QScrollArea()
        card_scroll.setWidget(self.card)
        card_scroll.setWidgetResizable(True)
        card_scroll.setMinimumWidth(190)

        self.goal = GoalForm()
        self.goal.fieldEdited.connect(self._save_field)
        self.goal.textChanged.connect(self._update_suggestions)
        goal_box = QGroupBox("Goal and information")
        goal_layout = QVBoxLayout(goal_box)
        goal_layout.addWidget(self.goal)
        self.suggestions = SuggestionBar(suggestion_worker)
        self.suggestions.articleChosen.connect(self.open_suggestion)
        self.timeline = Timeline()
        self.timeline.amendRequested.connect(self.amend_entry)
        self.composer = Composer()
        self.composer.entryRequested.connect(self.add_entry)
        self.composer.edit.textChanged.connect(self._composer_changed)

        record = QWidget()
        record_layout = QVBoxLayout(record)
        record_layout.setContentsMargins(0, 0, 0, 0)
        record_layout.addWidget(goal_box)
        record_layout.addWidget(self.suggestions)
        record_layout.addWidget(self.timeline, 1)
        record_layout.addWidget(self.composer)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("callSplitter")
        self.splitter.addWidget(card_scroll)
        self.splitter.addWidget(record)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.stage_bar)
        layout.addWidget(self.splitter, 1)
        self.card.callOpened.connect(self._open_earlier_call)
        return page

    # -- starting, holding and resuming -------------------------------------------------

    def focus_start(self) -> None:
        """Ctrl+N: find the caller (asking first what to do with a call in progress)."""
        if self.session.active and not self._ask_about_open_call():
            return
        self.pages.setCurrentIndex(0)
        self.lookup.focus()

    def start_call(
        self, customer_id: str, direction: str = "inbound", related: tuple[str, ...] = ()
    ) -> None:
        if self.session.active and not self._ask_about_open_call():
            return
        self._hide_new_customer()
        self.outbound.setChecked(False)
        self.session.start(
            customer_id, direction=direction, related=related, on_error=self.message.emit
        )

    def call_back(self, customer_id: str, earlier_call_id: str) -> None:
        """An outbound call to keep a promise, linked to the call where it was made."""
        self.start_call(customer_id, "outbound", (earlier_call_id,))

    def _direction(self) -> str:
        return "outbound" if self.outbound.isChecked() else "inbound"

    def hold_call(self) -> None:
        if self.session.call is None:
            return
        self.goal.flush()
        self.save_draft()
        name = self.session.call.customer.display_name
        call = self.session.call
        if taken_from_here(call, self.session.user) is None:
            self.session.runner.submit(
                release_call, self.session.user, call.id, on_error=self.message.emit
            )
        self.session.put_aside()
        self.message.emit(f"The call with {name} is on hold; resume it from the list.")

    def resume(self, call_id: str) -> None:
        """Hold the call at this desk and show it; one open elsewhere is taken over on a yes."""
        self.session.runner.submit(
            claim_or_holder,
            self.session.user,
            call_id,
            on_done=self._claimed,
            on_error=self.message.emit,
        )

    def _claimed(self, result: CallView | CallHeldElsewhere) -> None:
        if isinstance(result, CallView):
            self.session.show_call(result.id, on_error=self.message.emit)
            return
        call = next((c for c in self.held_model.rows() if c.id == result.call_id), None)
        caller = call.customer.display_name if call is not None else "this caller"
        if not ask_take_over(self, caller, result.holder, self.session.user):
            self.message.emit(f"The call with {caller} stays {where_open(result.holder)}.")
            return
        self.session.runner.submit(
            take_over_call,
            self.session.user,
            result.call_id,
            on_done=lambda taken: self.session.show_call(taken.id, on_error=self.message.emit),
            on_error=self.message.emit,
        )

    def set_users(self, users: list[User]) -> None:
        """The people a promise can be given to (read off the UI thread by the window)."""
        self.users = users

    def refresh_held_calls(self) -> None:
        self.session.held_calls(self._show_held_calls)

    def _show_held_calls(self, held: list[CallView]) -> None:
        self.held_model.set_rows(held)
        self.held_title.setVisible(bool(held))
        self.held_view.setVisible(bool(held))

    def _ask_about_open_call(self) -> bool:
        """A call is open: hold it, or stay. Closing needs its wrap-up, so it is not offered blind."""
        assert self.session.call is not None
        if ask_hold_or_stay(self, self.session.call.customer.display_name):
            self.hold_call()
            return True
        return False

    def _resume_index(self, index: QModelIndex) -> None:
        call = index.data(RowRole)
        if call is not None:
            self.resume(call.id)

    def _show_new_customer(self, typed: str) -> None:
        self.new_customer.prefill(typed)
        self.new_customer.show()

    def _hide_new_customer(self) -> None:
        self.new_customer.hide()
        self.lookup.focus()

    # -- the record ---------------------------------------------------------------------

    def add_entry(self, kind: EntryKind, text: str) -> None:
        if not self.session.active:
            self.composer.failed("This call is closed: amend an entry instead (F2 on the entry).")
            return
        if kind is EntryKind.PROMISED:
            self._add_promise(text)
            return
        self.session.add_entry(
            kind,
            text,
            on_saved=lambda _entry: self._entry_saved(text),
            on_error=self.composer.failed,
        )

    def _add_promise(self, text: str) -> None:
        dialog = PromiseDialog(text, self.users, self.session.user, self)
        if dialog.exec() != PromiseDialog.DialogCode.Accepted:
            self.composer.message.setText("The promise was not recorded: it needs a due date.")
            return
        due, owner = dialog.due_date(), dialog.owner_user()

        def saved(result: PromiseResult) -> None:
            self._entry_saved(text)
            if result.warnings:
                self.message.emit(" ".join(result.warnings))

        self.session.add_promise(text, due, owner, on_saved=saved, on_error=self.composer.failed)

    def _entry_saved(self, text: str) -> None:
        self.composer.saved(text)
        self.save_draft()

    def amend_entry(self, entry: EntryView) -> None:
        from ui.call.amend_dialog import AmendDialog

        dialog = AmendDialog(entry, self)
        if dialog.exec() != AmendDialog.DialogCode.Accepted:
            return
        self.session.amend(
            entry.id,
            dialog.text(),
            on_saved=lambda _e: self.message.emit(f"Entry #{entry.seq} amended."),
            on_error=lambda msg: self.message.emit(f"Not amended: {msg}"),
        )

    def _save_field(self, name: str, text: str) -> None:
        self.session.update_fields(
            on_error=lambda msg: self.message.emit(f"Not saved: {msg}"), **{name: text}
        )

    def open_suggestion(self, slug: str) -> None:
        self.articleRequested.emit(slug)

    # -- drafts -------------------------------------------------------------------------

    def _composer_changed(self) -> None:
        if not self._restoring_draft:
            self._draft_timer.start()
            self._update_suggestions()

    def save_draft(self) -> None:
        """Write the composer's text where a crash cannot take it."""
        self._draft_timer.stop()
        if self.session.call is None:
            return
        key = drafts.composer_key(self.session.call.id)
        self.session.runner.submit(
            drafts.save_draft,
            self.session.user,
            key,
            self.composer.text(),
            on_error=lambda msg: self.message.emit(f"Draft not saved: {msg}"),
        )

    def _restore_draft(self, call: CallView) -> None:
        self._restoring_draft = True
        try:
            self.composer.edit.clear()
        finally:
            self._restoring_draft = False

        def loaded(text: str) -> None:
            # Only into an empty composer of the same call: never over what was typed since.
            if self.session.call is None or self.session.call.id != call.id:
                return
            if not text or self.composer.text():
                return
            self._restoring_draft = True
            try:
                self.composer.edit.setPlainText(text)
                self.composer.edit.moveCursor(self.composer.edit.textCursor().MoveOperation.End)
            finally:
                self._restoring_draft = False

        self.session.runner.read(
            drafts.load_draft,
            drafts.composer_key(call.id),
            on_done=loaded,
            on_error=lambda msg: self.message.emit(f"The saved draft could not be read: {msg}"),
        )

    # -- reacting to the session ------------------------------------------------------

    def _on_call_changed(self, call: CallView | None) -> None:
        if call is None:
            self.stage_bar.stop()
            self.composer.edit.clear()
            self.suggestions.clear()
            self.pages.setCurrentIndex(0)
            self.lookup.reset()
            self.refresh_held_calls()
            self.lookup.focus()
            self.callStateChanged.emit(False)
            return
        opening = self.pages.currentIndex() != 1 or self.call_title.property("callId") != call.id
        direction = "Outbound call to" if call.direction.value == "outbound" else "Call from"
        state = f" — closed ({call.outcome.label})" if call.outcome else ""
        taken = taken_from_here(call, self.session.user)
        if taken is not None:
            state = (
                f" — taken over: now {where_open(taken)}. Read-only here; anything typed is kept"
            )
        was_taken = self.call_title.property("takenOver") == call.id
        self.call_title.setText(f"{direction} {call.customer.display_name}{state}")
        self.call_title.setProperty("callId", call.id)
        self.call_title.setProperty("takenOver", call.id if taken is not None else "")
        self.goal.show_call(call)
        closed = call.is_closed
        for widget in (self.hold_button, self.escalate_button, self.close_button):
            widget.setEnabled(not closed and taken is None)
        self.composer.setEnabled(not closed and taken is None)
        self.goal.setEnabled(taken is None)
        if taken is not None and not was_taken:
            self.message.emit(
                f"{taken.user.display_name} took over the call with "
                f"{call.customer.display_name} at desk {taken.desk}; it is read-only here."
            )
        if opening:
            self.pages.setCurrentIndex(1)
            self.stage_bar.start(call.started_at, call.ended_at)
            self.articleRequested.emit(self.stage_bar.current_slug)
            self._restore_draft(call)
            self._update_suggestions()
            self.composer.edit.setFocus()
        elif closed:
            self.stage_bar.start(call.started_at, call.ended_at)
            self.stage_bar.go_to_key("record")
        self.callStateChanged.emit(not closed)

    def _on_changes(self, changes: Changes) -> None:
        """Calls opened, held or closed (here or at another desk): the held list may differ."""
        if self.pages.currentIndex() == 0 and changes.touches(Topic.CALLS):
            self.refresh_held_calls()

    def _on_record_changed(self) -> None:
        self.timeline.show_entries(self.session.entries)
        self._update_suggestions()

    def _on_history_changed(self, history: History | None) -> None:
        self.card.show_history(history)

    def _update_suggestions(self) -> None:
        if self.session.call is None:
            return
        recent = " ".join(e.text for e in self.session.entries[-6:])
        self.suggestions.update_text(
            " ".join([self.goal.text_for_suggestions(), recent, self.composer.text()])
        )

    def _open_earlier_call(self, call_id: str) -> None:
        from ui.call.record_dialog import CallRecordDialog

        dialog = CallRecordDialog(self.session.user, call_id, self, runner=self.session.runner)
        dialog.exec()
        dialog.deleteLater()
