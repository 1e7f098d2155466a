"""Before quitting with a call open or text unsent: say what happens, and ask.

An open call is not lost by quitting: it stays open, held by this desk, and the next
time this person starts Companion here the window brings it back with the composer's
draft (see ``MainWindow._resume_interrupted_call``). The question says exactly that.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from companion.calls import CallView
from companion.users import User
from ui.call.call_holding import taken_from_here


def quit_warning(call: CallView | None, user: User, text: str) -> tuple[str, str] | None:
    """(question, what happens) when quitting loses or leaves something; else None."""
    unsent = bool(text.strip())
    mine = call is not None and not call.is_closed and taken_from_here(call, user) is None
    if call is None or not (mine or unsent):
        return None
    name = call.customer.display_name
    if mine:
        kept = " with what you typed in the composer" if unsent else ""
        return (
            f"A call with {name} is still open.",
            "If you quit, the call stays open, held by this desk; the next time you start "
            f"Companion here, it comes back on screen{kept}.",
        )
    return (
        f"You typed something for the call with {name} that was not added.",
        "If you quit, it is kept only as that call's draft, not in the record.",
    )


def confirm_quit(parent: QWidget, call: CallView | None, user: User, text: str) -> bool:
    """True to quit: at once when nothing is at stake, else when the person says so."""
    warning = quit_warning(call, user, text)
    if warning is None:
        return True
    box = QMessageBox(parent)
    box.setObjectName("quitQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Quit Companion?")
    box.setText(warning[0])
    box.setInformativeText(warning[1])
    quit_button = box.addButton("&Quit anyway", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton("&Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    return clicked is quit_button
