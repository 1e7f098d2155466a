"""Supervisor views as a supervisor uses them: phrasing rules, the audit trail, the team."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QDate, Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QFileDialog, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from companion.calls import close_call, start_call
from companion.clock import local_today
from companion.customers import CustomerDetails, create_customer
from companion.phrasing_rules import PhrasingRuleRevision, rule_history
from companion.promises import keep_promise, record_promise
from companion.users import Role, User, create_user
from kb.workspace import Workspace
from ui.audit_view import AuditView
from ui.call.phrasing_highlighter import PhrasingCoach
from ui.rules_editor import RulesEditor
from ui.service_runner import ServiceRunner
from ui.team_view import TODAY_BAR, TeamView


@pytest.fixture
def supervisor(empty_workspace: Workspace) -> User:
    return create_user("Sam Okafor", Role.SUPERVISOR)


def _show(qtbot: QtBot, widget: QWidget, model: QAbstractItemModel) -> None:
    qtbot.addWidget(widget)
    # Parented to the widget, so the tester checks the model for the whole test.
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning, widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)


@pytest.fixture
def editor(qtbot: QtBot, supervisor: User, runner: ServiceRunner) -> RulesEditor:
    widget = RulesEditor(supervisor, runner)
    _show(qtbot, widget, widget.model)
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)  # the rules, read off-thread
    return widget


def _select(editor: RulesEditor, rule_id: str) -> None:
    row = next(n for n, view in enumerate(editor.model.rows()) if view.rule.id == rule_id)
    editor.list.setCurrentIndex(editor.model.index(row))


def _save_and_wait(qtbot: QtBot, editor: RulesEditor, runner: ServiceRunner) -> None:
    qtbot.keyClick(editor.pattern, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)


def test_a_new_rule_is_typed_saved_and_flags_an_open_note_at_once(
    qtbot: QtBot, editor: RulesEditor, runner: ServiceRunner
) -> None:
    note = QPlainTextEdit()
    qtbot.addWidget(note)
    coach = PhrasingCoach(note)
    qtbot.keyClick(editor.list, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert editor.rule_id.hasFocus() and editor.revision.text() == "New rule: not saved yet."
    qtbot.keyClicks(editor.rule_id, "as-soon-as-possible")
    qtbot.keyClicks(editor.pattern, "asap")
    qtbot.keyClicks(editor.suggestion, "by the end of today")
    qtbot.keyClicks(editor.why, "A plain time gives the caller something to hold us to.")
    _save_and_wait(qtbot, editor, runner)
    assert editor.error.isHidden()
    assert "as-soon-as-possible" in [view.rule.id for view in editor.model.rows()]
    assert editor.status.text() == "Saved “as-soon-as-possible” as revision 1."
    qtbot.keyClicks(note, "I will fix it ASAP")
    assert [flag.text for flag in coach.coach.check(note.toPlainText())] == ["ASAP"]


def test_editing_a_rule_saves_a_new_revision_and_keeps_the_old(
    qtbot: QtBot, editor: RulesEditor, runner: ServiceRunner
) -> None:
    _select(editor, "calm-down")
    assert editor.rule_id.isReadOnly()
    editor.suggestion.setText("I can hear this has been hard")
    _save_and_wait(qtbot, editor, runner)
    assert editor.revision.text().startswith("Revision 2, by Sam Okafor")
    history = rule_history(editor.user, "calm-down")
    assert [h.rule.suggestion for h in history] == [
        "I can hear how frustrating this is",
        "I can hear this has been hard",
    ]


def test_a_pattern_matching_everything_is_refused_inline_and_the_text_is_kept(
    qtbot: QtBot, editor: RulesEditor, runner: ServiceRunner
) -> None:
    _select(editor, "calm-down")
    saved = PhrasingRuleRevision.select().count()
    editor.pattern.setText("*ing")
    editor.why.setText("My careful explanation")
    _save_and_wait(qtbot, editor, runner)
    assert editor.error.isVisible()
    assert "would match every word" in editor.error.text()
    assert (editor.pattern.text(), editor.why.text()) == ("*ing", "My careful explanation")
    assert PhrasingRuleRevision.select().count() == saved
    assert editor.save_button.isEnabled()


def test_disable_switches_a_rule_off_and_the_list_says_so(
    qtbot: QtBot, editor: RulesEditor, runner: ServiceRunner
) -> None:
    _select(editor, "calm-down")
    qtbot.mouseClick(editor.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    row = next(n for n, v in enumerate(editor.model.rows()) if v.rule.id == "calm-down")
    assert editor.model.index(row).data() == "calm-down (off)"
    assert editor.toggle_button.text() == "&Enable"
    assert not editor.enabled.isChecked()


def test_the_try_box_shows_what_the_unsaved_draft_would_flag(
    qtbot: QtBot, editor: RulesEditor
) -> None:
    _select(editor, "calm-down")
    qtbot.keyClicks(editor.sentence, "Please settle down, sir.")
    assert editor.try_result.text().startswith("'settle down' → rephrase")
    editor.pattern.setText("calm down")
    assert editor.try_result.text() == "No rule flags this sentence."
    editor.pattern.setText("settle(")
    assert "Cannot check" in editor.try_result.text()
    assert rule_history(editor.user, "calm-down")[-1].revision == 1


@pytest.fixture
def trail(empty_workspace: Workspace, supervisor: User) -> User:
    """Two people's work in the trail: the desk created a customer, Tom opened a call."""
    tom = create_user("Tom Becker", Role.AGENT)
    ana = create_customer(empty_workspace.user, CustomerDetails.validate("Ana Ruiz")).customer
    start_call(tom, ana.id)
    return tom


@pytest.fixture
def audit_view(qtbot: QtBot, supervisor: User, runner: ServiceRunner, trail: User) -> AuditView:
    widget = AuditView(supervisor, runner)
    _show(qtbot, widget, widget.model)
    _settle(qtbot, runner)  # the filter choices and the first search, read off-thread
    return widget


def _settle(qtbot: QtBot, runner: ServiceRunner) -> None:
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)


def _column(view: AuditView, column: int) -> list[str]:
    model = view.model
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_filters_narrow_the_table(
    qtbot: QtBot, audit_view: AuditView, runner: ServiceRunner
) -> None:
    assert _column(audit_view, 1) == ["Tom Becker", "Local desk"]
    audit_view.person.setCurrentIndex(audit_view.person.findText("Tom Becker"))
    _settle(qtbot, runner)
    assert _column(audit_view, 1) == ["Tom Becker"]
    assert _column(audit_view, 3)[0].startswith("call ")
    audit_view.person.setCurrentIndex(0)
    audit_view.object_type.setCurrentIndex(audit_view.object_type.findText("Customer"))
    _settle(qtbot, runner)
    assert _column(audit_view, 1) == ["Local desk"]
    assert audit_view.message.text() == "1 event."


def test_an_end_before_the_start_is_explained_and_the_table_kept(
    qtbot: QtBot, audit_view: AuditView, runner: ServiceRunner
) -> None:
    today = local_today()
    audit_view.until_on.setChecked(True)
    audit_view.until.setDate(QDate(today.year, today.month, today.day).addDays(-10))
    _settle(qtbot, runner)
    assert _column(audit_view, 1) == []
    assert audit_view.message.text() == "No events match these filters."
    audit_view.since_on.setChecked(True)
    _settle(qtbot, runner)
    assert audit_view.error.isVisible()
    assert "is before the start date" in audit_view.error.text()
    assert _column(audit_view, 1) == []
    audit_view.until_on.setChecked(False)
    _settle(qtbot, runner)
    assert audit_view.error.isHidden()
    assert len(_column(audit_view, 1)) == 2


def test_export_writes_the_shown_events_to_the_chosen_file(
    qtbot: QtBot,
    audit_view: AuditView,
    runner: ServiceRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "trail"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(audit_view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    written = tmp_path / "trail.csv"
    assert audit_view.message.text() == f"Exported 2 events to {written}."
    lines = written.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 3 and "Tom Becker" in lines[1]


def test_an_unwritable_export_path_is_said_and_nothing_written(
    qtbot: QtBot,
    audit_view: AuditView,
    runner: ServiceRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "no such folder" / "trail.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(audit_view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    assert "Nothing was exported" in audit_view.error.text()
    assert audit_view.error.isVisible() and audit_view.export_button.isEnabled()
    assert not target.parent.exists()


def test_an_open_trail_shows_what_is_done_meanwhile(
    qtbot: QtBot, audit_view: AuditView, runner: ServiceRunner, empty_workspace: Workspace
) -> None:
    before = len(_column(audit_view, 1))
    runner.submit(create_customer, empty_workspace.user, CustomerDetails.validate("Bea Lind"))
    qtbot.waitUntil(lambda: len(_column(audit_view, 1)) == before + 1, timeout=10_000)
    assert audit_view.message.text() == f"{before + 1} events."


def test_the_team_view_shows_each_persons_load_and_the_chart_paints(
    qtbot: QtBot, empty_workspace: Workspace, supervisor: User, runner: ServiceRunner
) -> None:
    today = local_today()
    tom = create_user("Tom Becker", Role.AGENT)
    ana = create_customer(tom, CustomerDetails.validate("Ana Ruiz")).customer
    call = start_call(tom, ana.id)
    early = record_promise(tom, call.id, "Send the form", today + timedelta(days=1))
    keep_promise(tom, early.promise.id, "Sent")
    record_promise(tom, call.id, "Call back", today + timedelta(days=1))
    record_promise(tom, call.id, "Check the refund", today)
    close_call(tom, call.id, "escalated")
    view = TeamView(supervisor, runner)
    _show(qtbot, view, view.model)
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    row = [view.model.index(0, column).data() for column in range(5)]
    assert row == ["Tom Becker", "0", "1", "1", "1"]
    assert [count for _, count in view.chart.days[:3]] == [1, 1, 0]
    assert view.rate.text() == "—"
    image = view.chart.grab().toImage()
    assert not image.isNull()
    colours = {
        image.pixelColor(x, y).name()
        for x in range(image.width())
        for y in range(0, image.height(), 4)
    }
    assert TODAY_BAR.name() in colours

    view.today = lambda: today + timedelta(days=2)
    view.refresh()
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    assert view.rate.text() == "33%"
    assert view.rate_caption.text().startswith("1 of 3 promises")
    assert [view.model.index(0, c).data() for c in range(5)] == ["Tom Becker", "2", "0", "0", "0"]


def test_an_agent_opening_the_team_view_is_told_why_it_is_empty(
    qtbot: QtBot, empty_workspace: Workspace, runner: ServiceRunner
) -> None:
    view = TeamView(create_user("Tom Becker", Role.AGENT), runner)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
    assert view.message.text() == "Viewing the team overview needs a supervisor or admin account."
    assert view.model.rowCount() == 0
