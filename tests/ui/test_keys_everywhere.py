"""Every window shortcut fires wherever the agent's focus is, and Alt+letter never types."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui.global_keys import GlobalKeys
from ui.main_window import MainWindow
from ui.shortcuts import WINDOW

FIELDS = {
    "line edit": QLineEdit,
    "plain text": QPlainTextEdit,
    "rich text": QTextEdit,
    "list": QListWidget,
}


class Desk(QMainWindow):
    """A window binding every declared shortcut the way MainWindow does, counting firings."""

    def __init__(self) -> None:
        super().__init__()
        self.fired: list[str] = []
        body = QWidget()
        layout = QVBoxLayout(body)
        self.fields = {name: kind() for name, kind in FIELDS.items()}
        for field in self.fields.values():
            layout.addWidget(field)
        self.setCentralWidget(body)
        for name, shortcut in WINDOW.items():
            action = QAction(shortcut.action, self)
            action.setShortcut(QKeySequence(shortcut.keys))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            action.triggered.connect(lambda _=False, n=name: self.fired.append(n))
            self.addAction(action)


@pytest.fixture
def desk(qtbot: QtBot) -> Iterator[Desk]:
    window = Desk()
    keys = GlobalKeys(window)
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(keys)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    app.removeEventFilter(keys)


def press(qtbot: QtBot, keys: str) -> None:
    """Press a declared key combination on whatever widget has focus."""
    combo = QKeySequence(keys)[0]
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, combo.key(), combo.keyboardModifiers())


@pytest.mark.parametrize("field", list(FIELDS))
@pytest.mark.parametrize("name", list(WINDOW))
def test_every_window_shortcut_fires_from_every_kind_of_field(
    qtbot: QtBot, desk: Desk, name: str, field: str
) -> None:
    widget = desk.fields[field]
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    if isinstance(widget, QLineEdit):
        widget.setText("Jane Doe")  # Ctrl+U / Ctrl+K would erase it in a bare line edit
    press(qtbot, WINDOW[name].keys)
    assert desk.fired == [name]
    if isinstance(widget, QLineEdit):
        assert widget.text() == "Jane Doe"


@pytest.mark.parametrize("field", ["line edit", "plain text", "rich text"])
def test_an_unbound_alt_letter_does_not_type_the_letter(
    qtbot: QtBot, desk: Desk, field: str
) -> None:
    widget = desk.fields[field]
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClicks(widget, "ab")
    qtbot.keyClick(widget, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Z, Qt.KeyboardModifier.AltModifier)
    text = widget.text() if isinstance(widget, QLineEdit) else widget.toPlainText()  # type: ignore[attr-defined]
    assert text == "ab"


def test_ctrl_u_from_the_caller_lookup_opens_follow_ups_with_the_list_focused(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.call_pane.focus_start()
    field = QApplication.focusWidget()
    assert isinstance(field, QLineEdit)
    qtbot.keyClicks(field, "555")
    qtbot.keyClick(field, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    assert window.work_tabs.currentWidget() is window.follow_ups
    qtbot.waitUntil(lambda: window.follow_ups.isAncestorOf(QApplication.focusWidget()))
    assert field.text() == "555"
