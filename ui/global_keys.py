"""Let the window's declared shortcuts win over text fields, and swallow stray Alt+letters.

Qt's line and text edits claim Ctrl+U, Ctrl+E, Ctrl+K and friends through a
ShortcutOverride event (Linux editing bindings), so the window's shortcuts silently did
nothing while the agent was typing.  This filter refuses that claim for exactly the key
combinations ui/shortcuts.WINDOW declares.  It also drops Alt+letter presses that no
mnemonic or shortcut took, so they never type the letter into a field.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit

from ui.shortcuts import WINDOW

_TEXT_FIELDS = (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox, QComboBox)
_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.ShiftModifier
    | Qt.KeyboardModifier.MetaModifier
)


def _combination(event: QKeyEvent) -> int:
    """The pressed key with its modifiers (keypad flag dropped), as one comparable int."""
    modifiers = event.modifiers() & _MODIFIERS
    return QKeySequence(event.keyCombination().key() | modifiers)[0].toCombined()


def declared_combinations() -> frozenset[int]:
    """Every key combination the window binds, from the one shared declaration."""
    return frozenset(QKeySequence(s.keys)[0].toCombined() for s in WINDOW.values())


class GlobalKeys(QObject):
    """Application-wide event filter; install once on the QApplication."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._declared = declared_combinations()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, _TEXT_FIELDS):
            return False
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if _combination(event) in self._declared:
                event.ignore()  # not claimed by the field: the shortcut map fires the action
                return True
        elif event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            modifiers = event.modifiers() & _MODIFIERS
            if modifiers == Qt.KeyboardModifier.AltModifier and (
                Qt.Key.Key_A <= event.key() <= Qt.Key.Key_Z
            ):
                return True  # an unbound Alt+letter: typing the letter would be a surprise
        return False
