"""Escalating, closing and reading a call's record, driven from the keyboard like an agent."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import QCoreApplication, QEventLoop, Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from companion import db as dbmod
from companion.audit import events_for
from companion.calls import Outcome, get_call, start_call, update_call
from companion.customers import CustomerDetails, create_customer
from companion.entries import EntryKind, add_entry, amend_entry, entry_views
from companion.errors import InvalidInput
from companion.handoff import CallerMood
from companion.promises import record_promise, reschedule_promise
from kb.render import render_markdown
from kb.workspace import Workspace, open_workspace
from ui.call.close_dialog import CloseCallDialog
from ui.call.escalate_dialog import EscalateDialog
from ui.call.record_dialog import CallRecordDialog
from ui.call.record_export import ask_and_export, save_markdown, save_pdf
from ui.call.session import CallSession
from ui.service_runner import ServiceRunner

ALT = Qt.KeyboardModifier.AltModifier
D = TypeVar("D", bound=QDialog)


@dataclass
class Desk:
    ws: Workspace
    runner: ServiceRunner
    session: CallSession

    @property
    def call_id(self) -> str:
        assert self.session.call is not None
        return self.session.call.id


def wait_for(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Turn the event loop until ``condition`` holds (for set-up that has no qtbot)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the window's reads"
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


@contextmanager
def open_desk(data_dir: Path) -> Iterator[Desk]:
    """A workspace with one open call under way, and the session the pane would use."""
    ws = open_workspace(data_dir, load_defaults=False)
    runner = ServiceRunner(ws.db_url)
    try:
        user = ws.user
        details = CustomerDetails.validate("Zeynep Yılmaz", phones=["555 010 3030"])
        customer = create_customer(user, details).customer
        call = start_call(
            user, customer.id, problem="Charged twice for March.", ideal_resolution="Refund one."
        )
        update_call(user, call.id, already_tried="Asked the bank to reverse it")
        said = add_entry(user, call.id, "said", "Both charges were on 3 March.")
        add_entry(user, call.id, "done", "Opened refund request R-17.")
        promise = record_promise(user, call.id, "Confirm the refund by e-mail.", date(2031, 3, 7))
        reschedule_promise(user, promise.promise.id, date(2031, 3, 10), "Billing closed Friday")
        amend_entry(user, said.id, "Both charges were on 4 March, not 3.")
        session = CallSession(user, runner)
        session.show_call(call.id)
        wait_for(lambda: session.call is not None)
        yield Desk(ws, runner, session)
    finally:
        runner.stop()
        ws.close()


@pytest.fixture
def desk(data_dir: Path) -> Iterator[Desk]:
    with open_desk(data_dir) as opened:
        yield opened


@pytest.fixture
def locked_desk(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Desk, Callable[[], None]]]:
    """A desk whose database another program holds a write lock on; ``release`` frees it."""
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setitem(dbmod.SQLITE_PRAGMAS, "busy_timeout", 200)
    with open_desk(data_dir) as opened:
        other = sqlite3.connect(dbmod.describe_location(opened.ws.db_url), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield opened, other.rollback
        finally:
            other.close()


def shown(qtbot: QtBot, dialog: D) -> D:
    """Show ``dialog`` as the active window, so its Alt+letter accelerators work."""
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def alt(qtbot: QtBot, dialog: QDialog, key: Qt.Key) -> None:
    """Press Alt+``key``; a button's accelerator clicks it a moment later, as on screen."""
    qtbot.keyClick(dialog, key, ALT)


def choose(qtbot: QtBot, dialog: QDialog, key: Qt.Key, is_chosen: Callable[[], bool]) -> None:
    alt(qtbot, dialog, key)
    qtbot.waitUntil(is_chosen)


def refuse_question(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: object) -> None:
        raise AssertionError("no confirmation expected here")

    monkeypatch.setattr(QMessageBox, "question", fail)


def answer_question(monkeypatch: pytest.MonkeyPatch, answer: QMessageBox.StandardButton) -> list:
    asked: list[str] = []

    def question(_parent: object, title: str, *_args: object) -> QMessageBox.StandardButton:
        asked.append(title)
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def capture_messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    for kind in ("information", "warning"):
        monkeypatch.setattr(
            QMessageBox,
            kind,
            lambda _parent, _title, text, kind=kind: seen.append((kind, text)),
        )
    return seen


# -- escalating ---------------------------------------------------------------------------


def test_handoff_preview_holds_goal_tried_promised_and_mood(qtbot: QtBot, desk: Desk) -> None:
    dialog = shown(qtbot, EscalateDialog(desk.session))
    choose(qtbot, dialog, Qt.Key.Key_F, lambda: dialog.mood() is CallerMood.FRUSTRATED)
    alt(qtbot, dialog, Qt.Key.Key_N)
    assert dialog.note.hasFocus()
    qtbot.keyClicks(dialog.note, "Wants a supervisor")
    preview = dialog.preview.toPlainText()
    assert preview == dialog.summary_text()
    assert "Problem: Charged twice for March." in preview
    assert "By the caller: Asked the bank to reverse it" in preview
    assert "Opened refund request R-17." in preview
    assert "Confirm the refund by e-mail. (due 2031-03-10" in preview
    assert "Both charges were on 3 March. [corrected: Both charges were on 4 March" in preview
    assert "How the caller feels\n- Frustrated\n- Note: Wants a supervisor" in preview


def test_handoff_preview_follows_the_record_while_open(qtbot: QtBot, desk: Desk) -> None:
    dialog = shown(qtbot, EscalateDialog(desk.session))
    errors: list[str] = []
    desk.session.add_entry(EntryKind.DONE, "Sent the claim form.", lambda _e: None, errors.append)
    qtbot.waitUntil(lambda: "- #5 Sent the claim form." in dialog.preview.toPlainText())
    assert errors == []


def test_copy_puts_the_summary_on_the_clipboard(qtbot: QtBot, desk: Desk) -> None:
    dialog = shown(qtbot, EscalateDialog(desk.session))
    choose(qtbot, dialog, Qt.Key.Key_U, lambda: dialog.mood() is CallerMood.UPSET)
    alt(qtbot, dialog, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Copied"))
    assert QApplication.clipboard().text() == dialog.summary_text()
    assert "- Upset" in QApplication.clipboard().text()


def test_saving_the_handoff_adds_a_note_and_marks_the_call_escalated(
    qtbot: QtBot, desk: Desk
) -> None:
    dialog = shown(qtbot, EscalateDialog(desk.session))
    choose(qtbot, dialog, Qt.Key.Key_A, lambda: dialog.mood() is CallerMood.ANGRY)
    qtbot.keyClicks(dialog.note, "Shouting; let them finish. ")
    dialog.note.insertPlainText("مرحبا 😀")  # pasted: keyboards type no emoji
    expected = dialog.summary_text()
    with qtbot.waitSignal(dialog.escalated) as escalated:
        alt(qtbot, dialog, Qt.Key.Key_S)
    assert escalated.args == [desk.call_id]
    assert dialog.result() == QDialog.DialogCode.Accepted
    note = entry_views(desk.call_id)[-1]
    assert note.kind is EntryKind.NOTE
    assert note.text == "Handoff summary\n" + expected.strip()
    assert "- Angry" in note.text and "مرحبا 😀" in note.text


def test_saving_without_a_mood_is_refused(qtbot: QtBot, desk: Desk) -> None:
    before = len(entry_views(desk.call_id))
    dialog = shown(qtbot, EscalateDialog(desk.session))
    alt(qtbot, dialog, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: "Choose how the caller feels" in dialog.message.text())
    assert dialog.isVisible() and desk.runner.pending == 0
    assert len(entry_views(desk.call_id)) == before


# -- closing ------------------------------------------------------------------------------


def test_open_promises_are_listed_for_the_wrap_up(qtbot: QtBot, desk: Desk) -> None:
    dialog = shown(qtbot, CloseCallDialog(desk.session))
    QAbstractItemModelTester(
        dialog.promises_model, QAbstractItemModelTester.FailureReportingMode.Fatal
    )
    loaded: list[bool] = []
    desk.session.show_call(desk.call_id, on_shown=lambda _call: loaded.append(True))
    qtbot.waitUntil(lambda: loaded == [True])  # the record reloaded while the dialog is open
    rows = [
        dialog.promises_model.data(dialog.promises_model.index(row))
        for row in range(dialog.promises_model.rowCount())
    ]
    assert rows == ["Confirm the refund by e-mail. (due 2031-03-10, Local desk)"]
    assert dialog.promises_view.isVisible()


def test_closing_without_an_outcome_is_refused_with_a_message(
    qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_question(monkeypatch)
    dialog = shown(qtbot, CloseCallDialog(desk.session))
    choose(qtbot, dialog, Qt.Key.Key_I, dialog.asked.isChecked)
    alt(qtbot, dialog, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Choose how the call ended"))
    assert dialog.isVisible() and desk.runner.pending == 0
    assert not get_call(desk.ws.user, desk.call_id).is_closed


def test_closing_with_an_outcome_closes_the_record_as_typed(
    qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    refuse_question(monkeypatch)
    dialog = shown(qtbot, CloseCallDialog(desk.session))
    choose(qtbot, dialog, Qt.Key.Key_I, dialog.asked.isChecked)
    choose(qtbot, dialog, Qt.Key.Key_F, lambda: dialog.outcome() is Outcome.FOLLOW_UP)
    alt(qtbot, dialog, Qt.Key.Key_S)
    assert dialog.summary.hasFocus()
    qtbot.keyClicks(dialog.summary, "Refund pending ")
    dialog.summary.insertPlainText("\u202bשלום\u202c 😀\x07")  # pasted, with a stray bell
    with qtbot.waitSignal(dialog.closed):
        alt(qtbot, dialog, Qt.Key.Key_C)
    call = get_call(desk.ws.user, desk.call_id)
    assert call.is_closed and call.outcome is Outcome.FOLLOW_UP
    assert call.summary == "Refund pending \u202bשלום\u202c 😀"
    assert dialog.export_markdown.isVisible() and dialog.export_pdf.isVisible()
    assert not dialog.close_button.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_closing_without_the_closing_question_asks_first(
    qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = answer_question(monkeypatch, QMessageBox.StandardButton.No)
    dialog = shown(qtbot, CloseCallDialog(desk.session, preset_outcome=Outcome.ESCALATED))
    assert dialog.outcome() is Outcome.ESCALATED
    alt(qtbot, dialog, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: asked == ["Close without asking?"])
    assert desk.runner.pending == 0 and dialog.asked.hasFocus()

    answer_question(monkeypatch, QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(dialog.closed):
        alt(qtbot, dialog, Qt.Key.Key_C)
    assert get_call(desk.ws.user, desk.call_id).outcome is Outcome.ESCALATED


@pytest.mark.sqlite_only  # holds SQLite's write lock with sqlite3
def test_a_locked_database_keeps_the_close_dialog_open_with_the_reason(
    qtbot: QtBot, locked_desk: tuple[Desk, Callable[[], None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, release = locked_desk
    refuse_question(monkeypatch)
    dialog = shown(qtbot, CloseCallDialog(desk.session))
    choose(qtbot, dialog, Qt.Key.Key_I, dialog.asked.isChecked)
    choose(qtbot, dialog, Qt.Key.Key_R, lambda: dialog.outcome() is Outcome.RESOLVED)
    qtbot.keyClicks(dialog.summary, "Sorted on the call.")
    alt(qtbot, dialog, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: "locked by another program" in dialog.message.text())
    assert dialog.isVisible() and dialog.close_button.isEnabled()
    assert dialog.summary.toPlainText() == "Sorted on the call."

    release()
    with qtbot.waitSignal(dialog.closed):
        alt(qtbot, dialog, Qt.Key.Key_C)
    assert get_call(desk.ws.user, desk.call_id).summary == "Sorted on the call."


@pytest.mark.sqlite_only  # holds SQLite's write lock with sqlite3
def test_a_locked_database_keeps_the_handoff_dialog_open_with_the_note(
    qtbot: QtBot, locked_desk: tuple[Desk, Callable[[], None]]
) -> None:
    desk, _release = locked_desk
    dialog = shown(qtbot, EscalateDialog(desk.session))
    choose(qtbot, dialog, Qt.Key.Key_O, lambda: dialog.mood() is CallerMood.CONFUSED)
    qtbot.keyClicks(dialog.note, "Needs the billing team.")
    alt(qtbot, dialog, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: "locked by another program" in dialog.message.text())
    assert dialog.isVisible() and dialog.save_button.isEnabled()
    assert dialog.note.toPlainText() == "Needs the billing team."


# -- exporting ----------------------------------------------------------------------------


def test_markdown_export_holds_every_entry(desk: Desk, tmp_path: Path) -> None:
    path = save_markdown(desk.ws.user, desk.call_id, tmp_path / "record.md")
    text = path.read_text(encoding="utf-8")
    assert "# Call with Zeynep Yılmaz" in text
    for entry in entry_views(desk.call_id):
        assert f"> {entry.text}" in text
    assert events_for(desk.call_id)[-1].action == "export"


def test_pdf_export_writes_a_pdf(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:
    path = save_pdf(desk.ws.user, desk.call_id, tmp_path / "record.pdf")
    assert path.read_bytes().startswith(b"%PDF")


def test_export_to_an_unwritable_place_says_so(desk: Desk, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="Could not save"):
        save_markdown(desk.ws.user, desk.call_id, tmp_path / "no such folder" / "record.md")
    with pytest.raises(InvalidInput, match="it is a folder"):
        save_pdf(desk.ws.user, desk.call_id, tmp_path)
    assert list(tmp_path.iterdir()) == [tmp_path / "data"]


def test_export_asks_for_a_file_and_reports_where_it_went(
    qtbot: QtBot, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = capture_messages(monkeypatch)
    offered: list[str] = []

    def choose(_parent: object, _title: str, start: str, _filter: str) -> tuple[str, str]:
        offered.append(Path(start).name)
        return str(tmp_path / "zeynep"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    ask_and_export(None, desk.ws.user, desk.call_id, "md", runner=desk.runner)
    qtbot.waitUntil(lambda: bool(seen))
    assert offered[0].startswith("Call Zeynep Yılmaz ") and offered[0].endswith(".md")
    assert seen == [("information", f"The call record was saved to {tmp_path / 'zeynep.md'}.")]
    assert "Opened refund request R-17." in (tmp_path / "zeynep.md").read_text(encoding="utf-8")


def test_a_pdf_export_renders_off_the_ui_thread(
    qtbot: QtBot, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = capture_messages(monkeypatch)
    release = threading.Event()
    rendered_in: list[threading.Thread] = []

    def render(source: str) -> str:
        rendered_in.append(threading.current_thread())
        assert release.wait(timeout=20), "the test never released the renderer"
        return render_markdown(source)

    monkeypatch.setattr("ui.call.record_export.render_markdown", render)
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *_a: (str(tmp_path / "zeynep.pdf"), "")
    )
    ask_and_export(None, desk.ws.user, desk.call_id, "pdf", runner=desk.runner)
    try:
        qtbot.waitUntil(lambda: bool(rendered_in), timeout=10_000)
        assert rendered_in[0] is not threading.main_thread()
        assert seen == [] and not (tmp_path / "zeynep.pdf").exists()
    finally:
        release.set()
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert seen == [("information", f"The call record was saved to {tmp_path / 'zeynep.pdf'}.")]
    assert (tmp_path / "zeynep.pdf").read_bytes().startswith(b"%PDF")


def test_export_failure_is_reported_not_raised(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = capture_messages(monkeypatch)
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *_a: (str(tmp_path / "gone" / "r.pdf"), "")
    )
    ask_and_export(None, desk.ws.user, desk.call_id, "pdf")
    assert len(seen) == 1 and seen[0][0] == "warning"
    assert "Could not save" in seen[0][1]


def test_cancelling_the_file_dialog_exports_nothing(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = capture_messages(monkeypatch)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a: ("", ""))
    ask_and_export(None, desk.ws.user, desk.call_id, "md")
    assert seen == [] and desk.runner.pending == 0


# -- reading an earlier call --------------------------------------------------------------


def test_record_dialog_shows_amendments_and_promise_history(qtbot: QtBot, desk: Desk) -> None:
    add_entry(desk.ws.user, desk.call_id, "note", "# not a heading <b>bold?</b> *stars*")
    dialog = shown(qtbot, CallRecordDialog(desk.ws.user, desk.call_id))
    qtbot.waitUntil(lambda: not dialog.rendering, timeout=10_000)
    text = dialog.browser.toPlainText()
    assert "Customer: Zeynep Yılmaz" in text
    assert "Outcome: not closed yet" in text
    assert "#1 · " in text and "amended by #4" in text
    assert "corrects #1" in text and "Both charges were on 4 March, not 3." in text
    assert "promised, due 2031-03-07" in text
    assert "due date moved from 2031-03-07 to 2031-03-10. Billing closed Friday" in text
    assert "# not a heading <b>bold?</b> *stars*\n" in text
    assert dialog.browser.isReadOnly()
    qtbot.keyClick(dialog.browser, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_a_slow_record_shows_loading_and_leaves_the_window_answering(
    qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def render(source: str) -> str:
        assert release.wait(timeout=20), "the test never released the renderer"
        return render_markdown(source)

    monkeypatch.setattr("ui.render_worker.render_markdown", render)
    dialog = shown(qtbot, CallRecordDialog(desk.ws.user, desk.call_id))
    try:
        assert dialog.windowTitle().startswith("Call record — Zeynep Yılmaz")
        qtbot.waitUntil(lambda: "Loading the record…" in dialog.browser.toPlainText())
        assert dialog.rendering
        assert dialog.browser.hasFocus()
        with qtbot.waitSignal(dialog.recordShown, timeout=10_000):
            release.set()
    finally:
        release.set()
    text = dialog.browser.toPlainText()
    assert "Loading" not in text
    assert "Customer: Zeynep Yılmaz" in text and "corrects #1" in text
    qtbot.keyClick(dialog.browser, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_record_dialog_for_an_unknown_call_says_so(qtbot: QtBot, desk: Desk) -> None:
    dialog = shown(qtbot, CallRecordDialog(desk.ws.user, "no-such-call"))
    assert "could not be shown" in dialog.browser.toPlainText()
    assert not dialog.export_markdown.isEnabled()
