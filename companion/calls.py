"""Calls: who rang, what they want, what the agent learnt, and how it ended.

The caller's goal is kept as the two questions that define it (what is the
problem, what would put it right), and the information checklist holds what the
agent needs before acting. These header fields are working notes while the call
is open; every change is audited. Once closed, a call takes only amendments.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

import peewee

from companion import audit
from companion.audit import Action
from companion.changes import Topic, note
from companion.clock import utcnow_precise
from companion.customer_models import Customer, CustomerSummary, live_customer, summaries
from companion.db import BaseModel, database, new_id, utcnow
from companion.desk import desk_name
from companion.errors import InvalidInput, NotFound
from companion.outage import already_written
from companion.permissions import require_active
from companion.rows import stored_choice, tuples
from companion.sites import this_site_id
from companion.text import FIELD_MAX, NOTE_MAX, clean_text, parse_choice
from companion.users import User, UserRef, user_ref


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Outcome(StrEnum):
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    FOLLOW_UP = "follow_up"
    OTHER = "other"

    @property
    def label(self) -> str:
        return "follow-up needed" if self is Outcome.FOLLOW_UP else self.value


@dataclass(frozen=True)
class Checklist:
    """What the agent needs to know, in the order it is usually asked."""

    acquired: str = ""
    problem_started: str = ""
    identifier: str = ""
    current_status: str = ""
    change_since_start: str = ""
    expectation: str = ""
    already_tried: str = ""

    def missing(self) -> list[str]:
        """Labels of the items still unanswered, so the agent knows what to ask next."""
        return [CHECKLIST_LABELS[f.name] for f in fields(self) if not getattr(self, f.name)]


CHECKLIST_LABELS = {
    "acquired": "Date acquired",
    "problem_started": "Date the problem started",
    "identifier": "Identifier (serial, order or account number)",
    "current_status": "Current status",
    "change_since_start": "Change since it started",
    "expectation": "What they expect",
    "already_tried": "What they already tried",
}

CALL_TEXT_FIELDS = ("problem", "ideal_resolution", "summary", *CHECKLIST_LABELS)


class Call(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    customer = peewee.ForeignKeyField(Customer, backref="calls", on_delete="RESTRICT")
    customer_id: str
    agent = peewee.ForeignKeyField(User, backref="calls", on_delete="RESTRICT")
    agent_id: str
    direction = peewee.CharField(max_length=16)
    started_at = peewee.DateTimeField(default=utcnow)
    ended_at = peewee.DateTimeField(null=True)
    problem = peewee.TextField(default="")
    ideal_resolution = peewee.TextField(default="")
    acquired = peewee.TextField(default="")
    problem_started = peewee.TextField(default="")
    identifier = peewee.TextField(default="")
    current_status = peewee.TextField(default="")
    change_since_start = peewee.TextField(default="")
    expectation = peewee.TextField(default="")
    already_tried = peewee.TextField(default="")
    outcome = peewee.CharField(max_length=16, null=True)
    summary = peewee.TextField(default="")
    closed_by = peewee.ForeignKeyField(User, null=True, on_delete="RESTRICT")
    closed_by_id: str | None
    created_at = peewee.DateTimeField(default=utcnow)
    # Microseconds: which of two versions is newer decides merges between sites.
    updated_at = peewee.DateTimeField(default=utcnow_precise)
    # The site (companion.sites) where the call was taken; core migration 8.
    site = peewee.CharField(max_length=36, index=True, default=this_site_id)

    class Meta:
        table_name = "calls"
        indexes = ((("customer", "started_at"), False),)


class CallLink(BaseModel):
    """This call continues or concerns an earlier one."""

    id = peewee.CharField(primary_key=True, default=new_id)
    call = peewee.ForeignKeyField(Call, backref="related_links", on_delete="CASCADE")
    call_id: str
    earlier = peewee.ForeignKeyField(Call, backref="later_links", on_delete="RESTRICT")
    earlier_id: str
    created_by = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "call_links"
        indexes = ((("call", "earlier"), True),)


class CallHolder(BaseModel):
    """Who has an open call open in their window, and at which desk (core migration 7).

    One row per held call. A desk claims the call when it starts or resumes it and
    gives it up when it holds or closes it; see :mod:`companion.call_desks`.
    """

    call = peewee.ForeignKeyField(Call, primary_key=True, backref="+", on_delete="CASCADE")
    call_id: str
    user = peewee.ForeignKeyField(User, backref="+", on_delete="RESTRICT")
    user_id: str
    desk = peewee.CharField(max_length=64)
    since = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "call_holders"


@dataclass(frozen=True)
class Holder:
    """The person and desk that have a call open, and since when (UTC)."""

    user: UserRef
    desk: str
    since: datetime

    def is_at(self, user_id: str, desk: str) -> bool:
        return self.user.id == user_id and self.desk == desk


@dataclass(frozen=True)
class CallView:
    id: str
    customer: CustomerSummary
    agent: UserRef
    direction: Direction
    started_at: datetime
    ended_at: datetime | None
    problem: str
    ideal_resolution: str
    checklist: Checklist
    outcome: Outcome | None
    summary: str
    related: tuple[str, ...]
    holder: Holder | None = None  # who has it open, while it is open

    @property
    def is_closed(self) -> bool:
        return self.outcome is not None


def start_call(
    user: User,
    customer_id: str,
    *,
    direction: Direction | str = Direction.INBOUND,
    problem: str = "",
    ideal_resolution: str = "",
    related: tuple[str, ...] = (),
    call_id: str | None = None,
    desk: str | None = None,
) -> CallView:
    """Open a call with a live customer, the acting user as agent, started now.

    The call is open at this desk (``desk``, default :func:`desk_name`) by this user
    until they hold or close it; other desks see it as open here.

    ``call_id`` (chosen by the caller before the first attempt) makes a retry safe:
    a call an interrupted attempt did start is returned, not started twice.
    """
    way = parse_choice(Direction, direction, "call direction")
    text = _clean_fields({"problem": problem, "ideal_resolution": ideal_resolution})
    with database.atomic():
        user = require_active(user, action="Starting calls")
        wanted = {"customer_id": str(customer_id).strip(), "agent_id": user.id}
        done = already_written(Call, call_id, "call", direction=way.value, **wanted)
        if done is not None:
            note(Topic.CALLS, done.id, customer_id=done.customer_id)
            return get_call(user, done.id)
        customer = live_customer(customer_id)
        call = Call.create(
            id=call_id or new_id(),
            customer=customer.id,
            agent=user,
            direction=way.value,
            site=this_site_id(),
            **text,
        )
        audit.record(
            user, Action.CREATE, "call", call.id, customer=customer.id, direction=way.value, **text
        )
        hold_here(call, user, desk or desk_name())
        note(Topic.CALLS, call.id, customer_id=customer.id)
        for earlier in related:
            _link(user, call, earlier)
    return get_call(user, call.id)


def update_call(user: User, call_id: str, **changes: str) -> CallView:
    """Change the goal, checklist or summary of an open call; each change is audited."""
    unknown = sorted(set(changes) - set(CALL_TEXT_FIELDS))
    if unknown:
        raise InvalidInput(
            f"A call has no field {unknown[0]!r}; fields are: {', '.join(CALL_TEXT_FIELDS)}."
        )
    text = _clean_fields(changes)
    with database.atomic():
        user = require_active(user, action="Changing a call's notes")
        call = open_call(call_id)
        diff = {
            name: {"from": getattr(call, name), "to": value}
            for name, value in text.items()
            if getattr(call, name) != value
        }
        if diff:
            Call.update(updated_at=utcnow_precise(), **{k: v["to"] for k, v in diff.items()}).where(
                Call.id == call.id
            ).execute()
            audit.record(user, Action.CHANGE, "call", call.id, changes=diff)
            note(Topic.CALLS, call.id, customer_id=call.customer_id)
    return get_call(user, call.id)


def link_calls(user: User, call_id: str, earlier_id: str) -> CallView:
    """Mark an earlier call as related, e.g. the call where the problem was first reported."""
    with database.atomic():
        user = require_active(user, action="Linking calls")
        _link(user, get_call_row(call_id), earlier_id)
    return get_call(user, call_id)


def close_call(
    user: User, call_id: str, outcome: Outcome | str | None, summary: str | None = None
) -> CallView:
    """End a call with its outcome; from now on the record takes only amendments.

    Closing again as the same person with the same outcome and summary (a retry
    after a lost connection, whose first attempt did commit) returns the closed call.
    """
    if outcome is None or not str(outcome).strip():
        choices = ", ".join(o.value for o in Outcome)
        raise InvalidInput(f"Say how the call ended before closing it: one of {choices}.")
    result = parse_choice(Outcome, outcome, "call outcome")
    with database.atomic():
        user = require_active(user, action="Closing calls")
        closed = get_call_row(call_id)
        if (
            closed.outcome == result.value
            and closed.closed_by_id == user.id
            and (
                summary is None or closed.summary == _clean_fields({"summary": summary})["summary"]
            )
        ):
            note(Topic.CALLS, closed.id, customer_id=closed.customer_id)
            return get_call(user, closed.id)
        call = open_call(call_id)
        now = utcnow()
        text = _clean_fields({"summary": call.summary if summary is None else summary})
        Call.update(
            outcome=result.value,
            summary=text["summary"],
            ended_at=call.ended_at or now,
            closed_by=user,
            updated_at=utcnow_precise(),
        ).where(Call.id == call.id).execute()
        audit.record(
            user, Action.CHANGE, "call", call.id, closed=True, outcome=result.value, **text
        )
        CallHolder.delete().where(CallHolder.call == call.id).execute()
        note(Topic.CALLS, call.id, customer_id=call.customer_id)
    return get_call(user, call.id)


def get_call(user: User, call_id: str) -> CallView:
    require_active(user, action="Reading calls")
    call = get_call_row(call_id)
    related = CallLink.select(CallLink.earlier).where(CallLink.call == call.id)
    return call_view(call, tuple(sorted(link.earlier_id for link in related)))


def call_view(call: Call, related: tuple[str, ...] = ()) -> CallView:
    return CallView(
        id=call.id,
        customer=summaries([call.customer_id])[call.customer_id],
        agent=user_ref(call.agent),
        direction=stored_choice(Direction, call.direction, "calls", call.id, "direction"),
        started_at=call.started_at,
        ended_at=call.ended_at,
        problem=call.problem,
        ideal_resolution=call.ideal_resolution,
        checklist=Checklist(**{name: getattr(call, name) for name in CHECKLIST_LABELS}),
        outcome=(
            stored_choice(Outcome, call.outcome, "calls", call.id, "outcome")
            if call.outcome
            else None
        ),
        summary=call.summary,
        related=related,
        holder=None if call.outcome else call_holder(call.id),
    )


def call_holder(call_id: str) -> Holder | None:
    """Who has the call open right now, if anyone."""
    row = (
        CallHolder.select(CallHolder, User)
        .join(User, on=(CallHolder.user == User.id))
        .where(CallHolder.call == call_id)
        .first()
    )
    return None if row is None else Holder(user_ref(row.user), row.desk, row.since)


def hold_here(call: Call, user: User, desk: str) -> None:
    """Make (user, desk) the holder of ``call``; inside the caller's transaction."""
    now = utcnow()
    updated = (
        CallHolder.update(user=user.id, desk=desk, since=now)
        .where(CallHolder.call == call.id)
        .execute()
    )
    if not updated:
        CallHolder.create(call=call.id, user=user.id, desk=desk, since=now)


def get_call_row(call_id: str) -> Call:
    call = Call.get_or_none(Call.id == str(call_id).strip())
    if call is None:
        raise NotFound(
            f"No call has the id {call_id!r}. Open the customer's history to find the call."
        )
    return call


def open_call(call_id: str) -> Call:
    """The call, refusing a closed one with the way to correct it."""
    call = get_call_row(call_id)
    if call.outcome is not None:
        raise InvalidInput(
            f"This call was closed at {call.ended_at:%Y-%m-%d %H:%M} UTC ({call.outcome}). "
            "A closed call takes only amendments: amend the entry that needs correcting."
        )
    return call


def _link(user: User, call: Call, earlier_id: str) -> None:
    earlier = get_call_row(earlier_id)
    if earlier.id == call.id:
        raise InvalidInput("A call cannot be related to itself; pick an earlier call.")
    if earlier.started_at > call.started_at:
        raise InvalidInput("Only earlier calls can be related; link from the later call instead.")
    if CallLink.get_or_none(CallLink.call == call.id, CallLink.earlier == earlier.id) is None:
        CallLink.create(call=call.id, earlier=earlier.id, created_by=user)
        audit.record(user, Action.LINK, "call", call.id, earlier=earlier.id)
        note(Topic.CALLS, call.id, customer_id=call.customer_id)


def _clean_fields(values: dict[str, Any]) -> dict[str, str]:
    """Clean each text field; the summary may be long, the others are short answers."""
    return {
        name: clean_text(
            value,
            _label(name),
            max_length=NOTE_MAX if name in ("summary", "problem") else FIELD_MAX,
        )
        for name, value in values.items()
    }


def _label(name: str) -> str:
    return CHECKLIST_LABELS.get(name, name.replace("_", " ").capitalize())


def open_call_ids(user: User, *, desk: str | None = None) -> list[str]:
    """Open calls this person can pick up at this desk: the calls they hold here first.

    That is the calls they started and have not closed (held, or interrupted by a crash)
    and any call they took over, but never a call open at another desk or by someone
    else: that one is theirs until it is taken over explicitly
    (:func:`companion.call_desks.take_over_call`). Newest first within each group.
    """
    user = require_active(user, action="Listing your open calls")
    here = desk or desk_name()
    held_here = (CallHolder.user == user.id) & (CallHolder.desk == here)
    mine_here = CallHolder.select(CallHolder.call).where(held_here)
    elsewhere = CallHolder.select(CallHolder.call).where(~held_here)
    query = (
        Call.select(Call.id, Call.id.in_(mine_here).alias("here"))
        .where(
            Call.outcome.is_null()
            & (((Call.agent == user.id) & Call.id.not_in(elsewhere)) | Call.id.in_(mine_here))
        )
        .order_by(Call.started_at.desc(), Call.id.desc())
    )
    rows = list(tuples(query))
    return [cid for cid, here_ in rows if here_] + [cid for cid, here_ in rows if not here_]
