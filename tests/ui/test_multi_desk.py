"""Several desks on one store, end to end through a real window.

Desk B is the real main window; desk A is a real process of its own on the same
database (SQLite file or PostgreSQL, following the run's backend). The outage test
runs a PostgreSQL server of its own (tests/pg_server.py), stops it under an open
call and starts it again.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from companion.customers import CustomerDetails, create_customer
from kb.workspace import Workspace, open_workspace
from tests.pg_server import PgServer, pg_server
from tests.ui.call_helpers import RepeatCaller, make_repeat_caller, wait_for_idle_runner
from ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
OWED = "Send an engineer's time slot"

DESK_A_KEEPS = """
import sys
from kb.workspace import open_workspace
from companion.promises import keep_promise
ws = open_workspace(sys.argv[1], sys.argv[2], load_defaults=False)
keep_promise(ws.user, sys.argv[3], "Slot sent by text from desk A")
ws.close()
"""


def open_promises_on_card(window: MainWindow) -> list[str]:
    return [p.text for p in window.call_pane.card.promises.rows()]


def open_in_follow_ups(window: MainWindow) -> list[str]:
    view = window.follow_ups
    return [p.text for section in (view.overdue, view.due_today) for p in section.model.rows()]


@pytest.mark.slow
def test_a_promise_kept_at_another_desk_leaves_this_desks_card_and_follow_ups(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, tmp_path: Path
) -> None:
    caller: RepeatCaller = make_repeat_caller(workspace.user)
    window.call_pane.start_call(caller.customer_id)
    qtbot.waitUntil(lambda: window.session.active, timeout=10_000)
    wait_for_idle_runner(qtbot, window)
    qtbot.waitUntil(lambda: open_promises_on_card(window) == [OWED], timeout=10_000)
    window.show_follow_ups()
    qtbot.waitUntil(lambda: open_in_follow_ups(window) == [OWED], timeout=10_000)
    owed = window.follow_ups.overdue.model.rows()[0]

    desk_a = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(DESK_A_KEEPS), str(tmp_path / "desk-a"),
         window.workspace.db_url, owed.id],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert desk_a.returncode == 0, desk_a.stderr

    # Nobody touches desk B: only the change feed can tell it.
    qtbot.waitUntil(lambda: open_in_follow_ups(window) == [], timeout=20_000)
    qtbot.waitUntil(lambda: open_promises_on_card(window) == [], timeout=20_000)
    assert window.call_pane.card.promises_title.text() == "Open promises (0)"
    window.show_composer()
    assert window.session.active  # the call B has open carries on


# --- the server stops under an open call and comes back ---------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[PgServer]:
    with pg_server() as running:
        yield running


@pytest.fixture
def desk_on_own_server(server: PgServer, data_dir: Path) -> Iterator[Workspace]:
    if not server.is_running():
        server.start()
    workspace = open_workspace(
        data_dir, server.create_database("multi_desk_test"), load_defaults=False
    )
    yield workspace
    workspace.close()


def entry_count(server: PgServer, call_id: str, text: str) -> int:
    return int(
        server.sql(
            f"SELECT count(*) FROM entries WHERE call_id = '{call_id}' AND text = '{text}'",
            "multi_desk_test",
        )
    )


@pytest.mark.slow
def test_an_entry_typed_while_the_server_is_down_is_saved_once_when_it_is_back(
    qtbot: QtBot, server: PgServer, desk_on_own_server: Workspace
) -> None:
    workspace = desk_on_own_server
    customer = create_customer(workspace.user, CustomerDetails.validate("Ana Ruiz")).customer
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.index_ready, timeout=20_000)
    window.call_pane.start_call(customer.id)
    qtbot.waitUntil(lambda: window.session.active, timeout=10_000)
    wait_for_idle_runner(qtbot, window)
    call_id = window.session.call.id if window.session.call else ""
    restored_texts: list[str] = []
    window.runner.connectionRestored.connect(
        lambda: restored_texts.append(window.outage_banner.text)
    )

    typed = "Router replaced while the server was down"
    try:
        server.stop()
        composer = window.call_pane.composer
        composer.edit.setFocus()
        qtbot.keyClicks(composer.edit, typed)
        qtbot.keyClick(composer.edit, Qt.Key.Key_Return)

        qtbot.waitUntil(lambda: window.outage_banner.isVisible(), timeout=20_000)
        assert workspace.location in window.outage_banner.text
        assert composer.text() == typed  # kept on screen while it waits
    finally:
        server.start()

    qtbot.waitUntil(lambda: bool(restored_texts), timeout=60_000)
    assert restored_texts[0].startswith("Back online")
    wait_for_idle_runner(qtbot, window)
    qtbot.waitUntil(lambda: composer.text() == "", timeout=10_000)
    assert entry_count(server, call_id, typed) == 1
    qtbot.waitUntil(
        lambda: sum(typed in row.text for row in window.call_pane.timeline.model_.rows()) == 1,
        timeout=10_000,
    )
    assert [e.text for e in window.session.entries].count(typed) == 1
    window.close()
