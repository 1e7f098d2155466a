"""Call ownership in the window: a call open at another desk is shown as such, never taken
without asking, and a call taken over from this desk turns read-only with its text kept.

This window is "Desk B" (``COMPANION_DESK_NAME``); the other desk is simulated with the
services, on the same database, as another process of the site would act.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

import ui.call.call_pane as call_pane_module
from companion import calls
from companion.call_desks import take_over_call
from companion.changes import Changes, Topic
from companion.customers import CustomerDetails, create_customer
from companion.desk import DESK_ENV
from companion.users import Role, create_user
from kb.workspace import Workspace
from ui.main_window import MainWindow
from ui.time_format import local_datetime

HERE, THERE = "Desk B", "Desk A"


@pytest.fixture
def desk(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(DESK_ENV, HERE)
    return HERE


def _open_window(qtbot: QtBot, workspace: Workspace) -> MainWindow:
    main = MainWindow(workspace)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    qtbot.waitUntil(lambda: main.index_ready, timeout=20_000)
    return main


@pytest.fixture
def ana_call_there(workspace: Workspace, desk: str) -> str:
    """Ana's call, open at Desk A by the same "Local desk" user this window signs in as."""
    ana = create_customer(workspace.user, CustomerDetails.validate("Ana Ruiz")).customer
    return calls.start_call(workspace.user, ana.id, problem="Router", desk=THERE).id


@pytest.fixture
def window(qtbot: QtBot, workspace: Workspace, desk: str) -> Iterator[MainWindow]:
    main = _open_window(qtbot, workspace)
    yield main
    main.close()


def _held_lines(qtbot: QtBot, window: MainWindow, count: int) -> list[str]:
    pane = window.call_pane
    qtbot.waitUntil(lambda: pane.held_model.rowCount() == count, timeout=10_000)
    return [pane.held_model.index(r).data() for r in range(pane.held_model.rowCount())]


def test_a_call_open_at_another_desk_is_listed_where_it_is_and_not_resumed(
    qtbot: QtBot, workspace: Workspace, ana_call_there: str, window: MainWindow
) -> None:
    [line] = _held_lines(qtbot, window, 1)
    since = local_datetime(calls.get_call(workspace.user, ana_call_there).holder.since)  # type: ignore[union-attr]
    assert f"open at desk {THERE} by Local desk since {since:%H:%M}" in line
    qtbot.wait(200)
    assert window.session.call is None  # not resumed at this desk


def test_resuming_it_asks_first_and_takes_over_only_on_yes(
    qtbot: QtBot,
    workspace: Workspace,
    ana_call_there: str,
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[tuple[str, str]] = []

    def answer(yes: bool):  # type: ignore[no-untyped-def]
        def ask(_parent, caller, holder, _user) -> bool:  # type: ignore[no-untyped-def]
            asked.append((caller, holder.desk))
            return yes

        return ask

    _held_lines(qtbot, window, 1)
    pane = window.call_pane
    monkeypatch.setattr(call_pane_module, "ask_take_over", answer(False))
    pane.held_view.setFocus()
    pane.held_view.setCurrentIndex(pane.held_model.index(0))
    qtbot.keyClick(pane.held_view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: asked == [("Ana Ruiz", THERE)], timeout=10_000)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=10_000)
    assert window.session.call is None
    assert calls.get_call(workspace.user, ana_call_there).holder.desk == THERE  # type: ignore[union-attr]

    monkeypatch.setattr(call_pane_module, "ask_take_over", answer(True))
    qtbot.keyClick(pane.held_view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session.call is not None, timeout=10_000)
    assert len(asked) == 2
    holder = calls.get_call(workspace.user, ana_call_there).holder
    assert holder is not None and holder.desk == HERE
    assert pane.composer.isEnabled()


def test_a_call_taken_over_elsewhere_turns_read_only_and_keeps_the_typed_text(
    qtbot: QtBot, workspace: Workspace, desk: str, window: MainWindow
) -> None:
    ana = create_customer(workspace.user, CustomerDetails.validate("Ana Ruiz")).customer
    call = calls.start_call(workspace.user, ana.id)  # held here, at Desk B
    window.call_pane.resume(call.id)
    qtbot.waitUntil(lambda: window.session.call is not None, timeout=10_000)
    pane = window.call_pane
    qtbot.keyClicks(pane.composer.edit, "Half-typed note")

    grace = create_user("Grace Okafor", Role.SUPERVISOR)
    take_over_call(grace, call.id, desk=THERE)
    # What the change feed delivers when another desk writes.
    window.runner.changed.emit(Changes.of([(Topic.CALLS, call.id)], remote=True))

    qtbot.waitUntil(lambda: "taken over" in pane.call_title.text(), timeout=10_000)
    assert f"open at desk {THERE} by Grace Okafor" in pane.call_title.text()
    assert not pane.composer.isEnabled()
    assert not pane.hold_button.isEnabled() and not pane.close_button.isEnabled()
    assert pane.composer.edit.toPlainText() == "Half-typed note"


def test_a_restarted_window_resumes_only_the_call_it_held_at_this_desk(
    qtbot: QtBot, workspace: Workspace, desk: str, ana_call_there: str
) -> None:
    luis = create_customer(workspace.user, CustomerDetails.validate("Luis Ruiz")).customer
    mine = calls.start_call(workspace.user, luis.id).id  # open here when the window "crashed"

    window = _open_window(qtbot, workspace)
    try:
        qtbot.waitUntil(lambda: window.session.call is not None, timeout=10_000)
        assert window.session.call.id == mine  # type: ignore[union-attr]
        assert calls.get_call(workspace.user, ana_call_there).holder.desk == THERE  # type: ignore[union-attr]
    finally:
        window.close()
