"""The window's one operation runner: what changed, who refreshes, and outages.

Every database call of the window goes through the runner, off the UI thread; each
operation reports what it changed in one ``changed`` signal, and other desks' changes
arrive through the same signal. A lost connection holds the work and retries it in
order, writing nothing twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import peewee
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from companion.changes import Changes, Topic, note
from companion.db import database
from companion.promises import PromiseState, get_promise, keep_promise
from kb.workspace import Workspace
from tests.ui.call_helpers import RepeatCaller, make_repeat_caller, wait_for_idle_runner
from tests.ui.query_threads import queries_on_ui_thread
from ui.main_window import MainWindow
from ui.promise_actions import KeptDialog
from ui.service_runner import ServiceRunner

CTRL = Qt.KeyboardModifier.ControlModifier
LOST = "server closed the connection unexpectedly"


@pytest.fixture
def reconnects() -> list[object]:
    return []


@pytest.fixture
def runner(
    qtbot: QtBot, empty_workspace: Workspace, reconnects: list[object]
) -> Iterator[ServiceRunner]:
    service_runner = ServiceRunner(
        empty_workspace.db_url, retry_delays=(0.01, 0.02), reconnect=reconnects.append
    )
    yield service_runner
    qtbot.waitUntil(lambda: service_runner.pending == 0, timeout=10_000)
    service_runner.stop()


def test_one_changed_signal_per_operation_with_all_it_noted(
    qtbot: QtBot, runner: ServiceRunner
) -> None:
    def two_writes(customer_id: str) -> str:
        note(Topic.ENTRIES, "e1", customer_id=customer_id)
        note(Topic.PROMISES, "p1", customer_id=customer_id)
        return "done"

    seen: list[Changes] = []
    results: list[str] = []
    runner.changed.connect(seen.append)
    runner.submit(two_writes, "c1", on_done=results.append)
    runner.read(lambda: "nothing changed", on_done=results.append)
    qtbot.waitUntil(lambda: runner.pending == 0)
    assert results == ["done", "nothing changed"]
    assert seen == [
        Changes.of([(Topic.ENTRIES, "e1"), (Topic.PROMISES, "p1"), (Topic.CUSTOMERS, "c1")])
    ]


def test_changes_published_from_elsewhere_join_the_same_signal(
    qtbot: QtBot, runner: ServiceRunner
) -> None:
    seen: list[Changes] = []
    runner.changed.connect(seen.append)
    remote = Changes.of([(Topic.ARTICLES, "greeting")], remote=True)
    runner.publish(remote)
    runner.publish(Changes())  # nothing changed: nobody is told
    assert seen == [remote] and seen[0].remote


def test_a_refused_job_reports_its_message_and_changes_nothing(
    qtbot: QtBot, runner: ServiceRunner
) -> None:
    def refused() -> None:
        note(Topic.ENTRIES, "never-written")
        raise peewee.IntegrityError("UNIQUE constraint failed: entry.id")

    seen: list[Changes] = []
    errors: list[str] = []
    runner.changed.connect(seen.append)
    runner.submit(refused, on_error=errors.append)
    qtbot.waitUntil(lambda: runner.pending == 0)
    assert len(errors) == 1 and seen == []


def test_a_lost_connection_holds_the_queue_and_retries_in_order_without_duplicates(
    qtbot: QtBot, runner: ServiceRunner, reconnects: list[object]
) -> None:
    saved: list[str] = []  # stands for the table: what actually got written
    attempts: list[str] = []

    def write(text: str, failures: list[int]) -> str:
        attempts.append(text)
        if failures:
            failures.pop()
            raise peewee.OperationalError(LOST)
        if text not in saved:  # the write carries its id: a retry finds it, not a twin
            saved.append(text)
            note(Topic.ENTRIES, text)
        return text

    events: list[str] = []
    runner.connectionLost.connect(lambda message: events.append("lost"))
    runner.connectionRestored.connect(lambda: events.append("restored"))
    done: list[str] = []
    changed: list[Changes] = []
    runner.changed.connect(changed.append)
    runner.submit(write, "first", [1, 1], on_done=done.append)  # fails twice, then lands
    runner.submit(write, "second", [], on_done=done.append)  # waits behind it
    runner.read(lambda: list(saved), on_done=lambda rows: done.append(f"read {rows}"))
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)

    assert attempts == ["first", "first", "first", "second"]
    assert saved == ["first", "second"]
    assert done == ["first", "second", "read ['first', 'second']"]
    assert events == ["lost", "restored"]
    assert reconnects == [database.obj, database.obj]  # reopened before each retry
    assert [c.entries for c in changed] == [frozenset({"first"}), frozenset({"second"})]
    assert not runner.connection_lost


# -- views refresh from the one signal ----------------------------------------------------


@pytest.fixture
def caller(workspace: Workspace) -> RepeatCaller:
    return make_repeat_caller(workspace.user)


def start_call_with(qtbot: QtBot, window: MainWindow, customer_id: str) -> None:
    window.call_pane.start_call(customer_id)
    qtbot.waitUntil(lambda: window.session.active, timeout=10_000)
    wait_for_idle_runner(qtbot, window)


def open_promises(window: MainWindow) -> list[str]:
    return [p.text for p in window.call_pane.card.promises.rows()]


def test_a_promise_kept_in_follow_ups_leaves_the_open_call_card(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller, monkeypatch: pytest.MonkeyPatch
) -> None:
    start_call_with(qtbot, window, caller.customer_id)
    assert open_promises(window) == ["Send an engineer's time slot"]

    qtbot.keyClick(window, Qt.Key.Key_U, CTRL)  # follow-ups
    follow_ups = window.follow_ups
    qtbot.waitUntil(lambda: follow_ups.overdue.model.rowCount() == 1, timeout=10_000)
    follow_ups.overdue.view.setFocus()
    follow_ups.overdue.select_row(0)
    follow_ups.mark_kept()
    dialog = follow_ups.dialog
    assert isinstance(dialog, KeptDialog)
    qtbot.keyClicks(dialog.reason, "Slot sent by text: Tuesday 9-12")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: follow_ups.dialog is None, timeout=10_000)

    window.show_composer()  # back to the call
    qtbot.waitUntil(lambda: open_promises(window) == [], timeout=10_000)
    assert window.call_pane.card.promises_title.text() == "Open promises (0)"
    qtbot.waitUntil(lambda: follow_ups.overdue.model.rowCount() == 0, timeout=10_000)


def test_changes_from_another_desk_refresh_the_card_follow_ups_and_timeline(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller, workspace: Workspace
) -> None:
    start_call_with(qtbot, window, caller.customer_id)
    window.show_follow_ups()
    qtbot.waitUntil(lambda: window.follow_ups.overdue.model.rowCount() == 1, timeout=10_000)
    owed = window.follow_ups.overdue.model.rows()[0]
    call_id = window.session.call.id if window.session.call else ""

    # Another desk keeps the promise and adds to the call; only the feed tells this one.
    keep_promise(workspace.user, owed.id, "Kept at the other desk")
    from companion.entries import add_entry

    entry = add_entry(workspace.user, call_id, "note", "Added at desk B")
    assert get_promise(owed.id).state is PromiseState.KEPT
    window.runner.publish(
        Changes.of(
            [
                (Topic.PROMISES, owed.id),
                (Topic.ENTRIES, entry.id),
                (Topic.CUSTOMERS, caller.customer_id),
            ],
            remote=True,
        )
    )
    qtbot.waitUntil(lambda: window.follow_ups.overdue.model.rowCount() == 0, timeout=10_000)
    qtbot.waitUntil(lambda: open_promises(window) == [], timeout=10_000)
    qtbot.waitUntil(
        lambda: [e.text for e in window.session.entries] == ["Added at desk B"], timeout=10_000
    )
    assert "Added at desk B" in window.call_pane.timeline.model_.rows()[-1].text


def test_an_article_published_elsewhere_shows_in_the_open_article(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    pane = window.playbook
    pane.open_article("greeting")
    qtbot.waitUntil(
        lambda: pane.viewer.current is not None and pane.viewer.current.slug == "greeting",
        timeout=10_000,
    )
    before = pane.viewer.current
    assert before is not None
    newer = dataclasses.replace(before, revision=before.revision + 1)
    from kb import store

    monkeypatch.setattr(store, "visible_article", lambda slug: newer)  # as if desk B published
    searches: list[str] = []
    pane.resultsShown.connect(searches.append)
    window.runner.publish(Changes.of([(Topic.ARTICLES, "greeting")], remote=True))
    qtbot.waitUntil(
        lambda: (
            pane.viewer.current is not None and pane.viewer.current.revision == before.revision + 1
        ),
        timeout=10_000,
    )
    qtbot.waitUntil(lambda: len(searches) == 1, timeout=10_000)  # results asked for again


# -- nothing queries the database on the UI thread ---------------------------------------


def test_no_query_runs_on_the_ui_thread_through_a_whole_call(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller, monkeypatch: pytest.MonkeyPatch
) -> None:
    wait_for_idle_runner(qtbot, window)
    on_ui_thread = queries_on_ui_thread(monkeypatch)
    pane = window.call_pane

    # Find the caller, start the call, write to the record, promise something.
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    with qtbot.waitSignal(pane.lookup.resultsShown, timeout=10_000):
        qtbot.keyClicks(pane.lookup.field, "+1 555 0102030")
    qtbot.keyClick(pane.lookup.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session.active, timeout=10_000)
    qtbot.keyClicks(pane.goal.fields["problem"], "Line drops every evening")
    qtbot.keyClick(pane.goal.fields["problem"], Qt.Key.Key_Tab)
    edit = pane.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, "She has called three times about this")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.session.entries) == 1, timeout=10_000)
    monkeypatch.setattr(
        "ui.call.promise_dialog.PromiseDialog.exec", lambda self: QDialog.DialogCode.Accepted
    )
    qtbot.keyClick(edit, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClicks(edit, "Book the engineer")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.session.promises) == 1, timeout=10_000)
    wait_for_idle_runner(qtbot, window)

    # Keep the old promise in Follow-ups, then open the team view.
    window.show_follow_ups()
    follow_ups = window.follow_ups
    qtbot.waitUntil(lambda: follow_ups.overdue.model.rowCount() == 1, timeout=10_000)
    follow_ups.overdue.view.setFocus()
    follow_ups.overdue.select_row(0)
    follow_ups.mark_kept()
    assert follow_ups.dialog is not None
    qtbot.keyClicks(follow_ups.dialog.reason, "Slot sent")
    qtbot.mouseClick(follow_ups.dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: follow_ups.dialog is None, timeout=10_000)
    window.show_team()
    qtbot.waitUntil(
        lambda: any(
            d.windowTitle() == "Companion — Team view" and d.isVisible()
            for d in window.findChildren(QDialog)
        ),
        timeout=10_000,
    )
    window.show_composer()
    qtbot.waitUntil(lambda: window.call_pane.card.promises.rowCount() == 1, timeout=10_000)
    wait_for_idle_runner(qtbot, window)

    assert on_ui_thread == []
    assert [p.text for p in window.session.promises] == ["Book the engineer"]
