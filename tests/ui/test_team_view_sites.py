"""The team view at head office: every figure narrowed to one site's calls, by keyboard.

Records imported from another site keep that site's id in their ``site`` column; here
they are made locally and given another site's id, exactly what an import leaves.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from companion.calls import Call, close_call, start_call
from companion.clock import local_today
from companion.customers import CustomerDetails, create_customer
from companion.promises import record_promise
from companion.sites import Site, name_this_site, remember_site, this_site
from companion.users import Role, User, create_user
from kb.workspace import Workspace
from tests.ui.query_threads import queries_on_ui_thread
from ui.service_runner import ServiceRunner
from ui.team_view import ALL_SITES, TeamView

NORTH = Site("0b6f3a52-1c1e-4c11-9f5e-3a7d2c0e8b42", "North branch")


def _call_with_promises(agent: User, name: str, dues: list[date], outcome: str) -> str:
    customer = create_customer(agent, CustomerDetails.validate(name)).customer
    call = start_call(agent, customer.id)
    for due in dues:
        record_promise(agent, call.id, f"Call {name} back", due)
    close_call(agent, call.id, outcome)
    return call.id


@pytest.fixture
def two_sites(empty_workspace: Workspace) -> User:
    """Tom works here; Nina's calls came from the North branch. Returns the supervisor."""
    today = local_today()
    name_this_site("Head office")
    tom = create_user("Tom Becker", Role.AGENT)
    nina = create_user("Nina Park", Role.AGENT)
    _call_with_promises(tom, "Ana Ruiz", [today], "escalated")
    north_calls = [
        _call_with_promises(nina, "Luis Ortega", [today, today + timedelta(days=1)], "resolved"),
        _call_with_promises(nina, "Mary Smith", [today - timedelta(days=3)], "escalated"),
    ]
    remember_site(NORTH)
    Call.update(site=NORTH.id).where(Call.id.in_(north_calls)).execute()
    return create_user("Sam Okafor", Role.SUPERVISOR)


def _rows(view: TeamView) -> list[list[str]]:
    model = view.model
    return [[model.index(r, c).data() for c in range(5)] for r in range(model.rowCount())]


def _settle(qtbot: QtBot, runner: ServiceRunner) -> None:
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)


def test_the_site_choice_narrows_every_figure_and_is_reached_by_keyboard(
    qtbot: QtBot,
    two_sites: User,
    runner: ServiceRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    here = this_site()
    view = TeamView(two_sites, runner)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.waitExposed(view)
    _settle(qtbot, runner)
    assert view.site_row.isVisible()
    choice = view.site_choice
    assert [choice.itemText(i) for i in range(choice.count())] == [
        ALL_SITES,
        "Head office (this site)",
        "North branch",
    ]
    assert choice.itemData(1) == here.id
    assert _rows(view) == [
        ["Nina Park", "1", "1", "2", "1"],
        ["Tom Becker", "0", "1", "1", "1"],
    ]
    assert [count for _, count in view.chart.days[:2]] == [2, 1]

    on_ui_thread = queries_on_ui_thread(monkeypatch)
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    qtbot.keyClick(view, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is choice, "Alt+S moves to the site choice"
    qtbot.keyClick(choice, Qt.Key.Key_End)
    _settle(qtbot, runner)
    assert view.site == NORTH.id
    assert _rows(view) == [["Nina Park", "1", "1", "2", "1"]]
    assert [count for _, count in view.chart.days[:2]] == [1, 1]

    qtbot.keyClick(choice, Qt.Key.Key_Up)
    _settle(qtbot, runner)
    assert view.site == here.id
    # This site's idle agents are listed too: an idle agent is news.
    assert _rows(view) == [
        ["Nina Park", "0", "0", "0", "0"],
        ["Tom Becker", "0", "1", "1", "1"],
    ]
    assert [count for _, count in view.chart.days[:2]] == [1, 0]

    qtbot.keyClick(choice, Qt.Key.Key_Home)
    _settle(qtbot, runner)
    assert view.site is None
    assert len(_rows(view)) == 2
    assert on_ui_thread == [], "the figures were read off the UI thread"


def test_a_store_that_knows_only_itself_hides_the_choice(
    qtbot: QtBot, empty_workspace: Workspace, runner: ServiceRunner
) -> None:
    supervisor = create_user("Sam Okafor", Role.SUPERVISOR)
    view = TeamView(supervisor, runner)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    _settle(qtbot, runner)
    assert not view.site_row.isVisible()
    assert view.site is None


def test_a_site_first_heard_of_while_the_view_is_open_is_offered(
    qtbot: QtBot, empty_workspace: Workspace, runner: ServiceRunner
) -> None:
    supervisor = create_user("Sam Okafor", Role.SUPERVISOR)
    view = TeamView(supervisor, runner)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    _settle(qtbot, runner)
    nina = create_user("Nina Park", Role.AGENT)
    call_id = _call_with_promises(nina, "Luis Ortega", [local_today()], "resolved")
    remember_site(NORTH)
    Call.update(site=NORTH.id).where(Call.id == call_id).execute()
    view.refresh()
    _settle(qtbot, runner)
    assert view.site_row.isVisible()
    assert view.site_choice.findText("North branch") == 2
