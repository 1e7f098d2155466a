"""Reads the window makes outside a call go through its runner, never the UI thread.

The audit trail, an earlier call's record, signing in again and the phrasing coach's
rules all read the database; on a shared PostgreSQL store each read is a network
round trip, so a read on the UI thread freezes the window for every keystroke.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from companion import accounts
from companion.accounts import create_account
from companion.changes import Changes, Topic
from companion.phrasing import PhrasingRule
from companion.phrasing_rules import save_rule
from companion.users import Role, User, create_user
from kb.workspace import Workspace
from tests.ui.call_helpers import make_repeat_caller, wait_for_idle_runner
from tests.ui.query_threads import queries_on_ui_thread_within
from ui.audit_view import AuditView
from ui.call.record_dialog import CallRecordDialog
from ui.login_dialog import LoginDialog, sign_in_again
from ui.main_window import MainWindow

PASSWORD = "opens the desk"


pytestmark = pytest.mark.usefixtures("cheap_hashing")


def test_audit_record_and_sign_in_read_nothing_on_the_ui_thread(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    supervisor = create_user("Sam Okafor", Role.SUPERVISOR)
    create_user("Tom Becker", Role.AGENT)
    caller = make_repeat_caller(workspace.user)
    alice = User.get_by_id(create_account(workspace.user, "Alice", Role.ADMIN, PASSWORD).id)
    wait_for_idle_runner(qtbot, window)

    def alice_signs_in(dialog: LoginDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.name_edit.setText("Alice")
        dialog.password_edit.setText(PASSWORD)
        dialog.accept()
        assert dialog.checking and not dialog.sign_in_button.isEnabled()
        qtbot.waitUntil(lambda: not dialog.checking, timeout=10_000)
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", alice_signs_in)

    with queries_on_ui_thread_within(monkeypatch) as on_ui_thread:
        audit = AuditView(supervisor, window.runner)
        qtbot.addWidget(audit)
        audit.show()
        qtbot.waitUntil(lambda: audit.person.count() > 1, timeout=10_000)
        wait_for_idle_runner(qtbot, window)
        shown = audit.model.rowCount()
        assert shown > 0 and audit.message.text() == f"{shown} events."
        audit.person.setCurrentIndex(audit.person.findText("Local desk"))
        wait_for_idle_runner(qtbot, window)
        assert {audit.model.index(r, 1).data() for r in range(audit.model.rowCount())} == {
            "Local desk"
        }

        record = CallRecordDialog(
            workspace.user, caller.earlier_call_id, window, runner=window.runner
        )
        qtbot.addWidget(record)
        with qtbot.waitSignal(record.recordShown, timeout=10_000):
            record.show()
        assert "Customer: Ana Ruiz" in record.browser.toPlainText()
        assert record.windowTitle().startswith("Call record — Ana Ruiz")
        record.close()

        signed_in = sign_in_again("Sign in again.", window, runner=window.runner)
        assert signed_in is not None and signed_in.id == alice.id
        wait_for_idle_runner(qtbot, window)

    assert on_ui_thread == []


def test_a_wrong_password_is_refused_after_an_off_thread_check(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_account(workspace.user, "Alice", Role.ADMIN, PASSWORD)
    wait_for_idle_runner(qtbot, window)
    dialog = LoginDialog(window, runner=window.runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    with queries_on_ui_thread_within(monkeypatch) as on_ui_thread:
        qtbot.keyClicks(dialog.name_edit, "alice")
        qtbot.keyClicks(dialog.password_edit, "not the password")
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not dialog.checking, timeout=10_000)
    assert dialog.message.text() == accounts.LOGIN_FAILED_MESSAGE
    assert dialog.isVisible() and dialog.user() is None
    assert dialog.password_edit.isEnabled() and dialog.password_edit.hasFocus()
    assert on_ui_thread == []
    dialog.reject()


def test_a_rule_saved_at_another_desk_reaches_the_composer_hints(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    supervisor = create_user("Sam Okafor", Role.SUPERVISOR)
    caller = make_repeat_caller(workspace.user)
    window.call_pane.start_call(caller.customer_id)
    qtbot.waitUntil(lambda: window.session.active, timeout=10_000)
    wait_for_idle_runner(qtbot, window)
    composer = window.call_pane.composer
    composer.edit.setFocus()
    qtbot.keyClicks(composer.edit, "I will fix it ASAP")
    assert composer.phrasing_hint.text() == ""

    # Another desk saves a rule (played here, outside the window's runner) ...
    save_rule(
        supervisor,
        PhrasingRule(
            id="as-soon-as-possible",
            pattern="asap",
            suggestion="by the end of today",
            why="A plain time gives the caller something to hold us to.",
        ),
    )
    with queries_on_ui_thread_within(monkeypatch) as on_ui_thread:
        # ... and this window's change feed publishes it.
        window.runner.publish(Changes.of([(Topic.RULES, "as-soon-as-possible")], remote=True))
        qtbot.waitUntil(lambda: "ASAP" in composer.phrasing_hint.text(), timeout=10_000)
        wait_for_idle_runner(qtbot, window)
    assert "BY THE END OF TODAY" in composer.phrasing_hint.text()  # matches the typed case
    assert [f.text for f in composer.coach.coach.check(composer.edit.toPlainText())] == ["ASAP"]
    assert composer.edit.toPlainText() == "I will fix it ASAP"
    assert on_ui_thread == []
