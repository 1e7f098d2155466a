"""No keyboard traps in the call dialogs: the amend dialog and the promise dialog."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from ui.call.amend_dialog import AmendDialog
from ui.call.promise_dialog import PromiseDialog


def amend_dialog(qtbot: QtBot) -> AmendDialog:
    entry: Any = SimpleNamespace(seq=3, kind=SimpleNamespace(value="said"), text="Router is red")
    dialog = AmendDialog(entry)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.edit.setFocus()
    qtbot.waitUntil(dialog.edit.hasFocus)
    return dialog


def test_tab_leaves_the_amend_text_box_instead_of_typing_a_tab(qtbot: QtBot) -> None:
    dialog = amend_dialog(qtbot)
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Tab)
    assert "\t" not in dialog.text()
    assert not dialog.edit.hasFocus()


def test_ctrl_enter_saves_the_amendment(qtbot: QtBot) -> None:
    dialog = amend_dialog(qtbot)
    qtbot.keyClicks(dialog.edit, "Router is amber")
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.text() == "Router is amber"


def test_the_amend_button_has_a_mnemonic(qtbot: QtBot) -> None:
    dialog = amend_dialog(qtbot)
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    assert "&" in box.button(QDialogButtonBox.StandardButton.Ok).text()
    qtbot.keyClick(dialog, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted)


def promise_dialog(qtbot: QtBot) -> PromiseDialog:
    me: Any = SimpleNamespace(id="u1", display_name="Ann Agent")
    dialog = PromiseDialog("Call back with the refund", [me], me)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def test_pressing_3_then_enter_records_in_three_days(qtbot: QtBot) -> None:
    dialog = promise_dialog(qtbot)
    target = dialog.focusWidget() or dialog
    qtbot.keyClick(target, Qt.Key.Key_3)
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)
    assert dialog.due_date() == dialog.today + timedelta(days=3)
    assert dialog.date_edit.date().toPython() == dialog.today + timedelta(days=3)


def test_each_digit_picks_its_choice_and_the_date_box_follows(qtbot: QtBot) -> None:
    dialog = promise_dialog(qtbot)
    for key, days in ((Qt.Key.Key_1, 0), (Qt.Key.Key_4, 7), (Qt.Key.Key_2, 1)):
        qtbot.keyClick(dialog.focusWidget() or dialog, key)
        assert dialog.due_date() == dialog.today + timedelta(days=days)
        assert dialog.date_edit.date().toPython() == dialog.today + timedelta(days=days)
