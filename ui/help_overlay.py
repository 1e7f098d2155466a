"""F1: every shortcut on one calm page, from the same list the window binds."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from ui.shortcuts import IN_WIDGETS, WINDOW, Shortcut


def shortcuts_html() -> str:
    def rows(items: list[Shortcut]) -> str:
        return "".join(
            f"<tr><td><b>{html.escape(s.keys)}</b></td><td>{html.escape(s.action)}</td>"
            f"<td style='color:#6b6f76'>{html.escape(s.where)}</td></tr>"
            for s in items
        )

    table = "<table cellspacing='0' cellpadding='5' width='100%'>{}</table>"
    return (
        "<h2>Keyboard shortcuts</h2>"
        + table.format(rows(list(WINDOW.values())))
        + "<h3>Inside a field or list</h3>"
        + table.format(rows(list(IN_WIDGETS)))
    )


class HelpOverlay(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Companion — shortcuts")
        self.setObjectName("helpOverlay")
        self.browser = QTextBrowser()
        self.browser.setHtml(shortcuts_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(640, 560)
