"""Text left in the composer at wrap-up: add it, discard it, or go back to it.

Closing a call used to clear the composer and leave its words behind as a draft of a
closed call that nothing would ever show again. Now the agent is asked, and the
answer is carried out before the wrap-up dialog opens, so the record is complete
when it is closed (or the words are gone on purpose).
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtWidgets import QMessageBox, QWidget

PREVIEW_CHARS = 240


class Unsent(Enum):
    ADD = "add"  # add the text to the call as a note
    DISCARD = "discard"  # drop the text and its draft
    CANCEL = "cancel"  # back to the composer, text intact


def preview(text: str) -> str:
    """The typed text on one line, shortened, so the question shows what is at stake."""
    line = " ".join(text.split())
    return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"


def ask_about_unsent(parent: QWidget, text: str) -> Unsent:
    """Ask what to do with ``text``; Enter adds it as a note, Esc goes back to it."""
    box = QMessageBox(parent)
    box.setObjectName("unsentTextQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Text not added")
    box.setText("You typed something that was not added to the call:")
    box.setInformativeText(f"“{preview(text)}”")
    add = box.addButton("&Add it as a note", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton("&Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(add)
    box.setEscapeButton(cancel)
    add.setFocus()
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    if clicked is add:
        return Unsent.ADD
    if clicked is discard:
        return Unsent.DISCARD
    return Unsent.CANCEL
