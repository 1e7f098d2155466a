"""Duplicates are visible: the lookup and the caller card say so; supervisors can merge."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from companion.customer_models import Customer
from companion.customers import CustomerDetails, create_customer, get_customer
from companion.users import Role, User, create_user
from kb.workspace import Workspace
from ui.call.duplicate_notes import MergeDialog
from ui.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier


def open_window(qtbot: QtBot, workspace: Workspace, role: Role) -> MainWindow:
    workspace.user = create_user(f"Desk {role.value}", role)
    main = MainWindow(workspace)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    qtbot.waitUntil(lambda: main.index_ready, timeout=20_000)
    return main


@pytest.fixture
def supervisor_window(qtbot: QtBot, workspace: Workspace) -> Iterator[MainWindow]:
    main = open_window(qtbot, workspace, Role.SUPERVISOR)
    yield main
    main.close()


@pytest.fixture
def agent_window(qtbot: QtBot, workspace: Workspace) -> Iterator[MainWindow]:
    main = open_window(qtbot, workspace, Role.AGENT)
    yield main
    main.close()


def customer(user: User, name: str, **details: object) -> str:
    return create_customer(user, CustomerDetails.validate(name, **details)).customer.id  # type: ignore[arg-type]


def look_up(qtbot: QtBot, window: MainWindow, typed: str) -> None:
    pane = window.call_pane
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    with qtbot.waitSignal(pane.lookup.resultsShown, timeout=10_000):
        qtbot.keyClicks(pane.lookup.field, typed)


def start_call(qtbot: QtBot, window: MainWindow, typed: str) -> None:
    look_up(qtbot, window, typed)
    qtbot.keyClick(window.call_pane.lookup.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session.active, timeout=10_000)


def card_notes(window: MainWindow) -> list[str]:
    notes = window.call_pane.card.duplicates.findChildren(QLabel, "duplicateNote")
    return [label.text() for label in notes if not label.isHidden()]


def merge_buttons(window: MainWindow) -> list[QPushButton]:
    return window.call_pane.card.duplicates.findChildren(QPushButton, "mergeDuplicate")


def test_a_shared_phone_is_noted_in_the_lookup_and_on_the_card(
    qtbot: QtBot, supervisor_window: MainWindow
) -> None:
    user = supervisor_window.workspace.user
    customer(user, "Ana Ruiz", phones=["555 010 2030"])
    customer(user, "Beatriz Solano", phones=["555 010 2030"])
    look_up(qtbot, supervisor_window, "Beatriz")
    model = supervisor_window.call_pane.lookup.model
    assert model.note(0).startswith("Possible duplicate of Ana Ruiz — same phone")
    assert "Possible duplicate of Ana Ruiz" in model.index(0, 0).data()
    qtbot.keyClick(supervisor_window.call_pane.lookup.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: supervisor_window.session.active, timeout=10_000)
    qtbot.waitUntil(lambda: bool(card_notes(supervisor_window)), timeout=10_000)
    assert card_notes(supervisor_window)[0].startswith(
        "Possible duplicate of Ana Ruiz — same phone"
    )


def test_a_similar_name_is_noted(qtbot: QtBot, supervisor_window: MainWindow) -> None:
    user = supervisor_window.workspace.user
    customer(user, "Jonathan Smithers")
    customer(user, "Jonathon Smithers", phones=["555 010 9999"])
    start_call(qtbot, supervisor_window, "555 010 9999")
    qtbot.waitUntil(lambda: bool(card_notes(supervisor_window)), timeout=10_000)
    note = card_notes(supervisor_window)[0]
    assert note.startswith("Possible duplicate of Jonathan Smithers — very similar name")


def test_distinct_customers_have_no_note(qtbot: QtBot, supervisor_window: MainWindow) -> None:
    user = supervisor_window.workspace.user
    customer(user, "Ana Ruiz", phones=["555 010 2030"])
    customer(user, "Mikhail Petrov", phones=["555 010 4040"])
    look_up(qtbot, supervisor_window, "Mikhail")
    assert supervisor_window.call_pane.lookup.model.note(0) == ""
    qtbot.keyClick(supervisor_window.call_pane.lookup.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: supervisor_window.session.active, timeout=10_000)
    qtbot.waitUntil(lambda: supervisor_window.runner.pending == 0, timeout=10_000)
    assert card_notes(supervisor_window) == []
    assert supervisor_window.call_pane.card.duplicates.isHidden()


def test_a_supervisor_merges_from_the_card_keeping_the_older_record(
    qtbot: QtBot, supervisor_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = supervisor_window.workspace.user
    ana = customer(user, "Ana Ruiz", phones=["555 010 2030"])
    beatriz = customer(user, "Beatriz Solano", phones=["555 010 2030"])
    a_year_ago = get_customer(user, ana).created_at - timedelta(days=365)
    Customer.update(created_at=a_year_ago).where(Customer.id == ana).execute()
    start_call(qtbot, supervisor_window, "Beatriz")
    qtbot.waitUntil(lambda: bool(merge_buttons(supervisor_window)), timeout=10_000)
    shown: list[MergeDialog] = []

    def accept(dialog: MergeDialog) -> int:
        shown.append(dialog)
        assert dialog.keep_other.isChecked()  # Ana's record is older
        assert "Keep Ana Ruiz" in dialog.keep_other.text()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(MergeDialog, "exec", accept)
    merge_buttons(supervisor_window)[0].click()
    assert shown
    qtbot.waitUntil(lambda: get_customer(user, beatriz).merged_into == ana, timeout=10_000)
    qtbot.waitUntil(lambda: supervisor_window.session.call.customer.id == ana, timeout=10_000)
    qtbot.waitUntil(lambda: card_notes(supervisor_window) == [], timeout=10_000)


def test_an_agent_sees_the_note_without_a_merge_button(
    qtbot: QtBot, agent_window: MainWindow
) -> None:
    user = agent_window.workspace.user
    customer(user, "Ana Ruiz", phones=["555 010 2030"])
    customer(user, "Beatriz Solano", phones=["555 010 2030"])
    start_call(qtbot, agent_window, "Beatriz")
    qtbot.waitUntil(lambda: bool(card_notes(agent_window)), timeout=10_000)
    assert merge_buttons(agent_window) == []
