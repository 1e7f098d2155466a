"""Signing in at start-up, and the admin's accounts window, driven as a person would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QDialog, QInputDialog
from pytestqt.qtbot import QtBot

from companion import accounts
from companion.accounts import LOGIN_FAILED_MESSAGE, authenticate, create_account
from companion.customers import CustomerDetails, create_customer
from companion.users import Role, User
from kb.workspace import Workspace, open_workspace
from tests.ui.call_helpers import wait_for_idle_runner
from ui import app as app_module
from ui.accounts_dialog import AccountsDialog, NewAccountDialog
from ui.login_dialog import LoginDialog, sign_in
from ui.main_window import MainWindow
from ui.service_runner import ServiceRunner

PASSWORD = "opens the desk"


pytestmark = pytest.mark.usefixtures("cheap_hashing")


def add_admin(workspace: Workspace, name: str = "Alice") -> User:
    return User.get_by_id(create_account(workspace.user, name, Role.ADMIN, PASSWORD).id)


def test_login_by_keyboard_refuses_then_accepts(qtbot: QtBot, empty_workspace: Workspace) -> None:
    add_admin(empty_workspace)
    dialog = LoginDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.name_edit, "alice")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.password_edit, "not the password")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.message.text() == LOGIN_FAILED_MESSAGE
    assert dialog.isVisible() and dialog.user() is None
    assert dialog.password_edit.text() == ""
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    user = dialog.user()
    assert user is not None and user.display_name == "Alice"


def test_empty_fields_ask_for_both(qtbot: QtBot, empty_workspace: Workspace) -> None:
    add_admin(empty_workspace)
    dialog = LoginDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert dialog.message.text() == "Type your name and your password."
    assert dialog.isVisible()


def test_single_desk_mode_does_not_ask(
    empty_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(_self: LoginDialog) -> int:
        raise AssertionError("no password exists, so nobody should be asked to sign in")

    monkeypatch.setattr(LoginDialog, "exec", never)
    desk = empty_workspace.user
    assert sign_in(empty_workspace)
    assert empty_workspace.user is desk


def test_signing_in_makes_the_workspace_act_as_that_person(
    qtbot: QtBot, empty_workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = add_admin(empty_workspace)

    def type_and_submit(dialog: LoginDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.name_edit.setText("ALICE")
        dialog.password_edit.setText(PASSWORD)
        dialog.accept()
        qtbot.waitUntil(lambda: not dialog.checking, timeout=10_000)  # checked off-thread
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", type_and_submit)
    assert sign_in(empty_workspace)
    assert empty_workspace.user.id == alice.id


def test_cancelling_sign_in_quits_without_a_window(
    qtbot: QtBot, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = open_workspace(data_dir, load_defaults=False)
    add_admin(workspace)
    workspace.close()
    shown: list[LoginDialog] = []

    def cancel(dialog: LoginDialog) -> int:
        qtbot.addWidget(dialog)
        shown.append(dialog)
        return QDialog.DialogCode.Rejected.value

    def no_window(_workspace: Workspace) -> None:
        raise AssertionError("the window must not open without a sign-in")

    monkeypatch.setattr(LoginDialog, "exec", cancel)
    monkeypatch.setattr(app_module, "MainWindow", no_window)
    assert app_module.run_app(str(data_dir)) == 0
    assert len(shown) == 1


@pytest.fixture
def accounts_dialog(qtbot: QtBot, empty_workspace: Workspace) -> Iterator[AccountsDialog]:
    alice = add_admin(empty_workspace)
    runner = ServiceRunner(empty_workspace.db_url)
    dialog = AccountsDialog(alice, runner)
    qtbot.addWidget(dialog)
    QAbstractItemModelTester(
        dialog.model, QAbstractItemModelTester.FailureReportingMode.Warning, dialog
    )
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    yield dialog
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=20_000)
    runner.stop()


def names(dialog: AccountsDialog) -> list[str]:
    return [dialog.model.data(dialog.model.index(row)) for row in range(dialog.model.rowCount())]


def select(qtbot: QtBot, dialog: AccountsDialog, name: str) -> None:
    row = next(i for i, a in enumerate(dialog.model.rows()) if a.display_name == name)
    dialog.view.setCurrentIndex(dialog.model.index(row))
    qtbot.waitUntil(lambda: dialog.toggle_button.isEnabled())


def test_admin_adds_an_agent_who_can_then_sign_in(
    qtbot: QtBot, accounts_dialog: AccountsDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fill(form: NewAccountDialog) -> int:
        qtbot.addWidget(form)
        qtbot.keyClicks(form.name_edit, "Bo Chen")
        form.role_box.setCurrentIndex(form.role_box.findData(Role.AGENT))
        qtbot.keyClicks(form.passwords.first, "agent password")
        qtbot.keyClicks(form.passwords.again, "agent password")
        form.accept()
        return form.result()

    monkeypatch.setattr(NewAccountDialog, "exec", fill)
    qtbot.mouseClick(accounts_dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: accounts_dialog.model.rowCount() == 3)
    assert accounts_dialog.message.text() == "Added Bo Chen."
    assert "Bo Chen — agent, can sign in" in names(accounts_dialog)
    selected = accounts_dialog.selected()
    assert selected is not None and selected.display_name == "Bo Chen"
    assert authenticate("bo chen", "agent password").role == Role.AGENT.value


def test_mismatched_passwords_keep_the_form_open(qtbot: QtBot) -> None:
    form = NewAccountDialog()
    qtbot.addWidget(form)
    form.show()
    qtbot.keyClicks(form.name_edit, "Bo")
    qtbot.keyClicks(form.passwords.first, "agent password")
    qtbot.keyClicks(form.passwords.again, "agent passwrod")
    qtbot.keyClick(form.passwords.again, Qt.Key.Key_Return)
    assert form.message.text() == "The two passwords differ. Type them again."
    assert form.isVisible()


def test_disable_then_enable_and_refusals_show_inline(
    qtbot: QtBot, accounts_dialog: AccountsDialog
) -> None:
    select(qtbot, accounts_dialog, "Alice")
    qtbot.mouseClick(accounts_dialog.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cannot disable your own account" in accounts_dialog.message.text())
    assert "Alice — admin, can sign in" in names(accounts_dialog)

    create_account(accounts_dialog.actor, "Cy", Role.SUPERVISOR, "supervisor pw")
    accounts_dialog.reload()
    qtbot.waitUntil(lambda: accounts_dialog.model.rowCount() == 3)
    select(qtbot, accounts_dialog, "Cy")
    assert accounts_dialog.toggle_button.text() == "&Disable"
    qtbot.mouseClick(accounts_dialog.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: accounts_dialog.message.text() == "Cy is disabled.")
    qtbot.waitUntil(lambda: "Cy — supervisor, disabled" in names(accounts_dialog))
    assert accounts_dialog.toggle_button.text() == "&Enable"
    qtbot.mouseClick(accounts_dialog.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Cy — supervisor, can sign in" in names(accounts_dialog))


def test_change_role_goes_through_the_service(
    qtbot: QtBot, accounts_dialog: AccountsDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    select(qtbot, accounts_dialog, "Local desk")
    monkeypatch.setattr(QInputDialog, "getItem", lambda *_args: ("agent", True))
    qtbot.mouseClick(accounts_dialog.role_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "stays an enabled admin" in accounts_dialog.message.text())
    assert "Local desk — admin, no password" in names(accounts_dialog)


def signed_in_window(qtbot: QtBot, workspace: Workspace, person: User) -> MainWindow:
    """The window as ``person`` left it after signing in this morning."""
    workspace.user = person
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    return window


def supervisor_items(window: MainWindow) -> list[str]:
    menu = window.supervisor_menu
    return [] if menu is None else [action.text() for action in menu.actions()]


def test_an_account_disabled_elsewhere_is_asked_to_sign_in_and_the_text_is_kept(
    qtbot: QtBot, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = add_admin(workspace)
    grace = User.get_by_id(create_account(alice, "Grace", Role.SUPERVISOR, PASSWORD).id)
    customer = create_customer(alice, CustomerDetails.validate("Ana Ruiz")).customer
    window = signed_in_window(qtbot, workspace, grace)
    window.session.start(customer.id)
    qtbot.waitUntil(lambda: window.session.active and window.index_ready, timeout=10_000)
    wait_for_idle_runner(qtbot, window)
    accounts.disable_account(alice, grace.id)  # at the admin's desk, through the service
    asked: list[str] = []

    def alice_signs_in(dialog: LoginDialog) -> int:
        asked.append(dialog.message.text())
        dialog.name_edit.setText("Alice")
        dialog.password_edit.setText(PASSWORD)
        dialog.accept()
        qtbot.waitUntil(lambda: not dialog.checking, timeout=10_000)  # the window's runner
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", alice_signs_in)
    edit = window.call_pane.composer.edit
    qtbot.keyClicks(edit, "The caller wants a refund")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=10_000)

    refusal = (
        "Adding call entries needs an active account; an admin has disabled Grace's "
        "account. Sign in again with an active account."
    )
    assert asked == [refusal]
    assert edit.toPlainText() == "The caller wants a refund"
    assert window.call_pane.composer.message.text().endswith(refusal)
    assert window.workspace.user.id == alice.id and window.session.user.id == alice.id
    assert "&Accounts…" in supervisor_items(window)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(window.session.entries) == 1, timeout=10_000)
    assert window.session.entries[0].author.display_name == "Alice"
    assert window.session.entries[0].text == "The caller wants a refund"
    window.close()


def test_a_demoted_supervisor_is_told_and_loses_the_supervisor_menu(
    qtbot: QtBot, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = add_admin(workspace)
    grace = User.get_by_id(create_account(alice, "Grace", Role.SUPERVISOR, PASSWORD).id)
    window = signed_in_window(qtbot, workspace, grace)
    qtbot.waitUntil(lambda: window.index_ready, timeout=20_000)  # its status line said first
    assert "Playbook &editor…" in supervisor_items(window)
    accounts.change_role(alice, grace.id, Role.AGENT)

    def never(_dialog: LoginDialog) -> int:
        raise AssertionError("a demoted account is still active: no sign-in needed")

    monkeypatch.setattr(LoginDialog, "exec", never)
    assert window.supervisor_menu is not None
    editor_item = next(
        a for a in window.supervisor_menu.actions() if a.text() == "Playbook &editor…"
    )
    editor_item.trigger()
    qtbot.waitUntil(lambda: supervisor_items(window) == [], timeout=10_000)

    assert window.statusBar().currentMessage() == (
        "Opening the playbook editor needs a supervisor or admin account; an admin has "
        "changed Grace's account from supervisor to agent."
    )
    assert supervisor_items(window) == []
    assert "Super&visor" not in [a.text() for a in window.menuBar().actions()]
    assert not [d for d in window.findChildren(QDialog) if d.isVisible()]
    assert window.workspace.user.role == Role.AGENT.value
    window.close()
