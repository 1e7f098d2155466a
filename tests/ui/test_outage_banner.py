"""The outage bar: one calm line while the database is away, "Back online" when it returns."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow
from ui.outage_banner import OutageBanner


class FakeRunner(QObject):
    connectionLost = Signal(str)
    connectionRestored = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.pending = 0


def banner(qtbot: QtBot, runner: FakeRunner, **options: object) -> OutageBanner:
    bar = OutageBanner("db.site.example/companion", delays=(1, 2), **options)  # type: ignore[arg-type]
    qtbot.addWidget(bar)
    bar.follow(runner)
    return bar


def test_a_lost_database_is_one_calm_line_naming_it_and_counting_down(qtbot: QtBot) -> None:
    runner = FakeRunner()
    bar = banner(qtbot, runner)
    assert bar.isHidden()
    runner.connectionLost.emit("server closed the connection unexpectedly")
    assert not bar.isHidden()
    assert bar.text == (
        "The database at db.site.example/companion is not answering. Your work is kept and "
        "will be saved when it is back — retrying in 1 s."
    )
    assert "server closed" in bar.toolTip()
    qtbot.waitUntil(lambda: bar.text.endswith("retrying now…"), timeout=5000)
    qtbot.waitUntil(lambda: bar.text.endswith("retrying in 2 s."), timeout=5000)


def test_back_online_says_how_many_were_saved_then_steps_aside(qtbot: QtBot) -> None:
    runner = FakeRunner()
    bar = banner(qtbot, runner, back_online_ms=50)
    runner.connectionLost.emit("gone")
    runner.pending = 3
    runner.connectionRestored.emit()
    assert bar.text == "Back online: 3 saved."
    qtbot.waitUntil(bar.isHidden, timeout=5000)


def test_losing_it_again_before_the_bar_left_shows_the_outage_again(qtbot: QtBot) -> None:
    runner = FakeRunner()
    bar = banner(qtbot, runner, back_online_ms=50)
    runner.connectionLost.emit("gone")
    runner.connectionRestored.emit()
    runner.connectionLost.emit("gone again")
    qtbot.wait(100)
    assert not bar.isHidden() and "not answering" in bar.text


def test_the_window_shows_it_without_taking_the_keyboard(qtbot: QtBot, window: MainWindow) -> None:
    search = window.playbook.search_box
    search.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is search)
    qtbot.keyClicks(search, "refu")
    window.runner.connectionLost.emit("server closed the connection unexpectedly")
    assert window.outage_banner.isVisible()
    assert window.workspace.location in window.outage_banner.text
    assert window.outage_banner.focusPolicy() == Qt.FocusPolicy.NoFocus
    qtbot.keyClicks(search, "nd")
    assert QApplication.focusWidget() is search
    assert search.text() == "refund"
    window.runner.connectionRestored.emit()
    assert window.outage_banner.text.startswith("Back online")
