"""Which desk has a call open, as the call pane shows and asks it.

See :mod:`companion.call_desks`: one desk works a call at a time. Resuming a call open
at another desk asks before taking it over (the other window then shows it as taken
over and read-only), and a call taken over from this window stays on screen, read
only, with whatever was typed kept.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from companion.call_desks import CallHeldElsewhere, claim_call
from companion.calls import CallView, Holder
from companion.desk import desk_name
from companion.users import User
from ui.time_format import local_datetime


def where_open(holder: Holder) -> str:
    """ "open at desk X by Y since HH:MM" in local time."""
    since = local_datetime(holder.since)
    return f"open at desk {holder.desk} by {holder.user.display_name} since {since:%H:%M}"


def taken_from_here(call: CallView, user: User) -> Holder | None:
    """Who took an open call away from this user at this desk, if someone did."""
    holder = call.holder
    if call.is_closed or holder is None or holder.is_at(user.id, desk_name()):
        return None
    return holder


def claim_or_holder(user: User, call_id: str) -> CallView | CallHeldElsewhere:
    """Hold the call here, or say who holds it (a value, so the pane can ask)."""
    try:
        return claim_call(user, call_id)
    except CallHeldElsewhere as held:
        return held


def ask_take_over(parent: QWidget, caller: str, holder: Holder, user: User) -> bool:
    """True when the person chose to take the call over from the desk that has it."""
    who = "you" if holder.user.id == user.id else holder.user.display_name
    since = local_datetime(holder.since)
    box = QMessageBox(parent)
    box.setWindowTitle("The call is open at another desk")
    box.setText(
        f"The call with {caller} is open at desk {holder.desk} by {who} since {since:%H:%M}."
    )
    box.setInformativeText(
        "Take it over to carry on here? That window will show it as taken over and stop "
        "writing to it. The take-over is recorded in the audit trail."
    )
    take = box.addButton("Take it over", QMessageBox.ButtonRole.AcceptRole)
    leave = box.addButton("Leave it there", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(leave)
    box.exec()
    return box.clickedButton() is take
