"""Follow-ups as an agent works them: see what is owed, keep, reschedule, withdraw, call back."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from companion import db as dbmod
from companion.calls import start_call
from companion.customers import CustomerDetails, create_customer
from companion.promises import (
    PromiseState,
    PromiseView,
    get_promise,
    keep_promise,
    promise_history,
    record_promise,
)
from companion.users import Role, User, create_user
from kb.workspace import Workspace
from ui.due_banner import DueBanner
from ui.due_notifier import DueNotifier
from ui.followups_view import FollowUpsView, PromiseSection
from ui.promise_actions import KeptDialog, RescheduleDialog, WithdrawDialog
from ui.service_runner import ServiceRunner

TODAY = date(2025, 3, 12)  # a Wednesday
WARNING = QColor("#b3261e")
HOSTILE = "Router <b>swap</b> 😀 مرحبا"


@dataclass
class Desk:
    user: User
    priya: User
    overdue: str
    due_today: str
    upcoming: str
    priyas: str
    call_id: str


@pytest.fixture
def desk(empty_workspace: Workspace) -> Desk:
    user = empty_workspace.user
    priya = create_user("Priya Shah", Role.AGENT)
    ana = create_customer(user, CustomerDetails.validate("Ana Ruiz")).customer
    bo = create_customer(user, CustomerDetails.validate("Bo Chen")).customer
    ana_call = start_call(user, ana.id).id
    bo_call = start_call(user, bo.id).id

    def promise(call: str, text: str, due: date, owner: User = user) -> str:
        return record_promise(user, call, text, due, owner=owner, today=TODAY).promise.id

    kept = promise(ana_call, "Already kept", TODAY - timedelta(days=1))
    keep_promise(user, kept, "Done last week")
    promise(ana_call, "Far away", TODAY + timedelta(days=40))
    return Desk(
        user=user,
        priya=priya,
        overdue=promise(ana_call, "Refund the delivery fee", TODAY - timedelta(days=3)),
        due_today=promise(bo_call, HOSTILE, TODAY),
        upcoming=promise(ana_call, "Send the new contract", TODAY + timedelta(days=5)),
        priyas=promise(bo_call, "Priya checks the invoice", TODAY, owner=priya),
        call_id=ana_call,
    )


@pytest.fixture
def view(qtbot: QtBot, desk: Desk, runner: ServiceRunner) -> FollowUpsView:
    widget = FollowUpsView(desk.user, runner, today_fn=lambda: TODAY)
    qtbot.addWidget(widget)
    for section in widget.sections:
        # Parented to the view, so each tester checks its model for the whole test.
        QAbstractItemModelTester(
            section.model, QAbstractItemModelTester.FailureReportingMode.Warning, widget
        )
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    settle(qtbot, runner)
    return widget


def settle(qtbot: QtBot, runner: ServiceRunner) -> None:
    """Wait for the reads and writes asked for so far, and the reloads they caused."""
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)


def texts(section: PromiseSection) -> list[str]:
    return [promise.text for promise in section.model.rows()]


def focus_row(qtbot: QtBot, section: PromiseSection, row: int) -> None:
    section.view.setFocus()
    qtbot.waitUntil(section.view.hasFocus)
    section.select_row(row)


def open_dialog(
    qtbot: QtBot, view: FollowUpsView, section: PromiseSection, key: Qt.Key, row: int = 0
) -> Any:
    focus_row(qtbot, section, row)
    qtbot.keyClick(section.view, key)
    assert view.dialog is not None
    dialog = view.dialog
    qtbot.waitExposed(dialog)
    # A window manager activates a new dialog; the offscreen platform has none.
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.waitUntil(dialog.reason.hasFocus)
    return dialog


def submit(qtbot: QtBot, view: FollowUpsView, dialog: Any, text: str) -> None:
    """Type the reason and press Enter, then wait for the save to land."""
    dialog.reason.setText(text)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.dialog is None, timeout=10_000)
    settle(qtbot, view.runner)


def test_sections_split_what_is_owed_and_overdue_is_in_the_warning_colour(
    view: FollowUpsView,
) -> None:
    assert texts(view.overdue) == ["Refund the delivery fee"]
    assert texts(view.due_today) == [HOSTILE]
    assert texts(view.upcoming) == ["Send the new contract"]
    assert view.summary_text() == "1 overdue · 1 due today"
    overdue = view.overdue.model.index(0, 0)
    assert overdue.data(Qt.ItemDataRole.ForegroundRole) == WARNING
    assert view.due_today.model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is None
    row = overdue.data()
    for part in ("Sun 09 Mar", "3 days overdue", "Ana Ruiz", "Refund the delivery fee"):
        assert part in row
    assert view.overdue.title.text() == "Overdue (1)"


def test_hostile_text_shows_as_typed_and_is_not_rendered_as_markup(view: FollowUpsView) -> None:
    index = view.due_today.model.index(0, 0)
    assert "😀 مرحبا" in index.data()
    tooltip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;swap&lt;/b&gt;" in tooltip and "<b>swap" not in tooltip


def test_team_shows_everyones_promises_and_mine_only_my_own(
    qtbot: QtBot, view: FollowUpsView
) -> None:
    qtbot.mouseClick(view.team_button, Qt.MouseButton.LeftButton)
    settle(qtbot, view.runner)
    assert sorted(texts(view.due_today)) == sorted([HOSTILE, "Priya checks the invoice"])
    assert view.summary_text() == "1 overdue · 2 due today"
    qtbot.mouseClick(view.mine_button, Qt.MouseButton.LeftButton)
    settle(qtbot, view.runner)
    assert texts(view.due_today) == [HOSTILE]


def test_actions_wait_for_a_selected_promise(qtbot: QtBot, view: FollowUpsView) -> None:
    assert not view.kept_button.isEnabled()
    focus_row(qtbot, view.upcoming, 0)
    assert view.kept_button.isEnabled()
    assert view.selected() is not None and view.selected().text == "Send the new contract"
    focus_row(qtbot, view.overdue, 0)
    assert view.selected() is not None and view.selected().text == "Refund the delivery fee"
    assert not view.upcoming.view.selectionModel().hasSelection()


def test_k_marks_the_promise_kept_with_the_note_in_its_history(
    qtbot: QtBot, view: FollowUpsView, desk: Desk
) -> None:
    dialog = open_dialog(qtbot, view, view.overdue, Qt.Key.Key_K)
    assert isinstance(dialog, KeptDialog)
    submit(qtbot, view, dialog, "Refund sent\x07, ref 4411 😀 שלום")
    assert get_promise(desk.overdue).state is PromiseState.KEPT
    assert promise_history(desk.overdue)[-1].reason == "Refund sent, ref 4411 😀 שלום"
    assert texts(view.overdue) == []
    assert view.overdue.empty.isVisibleTo(view)
    assert view.summary_text() == "0 overdue · 1 due today"
    assert "Marked kept" in view.status.text()


def test_after_keeping_one_the_next_in_the_list_is_selected(
    qtbot: QtBot, view: FollowUpsView, desk: Desk
) -> None:
    view.set_team(True)
    settle(qtbot, view.runner)
    # Both promises are due today and were made in the same second: pick the router one.
    router = next(i for i, text in enumerate(texts(view.due_today)) if text.startswith("Router"))
    dialog = open_dialog(qtbot, view, view.due_today, Qt.Key.Key_K, router)
    submit(qtbot, view, dialog, "Router swapped")
    assert texts(view.due_today) == ["Priya checks the invoice"]
    selected = view.selected()
    assert selected is not None and selected.id == desk.priyas


def test_an_empty_note_is_refused_and_nothing_is_saved(
    qtbot: QtBot, view: FollowUpsView, desk: Desk, runner: ServiceRunner
) -> None:
    dialog = open_dialog(qtbot, view, view.overdue, Qt.Key.Key_K)
    dialog.reason.setText("  \x07 ")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert "Say how the promise was kept" in dialog.message.text()
    assert view.dialog is dialog and dialog.isVisible()
    assert runner.pending == 0
    assert get_promise(desk.overdue).state is PromiseState.OPEN
    dialog.reject()


def test_reschedule_keeps_the_old_due_date_in_the_history(
    qtbot: QtBot, view: FollowUpsView, desk: Desk
) -> None:
    dialog = open_dialog(qtbot, view, view.due_today, Qt.Key.Key_R)
    assert isinstance(dialog, RescheduleDialog)
    next_week = dialog.choices.button(3)
    assert "Next week" in next_week.text()
    qtbot.mouseClick(next_week, Qt.MouseButton.LeftButton)
    submit(qtbot, view, dialog, "Warehouse out of stock")
    moved = get_promise(desk.due_today)
    assert (moved.state, moved.due_on) == (PromiseState.RESCHEDULED, TODAY + timedelta(days=7))
    last = promise_history(desk.due_today)[-1]
    assert (last.old_due, last.new_due, last.reason) == (
        TODAY,
        TODAY + timedelta(days=7),
        "Warehouse out of stock",
    )
    assert HOSTILE in texts(view.upcoming) and texts(view.due_today) == []
    selected = view.selected()
    assert selected is not None and selected.id == desk.due_today  # the selection follows it


def test_rescheduling_into_the_past_asks_first(
    qtbot: QtBot, view: FollowUpsView, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked: list[str] = []

    def question(_parent: Any, title: str, *_args: Any) -> QMessageBox.StandardButton:
        asked.append(title)
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    dialog = open_dialog(qtbot, view, view.upcoming, Qt.Key.Key_R)
    dialog.set_due_date(TODAY - timedelta(days=1))
    dialog.reason.setText("Customer asked for it earlier")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert asked == ["Due date in the past"]
    assert view.dialog is dialog and get_promise(desk.upcoming).due_on == TODAY + timedelta(days=5)
    submit(qtbot, view, dialog, "Customer asked for it earlier")
    assert len(asked) == 2
    assert get_promise(desk.upcoming).due_on == TODAY - timedelta(days=1)
    assert texts(view.overdue) == ["Refund the delivery fee", "Send the new contract"]


def test_reschedule_to_the_same_date_is_refused_inline(qtbot: QtBot, view: FollowUpsView) -> None:
    dialog = open_dialog(qtbot, view, view.upcoming, Qt.Key.Key_R)
    dialog.set_due_date(TODAY + timedelta(days=5))
    dialog.reason.setText("No change really")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert "already due on" in dialog.message.text()
    assert view.dialog is dialog
    dialog.reject()


def test_w_withdraws_with_a_reason(qtbot: QtBot, view: FollowUpsView, desk: Desk) -> None:
    dialog = open_dialog(qtbot, view, view.upcoming, Qt.Key.Key_W)
    assert isinstance(dialog, WithdrawDialog)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert "Say why the promise is withdrawn" in dialog.message.text()
    submit(qtbot, view, dialog, "Customer cancelled the order")
    assert get_promise(desk.upcoming).state is PromiseState.WITHDRAWN
    assert texts(view.upcoming) == []


@pytest.mark.sqlite_only  # holds SQLite's write lock with sqlite3
def test_a_locked_database_keeps_the_dialog_open_with_the_text(
    qtbot: QtBot, view: FollowUpsView, desk: Desk, empty_workspace: Workspace
) -> None:
    dialog = open_dialog(qtbot, view, view.overdue, Qt.Key.Key_K)
    other = sqlite3.connect(dbmod.describe_location(empty_workspace.db_url))
    other.execute("BEGIN IMMEDIATE")
    try:
        dialog.reason.setText("Refund sent, ref 4411")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
        assert dialog.saving
        qtbot.waitUntil(lambda: "locked" in dialog.message.text(), timeout=20_000)
    finally:
        other.rollback()
        other.close()
    assert view.dialog is dialog and dialog.isVisible()
    assert dialog.reason.text() == "Refund sent, ref 4411"
    assert get_promise(desk.overdue).state is PromiseState.OPEN
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.dialog is None, timeout=10_000)
    assert get_promise(desk.overdue).state is PromiseState.KEPT


def test_enter_asks_to_call_the_customer_back(
    qtbot: QtBot, view: FollowUpsView, desk: Desk
) -> None:
    focus_row(qtbot, view.upcoming, 0)
    with qtbot.waitSignal(view.callBackRequested, timeout=2_000) as called:
        qtbot.keyClick(view.upcoming.view, Qt.Key.Key_Return)
    (promise,) = called.args
    assert isinstance(promise, PromiseView)
    assert (promise.id, promise.customer.display_name) == (desk.upcoming, "Ana Ruiz")
    with qtbot.waitSignal(view.callBackRequested, timeout=2_000) as clicked:
        qtbot.mouseClick(view.call_back_button, Qt.MouseButton.LeftButton)
    assert clicked.args[0].id == desk.upcoming


def test_the_notifier_announces_each_due_promise_once(
    qtbot: QtBot, desk: Desk, runner: ServiceRunner
) -> None:
    day = [TODAY]
    notifier = DueNotifier(desk.user, runner, interval_ms=3_600_000, today_fn=lambda: day[0])
    announced: list[list[str]] = []
    notifier.promisesFellDue.connect(lambda due: announced.append([p.text for p in due]))
    with qtbot.waitSignal(notifier.promisesFellDue, timeout=2_000):
        pass  # the first check runs by itself once the event loop turns
    notifier.check_now()
    settle(qtbot, runner)
    assert announced == [["Refund the delivery fee", HOSTILE]]

    record_promise(desk.user, desk.call_id, "Ring back after lunch", TODAY, today=TODAY)
    notifier.check_now()
    settle(qtbot, runner)
    day[0] = TODAY + timedelta(days=5)
    notifier.check_now()
    settle(qtbot, runner)
    notifier.check_now()
    settle(qtbot, runner)
    assert announced[1:] == [["Ring back after lunch"], ["Send the new contract"]]
    notifier.stop()


def test_the_notifier_checks_again_on_its_own(
    qtbot: QtBot, desk: Desk, runner: ServiceRunner
) -> None:
    day = [TODAY]
    notifier = DueNotifier(desk.user, runner, interval_ms=20, today_fn=lambda: day[0])
    with qtbot.waitSignal(notifier.promisesFellDue, timeout=2_000):
        pass
    day[0] = TODAY + timedelta(days=5)  # midnight passes, several times over
    with qtbot.waitSignal(notifier.promisesFellDue, timeout=2_000) as fell_due:
        pass
    assert [p.text for p in fell_due.args[0]] == ["Send the new contract"]
    notifier.stop()


def test_the_banner_names_due_promises_until_dismissed(qtbot: QtBot, desk: Desk) -> None:
    banner = DueBanner()
    qtbot.addWidget(banner)
    first, second, third = (get_promise(i) for i in (desk.overdue, desk.due_today, desk.upcoming))
    banner.show_promises([first, second])
    assert (
        banner.text()
        == f"2 promises are due: Ana Ruiz — Refund the delivery fee; Bo Chen — {HOSTILE}"
    )
    banner.show_promises([second, third])
    assert banner.text().startswith("3 promises are due:") and banner.text().endswith("and 1 more")
    with qtbot.waitSignal(banner.showRequested, timeout=1_000):
        qtbot.mouseClick(banner.show_button, Qt.MouseButton.LeftButton)
    assert banner.isHidden()
    banner.show_promises([third])
    assert banner.text() == "1 promise is due: Ana Ruiz — Send the new contract"
    with qtbot.waitSignal(banner.dismissed, timeout=1_000):
        qtbot.mouseClick(banner.dismiss_button, Qt.MouseButton.LeftButton)
    assert banner.isHidden() and banner.promises() == []
