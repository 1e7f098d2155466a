"""The call pane driven from the keyboard, as an agent on a live call would."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester
from pytestqt.qtbot import QtBot

import companion.db as dbmod
import ui.call.call_pane as call_pane_module
from companion import calls, entries, promises
from companion.call_articles import articles_opened
from companion.clock import local_today
from companion.entries import EntryKind
from kb.workspace import Workspace
from tests.ui.call_helpers import RepeatCaller, make_repeat_caller, wait_for_idle_runner
from ui.call.promise_dialog import PromiseDialog
from ui.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def caller(workspace: Workspace) -> RepeatCaller:
    return make_repeat_caller(workspace.user)


def start_call_by_phone(qtbot: QtBot, window: MainWindow, typed: str) -> None:
    pane = window.call_pane
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    assert pane.lookup.field.hasFocus()
    with qtbot.waitSignal(pane.lookup.resultsShown, timeout=10_000):
        qtbot.keyClicks(pane.lookup.field, typed)
    qtbot.keyClick(pane.lookup.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session.active, timeout=10_000)


def type_entry(qtbot: QtBot, window: MainWindow, text: str, kind_key: Qt.Key | None = None) -> None:
    edit = window.call_pane.composer.edit
    before = len(window.session.entries)
    if kind_key is not None:
        qtbot.keyClick(edit, kind_key, ALT)
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.session.entries) == before + 1, timeout=10_000)


def test_repeat_caller_is_found_by_phone_and_their_history_is_on_the_card(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller
) -> None:
    for model in (window.call_pane.lookup.model, window.call_pane.held_model):
        QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    start_call_by_phone(qtbot, window, "555 010 2030")
    assert window.call_pane.lookup.model.match(0).customer.display_name == "Ana Ruiz"
    card = window.call_pane.card
    assert "Ana Ruiz" in card.name.text()
    assert [link.other.display_name for link in card.links.rows()] == ["Luis Ruiz"]
    overdue = card.promises.rows()
    assert [p.text for p in overdue] == ["Send an engineer's time slot"]
    assert card.promises.data(card.promises.index(0, 0), Qt.ItemDataRole.ForegroundRole) is not None
    assert [c.id for c in card.calls.rows()] == [caller.earlier_call_id]
    for model in (card.links, card.promises, card.calls):
        QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)


def test_goal_entries_and_a_promise_are_recorded_from_the_keyboard(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller, monkeypatch: pytest.MonkeyPatch
) -> None:
    start_call_by_phone(qtbot, window, "Ana")
    pane = window.call_pane
    qtbot.keyClick(window, Qt.Key.Key_I, CTRL)
    assert pane.goal.fields["problem"].hasFocus()
    qtbot.keyClicks(pane.goal.fields["problem"], "Internet still drops at 8 pm")
    qtbot.keyClick(pane.goal.fields["problem"], Qt.Key.Key_Tab)
    qtbot.keyClicks(pane.goal.fields["ideal_resolution"], "A stable line by Friday")
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)  # back to the composer; leaving saves the goal
    assert "7 of 7 still unknown" in pane.goal.unknown_label.text()

    type_entry(qtbot, window, "It started again on Monday")
    type_entry(qtbot, window, "Reset the line profile", Qt.Key.Key_3)
    monkeypatch.setattr(PromiseDialog, "exec", lambda self: PromiseDialog.DialogCode.Accepted)
    type_entry(qtbot, window, "Call back with the engineer's slot", Qt.Key.Key_2)
    wait_for_idle_runner(qtbot, window)

    call = calls.get_call(window.workspace.user, window.session.call.id)
    assert call.problem == "Internet still drops at 8 pm"
    assert call.ideal_resolution == "A stable line by Friday"
    kinds = [e.kind for e in entries.entry_views(call.id)]
    assert kinds == [EntryKind.SAID, EntryKind.DONE, EntryKind.PROMISED]
    made = promises.promises_of_call(call.id)
    assert [p.due_on for p in made] == [local_today() + timedelta(days=1)]
    assert pane.composer.text() == ""
    QAbstractItemModelTester(
        pane.timeline.model_, QAbstractItemModelTester.FailureReportingMode.Fatal
    )


def test_shift_enter_adds_a_line_instead_of_an_entry(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller
) -> None:
    start_call_by_phone(qtbot, window, "Ana")
    edit = window.call_pane.composer.edit
    qtbot.keyClicks(edit, "first line")
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(edit, "second line")
    assert edit.toPlainText() == "first line\nsecond line"
    assert window.session.entries == []


def test_phrasing_warning_is_shown_and_one_key_replaces_it(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller
) -> None:
    start_call_by_phone(qtbot, window, "Ana")
    composer = window.call_pane.composer
    qtbot.keyClicks(composer.edit, "Told her the payment was declined")
    assert "declined" in composer.phrasing_hint.text()
    qtbot.keyClick(composer.edit, Qt.Key.Key_Period, CTRL)
    assert "declined" not in composer.text()
    assert composer.text().startswith("Told her the payment")
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.session.entries) == 1, timeout=10_000)
    assert "declined" not in window.session.entries[0].text


def test_suggested_article_opens_with_alt_s_and_is_stored_with_the_call(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller
) -> None:
    start_call_by_phone(qtbot, window, "Ana")
    pane = window.call_pane
    with qtbot.waitSignal(pane.suggestions.suggestionsShown, timeout=10_000):
        qtbot.keyClicks(pane.composer.edit, "caller is shouting and swearing, insulting me")
    qtbot.waitUntil(lambda: bool(pane.suggestions.hits), timeout=10_000)
    first = pane.suggestions.hits[0].slug
    assert "abusive-callers" in [hit.slug for hit in pane.suggestions.hits]
    qtbot.keyClick(pane.composer.edit, Qt.Key.Key_S, ALT)
    viewer = window.playbook.viewer
    qtbot.waitUntil(lambda: viewer.current is not None and viewer.current.slug == first)
    wait_for_idle_runner(qtbot, window)
    assert first in [a.slug for a in articles_opened(window.session.call.id)]


def test_amending_an_entry_keeps_both(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller, monkeypatch: pytest.MonkeyPatch
) -> None:
    start_call_by_phone(qtbot, window, "Ana")
    type_entry(qtbot, window, "Router model RT-100")
    from ui.call.amend_dialog import AmendDialog

    def accept_with_correction(self: AmendDialog) -> int:
        self.edit.setPlainText("Router model RT-1000")
        return AmendDialog.DialogCode.Accepted

    monkeypatch.setattr(AmendDialog, "exec", accept_with_correction)
    timeline = window.call_pane.timeline
    timeline.setFocus()
    timeline.setCurrentIndex(timeline.model_.index(0, 0))
    qtbot.keyClick(timeline, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: len(window.session.entries) == 2, timeout=10_000)
    first, second = window.session.entries
    assert first.text == "Router model RT-100" and first.amended_by == (2,)
    assert second.kind is EntryKind.AMENDMENT and second.amends_seq == 1


def test_a_second_call_puts_the_first_on_hold_when_the_agent_agrees(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller, monkeypatch: pytest.MonkeyPatch
) -> None:
    start_call_by_phone(qtbot, window, "Ana")
    first = window.session.call
    asked: list[str] = []
    monkeypatch.setattr(
        call_pane_module, "ask_hold_or_stay", lambda _p, name: asked.append(name) or False
    )
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    assert asked == ["Ana Ruiz"] and window.session.call == first  # stayed on the call

    monkeypatch.setattr(call_pane_module, "ask_hold_or_stay", lambda _p, _name: True)
    start_call_by_phone(qtbot, window, "Luis")
    assert window.session.call is not None and window.session.call.id != first.id
    held: list[list[str]] = []
    window.session.held_calls(lambda calls_: held.append([c.id for c in calls_]))
    qtbot.waitUntil(lambda: held == [[first.id]])
    assert not calls.get_call(window.workspace.user, first.id).is_closed


@pytest.mark.sqlite_only  # holds SQLite's write lock with sqlite3
def test_a_locked_database_keeps_the_entry_in_the_composer(
    qtbot: QtBot,
    workspace: Workspace,
    caller: RepeatCaller,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(dbmod.SQLITE_PRAGMAS, "busy_timeout", 200)
    window = MainWindow(workspace)  # its worker connects with the short timeout
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.index_ready and window.isActiveWindow(), timeout=20_000)
    start_call_by_phone(qtbot, window, "Ana")
    composer = window.call_pane.composer
    blocker = sqlite3.connect(data_dir / "companion.db")
    blocker.execute("BEGIN IMMEDIATE")
    try:
        qtbot.keyClicks(composer.edit, "Promised nothing yet")
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "locked" in composer.message.text(), timeout=10_000)
        assert composer.text() == "Promised nothing yet"
    finally:
        blocker.rollback()
        blocker.close()
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.session.entries) == 1, timeout=10_000)
    assert composer.text() == ""
    window.close()


def test_hostile_text_is_recorded_intact(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller
) -> None:
    start_call_by_phone(qtbot, window, "Ana")
    composer = window.call_pane.composer
    text = "😡 مرحبا שלום — line\twith tab" + "x" * 50_000
    composer.edit.setPlainText(text)
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.session.entries) == 1, timeout=20_000)
    assert window.session.entries[0].text == text


def test_outbound_call_from_the_lookup(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    window.call_pane.outbound.setChecked(True)
    start_call_by_phone(qtbot, window, "Luis")
    assert window.session.call is not None
    assert window.session.call.direction.value == "outbound"
    assert window.call_pane.call_title.text().startswith("Outbound call to Luis Ruiz")


def test_a_note_past_the_limit_is_refused_and_kept(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller
) -> None:
    start_call_by_phone(qtbot, window, "Ana")
    composer = window.call_pane.composer
    pasted = "A very long pasted log line. " * 36_000  # about 1 MB
    composer.edit.setPlainText(pasted)
    qtbot.keyClick(composer.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Not saved" in composer.message.text(), timeout=20_000)
    assert "characters" in composer.message.text()
    assert composer.text() == pasted
    assert window.session.entries == []


def test_f1_lists_every_window_shortcut(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.help_overlay import HelpOverlay
    from ui.shortcuts import WINDOW

    shown: list[str] = []
    monkeypatch.setattr(
        HelpOverlay, "exec", lambda self: shown.append(self.browser.toPlainText()) or 0
    )
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert len(shown) == 1
    for shortcut in WINDOW.values():
        assert shortcut.keys in shown[0] and shortcut.action in shown[0]


def test_the_replace_key_works_at_the_end_of_a_long_paragraph(
    qtbot: QtBot, window: MainWindow, caller: RepeatCaller
) -> None:
    start_call_by_phone(qtbot, window, "Ana")
    composer = window.call_pane.composer
    long_start = "😀 background noted " * 3000
    composer.edit.setPlainText(long_start)
    composer.edit.moveCursor(composer.edit.textCursor().MoveOperation.End)
    qtbot.keyClicks(composer.edit, "and the card was declined")
    assert "declined" in composer.phrasing_hint.text()
    qtbot.keyClick(composer.edit, Qt.Key.Key_Period, CTRL)
    text = composer.text()
    assert text.startswith(long_start) and "declined" not in text
    assert text.startswith(long_start + "and the card ")
