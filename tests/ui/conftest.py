"""GUI fixtures: the real main window on a fresh data dir, with its index ready."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from kb.workspace import Workspace
from ui.main_window import MainWindow
from ui.service_runner import ServiceRunner


@pytest.fixture
def window(qtbot: QtBot, workspace: Workspace) -> Iterator[MainWindow]:
    main = MainWindow(workspace)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    qtbot.waitUntil(lambda: main.index_ready, timeout=20_000)
    yield main
    main.close()


@pytest.fixture
def runner(qtbot: QtBot, request: pytest.FixtureRequest) -> Iterator[ServiceRunner]:
    """A service runner on the test's workspace (the empty one when the test uses it).

    It is drained before it stops, so no write is cut off at the end of a test.
    """
    name = "empty_workspace" if "empty_workspace" in request.fixturenames else "workspace"
    workspace: Workspace = request.getfixturevalue(name)
    service_runner = ServiceRunner(workspace.db_url)
    yield service_runner
    qtbot.waitUntil(lambda: service_runner.pending == 0, timeout=20_000)
    service_runner.stop()
