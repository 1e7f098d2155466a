"""The release flows' questions and reports: window-modal, never blocking, wide enough.

Opened with ``open()`` rather than ``exec()``, so the window keeps painting and the
runner's answers keep arriving while one is on screen. A report of a few words would
otherwise shrink the box until its title is cut off, hence the minimum width.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

TITLE = "Companion — Playbook release"
MIN_WIDTH = 380


def release_box(parent: QWidget, icon: QMessageBox.Icon, text: str) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("releaseMessage")
    box.setWindowTitle(TITLE)
    box.setIcon(icon)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    # QMessageBox sizes itself from its text label when shown; a minimum width on that
    # label (its object name is Qt's own) is what it honours.
    box.setStyleSheet(f"QLabel#qt_msgbox_label {{ min-width: {MIN_WIDTH}px; }}")
    return box
