"""One whole call, keyboard only: from "who is calling?" to a closed, audited record."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QRadioButton
from pytestqt.qtbot import QtBot

from companion import audit, calls, entries, promises
from companion.call_articles import articles_opened
from companion.calls import Outcome
from companion.entries import EntryKind
from kb.workspace import Workspace
from tests.ui.call_helpers import make_repeat_caller, wait_for_idle_runner
from ui.call.close_dialog import CloseCallDialog
from ui.call.escalate_dialog import EscalateDialog
from ui.call.promise_dialog import PromiseDialog
from ui.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def choose(dialog: QDialog, qtbot: QtBot, prop: str, value: str) -> None:
    """Tab to a radio button and press Space on it, as a keyboard user does."""
    button = next(b for b in dialog.findChildren(QRadioButton) if b.property(prop) == value)
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert button.isChecked()


def test_a_whole_call_by_keyboard(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    caller = make_repeat_caller(workspace.user)
    pane = window.call_pane

    # Find the caller by the number on the screen, and start the call.
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    with qtbot.waitSignal(pane.lookup.resultsShown, timeout=10_000):
        qtbot.keyClicks(pane.lookup.field, "+1 555 0102030")
    qtbot.keyClick(pane.lookup.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session.active, timeout=10_000)
    call_id = window.session.call.id

    # The goal, then said / done / promised entries.
    qtbot.keyClick(window, Qt.Key.Key_I, CTRL)
    qtbot.keyClicks(pane.goal.fields["problem"], "Line drops every evening")
    qtbot.keyClick(pane.goal.fields["problem"], Qt.Key.Key_Tab)
    qtbot.keyClicks(pane.goal.fields["ideal_resolution"], "Engineer visit this week")
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)
    edit = pane.composer.edit

    def add(text: str, kind: Qt.Key | None = None) -> None:
        count = len(window.session.entries)
        if kind is not None:
            qtbot.keyClick(edit, kind, ALT)
        qtbot.keyClicks(edit, text)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: len(window.session.entries) == count + 1, timeout=10_000)

    add("She has called three times about this")
    add("Ran a line test: noise on the line", Qt.Key.Key_3)
    monkeypatch.setattr(PromiseDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    add("Book the engineer and confirm by phone", Qt.Key.Key_2)

    # A phrasing warning, accepted with one key.
    qtbot.keyClicks(edit, "Explained why the last visit was cancelled")
    assert "cancelled" in pane.composer.phrasing_hint.text()
    qtbot.keyClick(edit, Qt.Key.Key_Period, CTRL)
    assert "cancelled" not in pane.composer.text()
    count = len(window.session.entries)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.session.entries) == count + 1, timeout=10_000)

    # A suggested article, opened with Alt+S.
    with qtbot.waitSignal(pane.suggestions.suggestionsShown, timeout=10_000):
        qtbot.keyClicks(edit, "She is shouting and wants a supervisor")
    qtbot.waitUntil(lambda: bool(pane.suggestions.hits), timeout=10_000)
    suggested = pane.suggestions.hits[0].slug
    qtbot.keyClick(edit, Qt.Key.Key_S, ALT)
    viewer = window.playbook.viewer
    qtbot.waitUntil(lambda: viewer.current is not None and viewer.current.slug == suggested)
    edit.clear()

    # Escalate: mood, then save the handoff to the record.
    def run_escalation(self: EscalateDialog) -> int:
        self.show()
        choose(self, qtbot, "mood", "frustrated")
        assert "Line drops every evening" in self.summary_text()
        assert "Book the engineer" in self.summary_text()
        qtbot.keyClick(self.save_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: not self.isVisible(), timeout=10_000)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(EscalateDialog, "exec", run_escalation)
    qtbot.keyClick(window, Qt.Key.Key_E, CTRL)
    wait_for_idle_runner(qtbot, window)

    # Close: the closing question, the outcome (preset to escalated), a summary.
    def run_close(self: CloseCallDialog) -> int:
        self.show()
        assert self.outcome() is Outcome.ESCALATED
        self.asked.setFocus()
        qtbot.keyClick(self.asked, Qt.Key.Key_Space)
        self.summary.setFocus()
        qtbot.keyClicks(self.summary, "Escalated to the field team; engineer to be booked")
        self.close_button.setFocus()
        qtbot.keyClick(self.close_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: self.closed_call is not None, timeout=10_000)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CloseCallDialog, "exec", run_close)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, Qt.Key.Key_W, CTRL)
    qtbot.waitUntil(lambda: window.session.call is None, timeout=10_000)

    # The record, the promise and the audit trail are in the database.
    user = workspace.user
    record = calls.get_call(user, call_id)
    assert record.outcome is Outcome.ESCALATED
    assert record.problem == "Line drops every evening"
    assert record.summary.startswith("Escalated to the field team")
    kinds = [e.kind for e in entries.entry_views(call_id)]
    assert kinds == [
        EntryKind.SAID, EntryKind.DONE, EntryKind.PROMISED, EntryKind.SAID, EntryKind.NOTE,
    ]  # fmt: skip
    handoff = entries.entry_views(call_id)[-1].text
    assert handoff.startswith("Handoff summary") and "Frustrated" in handoff
    made = promises.promises_of_call(call_id)
    assert [p.text for p in made] == ["Book the engineer and confirm by phone"]
    assert suggested in [a.slug for a in articles_opened(call_id)]
    actions = [(e.action, e.details) for e in audit.events_for(call_id)]
    assert actions[0][0] == "create"
    assert any(details.get("closed") for _, details in actions)
    assert caller.customer_id == record.customer.id
