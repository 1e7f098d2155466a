"""What was exported and restored is told truthfully: PDF audits and restore messages."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from companion.audit import events_for
from companion.calls import start_call
from companion.customers import CustomerDetails, create_customer
from kb import store
from kb.editing import EditResult
from kb.workspace import Workspace
from ui.call.record_export import save_pdf
from ui.editor.editor_window import restore_message


def test_a_pdf_export_is_audited_as_pdf(qtbot: QtBot, workspace: Workspace, tmp_path: Path) -> None:
    user = workspace.user
    customer = create_customer(user, CustomerDetails.validate("Ana López")).customer
    call = start_call(user, customer.id, problem="Charged twice.")
    save_pdf(user, call.id, tmp_path / "record.pdf")
    event = events_for(call.id)[-1]
    assert (event.action, event.details["format"]) == ("export", "pdf")


class _Article:
    revision = 7


def test_restore_message_names_the_new_working_copy() -> None:
    made = EditResult(_Article(), store.SaveOutcome.UPDATED, None)  # type: ignore[arg-type]
    assert restore_message(3, made) == (
        "Revision 3 was copied as revision 7, the new working copy; "
        "publish it to show it to agents."
    )


def test_restore_message_when_nothing_was_written() -> None:
    same = EditResult(_Article(), store.SaveOutcome.UNCHANGED, None)  # type: ignore[arg-type]
    message = restore_message(3, same)
    assert "nothing new was written" in message and "copied" not in message
