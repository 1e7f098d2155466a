"""Which desk has a call open: one desk works on a call at a time, hand-overs are explicit.

A site's desks share one store, and every desk could open any call. Two windows
working on one call would each show a record the other keeps changing, and before
this a restarted window resumed whatever call its user had left open, even one still
open at another desk (every desk without accounts is the same "Local desk" user).

So an open call is *held* by the user and desk that have it open
(:class:`~companion.calls.CallHolder`): starting a call holds it, resuming it
(:func:`claim_call`) holds it when nobody else does, holding it for later or closing
it lets go (:func:`release_call`). Another desk that wants it is told where it is
open (:class:`CallHeldElsewhere`) and can take it over only explicitly
(:func:`take_over_call`), which is audited and noted as a change of the call, so the
previous holder's window learns through the change feed and stops writing to it.

Entries added by someone who does not hold the call are still accepted: a supervisor
may add a note to a call an agent is on, and two agents adding to one call must both
land. Holding decides who *works* a call, not who may write a line in it.
"""

from __future__ import annotations

from datetime import datetime

from companion import audit
from companion.audit import Action
from companion.calls import (
    Call,
    CallHolder,
    CallView,
    Holder,
    call_holder,
    get_call,
    hold_here,
    open_call,
)
from companion.changes import Topic, note
from companion.db import database
from companion.desk import desk_name
from companion.errors import CompanionError
from companion.permissions import require_active
from companion.row_locks import locking
from companion.users import User


class CallHeldElsewhere(CompanionError):
    """The call is open at another desk (or by someone else); taking it over is explicit."""

    def __init__(self, call_id: str, holder: Holder, asking: User) -> None:
        self.call_id = call_id
        self.holder = holder
        who = "you" if holder.user.id == asking.id else holder.user.display_name
        super().__init__(
            f"This call is open at desk {holder.desk} by {who} since "
            f"{holder.since:%H:%M} UTC. Take it over to carry on here; "
            f"{'that window' if who == 'you' else who + '’s window'} will then show it as "
            "taken over."
        )


def describe_holder(holder: Holder, *, when: str | None = None) -> str:
    """ "open at desk X by Y since HH:MM" (``when`` overrides the UTC time shown)."""
    since = when if when is not None else f"{holder.since:%H:%M} UTC"
    return f"open at desk {holder.desk} by {holder.user.display_name} since {since}"


def claim_call(user: User, call_id: str, *, desk: str | None = None) -> CallView:
    """Hold an open call here before working on it; refused while another desk holds it.

    Claiming a call this user already holds at this desk (a window restarted after a
    crash) changes nothing, so a retry is harmless.
    """
    here = desk or desk_name()
    with database.atomic():
        user = require_active(user, action="Opening calls")
        call = _locked_open_call(call_id)
        holder = call_holder(call.id)
        if holder is not None and not holder.is_at(user.id, here):
            raise CallHeldElsewhere(call.id, holder, user)
        if holder is None:
            hold_here(call, user, here)
            note(Topic.CALLS, call.id, customer_id=call.customer_id)
    return get_call(user, call.id)


def take_over_call(user: User, call_id: str, *, desk: str | None = None) -> CallView:
    """Hold the call here whoever held it; audited, and the previous desk is told.

    Taking over a call already held here is a no-op (a retried request lands once).
    """
    here = desk or desk_name()
    with database.atomic():
        user = require_active(user, action="Taking over calls")
        call = _locked_open_call(call_id)
        holder = call_holder(call.id)
        if holder is None or not holder.is_at(user.id, here):
            hold_here(call, user, here)
            audit.record(
                user,
                Action.CHANGE,
                "call",
                call.id,
                taken_over={
                    "from": None if holder is None else _describe(holder),
                    "to": {"user": user.id, "name": user.display_name, "desk": here},
                },
            )
            note(Topic.CALLS, call.id, customer_id=call.customer_id)
    return get_call(user, call.id)


def release_call(user: User, call_id: str, *, desk: str | None = None) -> None:
    """Stop holding the call here (put on hold, window closing on purpose); else nothing."""
    here = desk or desk_name()
    with database.atomic():
        user = require_active(user, action="Holding calls")
        call = Call.get_or_none(Call.id == str(call_id).strip())
        if call is None:
            return
        released = (
            CallHolder.delete()
            .where(
                (CallHolder.call == call.id)
                & (CallHolder.user == user.id)
                & (CallHolder.desk == here)
            )
            .execute()
        )
        if released:
            note(Topic.CALLS, call.id, customer_id=call.customer_id)


def open_calls(user: User) -> list[CallView]:
    """Every open call at the site, oldest first, each with who has it open where."""
    user = require_active(user, action="Listing open calls")
    query = Call.select(Call.id).where(Call.outcome.is_null()).order_by(Call.started_at, Call.id)
    return [get_call(user, row.id) for row in query]


def calls_open_elsewhere(user: User, *, desk: str | None = None) -> list[str]:
    """Open calls this person started that another desk (or person) has open, newest first.

    The window lists them with where they are open, so an agent who moved desks sees
    the call and can take it over, but never resumes it by itself.
    """
    user = require_active(user, action="Listing your open calls")
    here = desk or desk_name()
    elsewhere = CallHolder.select(CallHolder.call).where(
        (CallHolder.user != user.id) | (CallHolder.desk != here)
    )
    query = (
        Call.select(Call.id)
        .where(Call.outcome.is_null() & (Call.agent == user.id) & Call.id.in_(elsewhere))
        .order_by(Call.started_at.desc(), Call.id.desc())
    )
    return [row.id for row in query]


def held_here(call: CallView, user: User, *, desk: str | None = None) -> bool:
    """Whether this user at this desk holds ``call`` (what the window checks before writing)."""
    return call.holder is not None and call.holder.is_at(user.id, desk or desk_name())


def _locked_open_call(call_id: str) -> Call:
    """The open call, its row locked so two desks claiming it at once take turns."""
    call = open_call(call_id)
    list(locking(Call.select(Call.id).where(Call.id == call.id)))
    return call


def _describe(holder: Holder) -> dict[str, str]:
    return {
        "user": holder.user.id,
        "name": holder.user.display_name,
        "desk": holder.desk,
        "since": _iso(holder.since),
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="seconds")
