"""Promises: what an agent said would happen, by when, and who answers for it.

A promise is an entry of kind ``promised`` with a due date and an owner. Its state
moves only through the functions here, each of which appends a
:class:`PromiseEvent` saying who changed it, when and why; rescheduling keeps the
old due date in that history. "Outstanding" means open or rescheduled: still owed.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import peewee

from companion import audit
from companion.audit import Action
from companion.calls import open_call
from companion.changes import Topic, note
from companion.clock import local_today, utcnow_precise
from companion.customer_models import Customer, CustomerSummary, summaries
from companion.db import BaseModel, database, new_id, utcnow
from companion.entries import Entry, EntryKind, EntryView, append_entry, clean_entry_text
from companion.errors import InvalidInput, NotFound
from companion.outage import already_written
from companion.permissions import require_active
from companion.rows import stored_choice, tuples
from companion.text import FIELD_MAX, clean_text
from companion.users import User, UserRef, user_ref


class PromiseState(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    RESCHEDULED = "rescheduled"
    WITHDRAWN = "withdrawn"


OUTSTANDING = (PromiseState.OPEN.value, PromiseState.RESCHEDULED.value)
DUE_LIST_LIMIT = 100


class Promise(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    entry = peewee.ForeignKeyField(Entry, unique=True, backref="promise", on_delete="RESTRICT")
    entry_id: str
    customer = peewee.ForeignKeyField(Customer, backref="promises", on_delete="RESTRICT")
    customer_id: str
    owner = peewee.ForeignKeyField(User, backref="promises", on_delete="RESTRICT")
    owner_id: str
    due_on = peewee.DateField()
    state = peewee.CharField(max_length=16, default=PromiseState.OPEN.value)
    created_at = peewee.DateTimeField(default=utcnow)
    # Microseconds: which of two versions is newer decides merges between sites.
    updated_at = peewee.DateTimeField(default=utcnow_precise)

    class Meta:
        table_name = "promises"
        indexes = (
            (("state", "due_on", "created_at", "id"), False),
            (("owner", "state", "due_on", "created_at", "id"), False),
            (("customer", "state"), False),
        )


class PromiseEvent(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    promise = peewee.ForeignKeyField(Promise, backref="events", on_delete="RESTRICT")
    at = peewee.DateTimeField(default=utcnow_precise)
    actor = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    from_state = peewee.CharField(max_length=16, null=True)
    to_state = peewee.CharField(max_length=16)
    old_due = peewee.DateField(null=True)
    new_due = peewee.DateField()
    reason = peewee.TextField(default="")

    class Meta:
        table_name = "promise_events"


_EVENTS = PromiseEvent._meta.table_name


@dataclass(frozen=True)
class PromiseView:
    id: str
    entry_id: str
    call_id: str
    text: str
    customer: CustomerSummary
    owner: UserRef
    due_on: date
    state: PromiseState
    made_at: datetime

    @property
    def outstanding(self) -> bool:
        return self.state.value in OUTSTANDING

    def days_overdue(self, today: date) -> int:
        return max(0, (today - self.due_on).days) if self.outstanding else 0


@dataclass(frozen=True)
class PromiseEventView:
    at: datetime
    actor: UserRef
    from_state: PromiseState | None
    to_state: PromiseState
    old_due: date | None
    new_due: date
    reason: str


@dataclass(frozen=True)
class PromiseResult:
    """A promise as saved, with anything the agent should double-check."""

    promise: PromiseView
    entry: EntryView | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DuePromises:
    """Each list holds the most urgent promises, up to the limit asked for; totals count all."""

    today: date
    overdue: tuple[PromiseView, ...]
    due_today: tuple[PromiseView, ...]
    due_this_week: tuple[PromiseView, ...]
    overdue_total: int
    due_today_total: int
    due_this_week_total: int


def record_promise(
    user: User,
    call_id: str,
    text: str,
    due_on: date | None,
    *,
    owner: User | None = None,
    today: date | None = None,
    promise_id: str | None = None,
) -> PromiseResult:
    """Record a promise on an open call; a past due date is allowed and flagged.

    ``promise_id`` (chosen by the caller before the first attempt) makes a retry
    safe: a promise an interrupted attempt did save is returned, not made twice.
    """
    body = clean_entry_text(text, "The promise")
    due = _require_date(due_on)
    responsible = owner or user
    with database.atomic():
        user = require_active(user, action="Recording promises")
        done = already_written(Promise, promise_id, "promise", owner_id=responsible.id, due_on=due)
        if done is not None:
            return _recorded_before(done, user, str(call_id).strip(), body, today)
        call = open_call(call_id)
        entry = append_entry(user, call, EntryKind.PROMISED, body)
        promise = Promise.create(
            id=promise_id or new_id(),
            entry=entry.id,
            customer=call.customer_id,
            owner=responsible,
            due_on=due,
        )
        PromiseEvent.create(
            promise=promise.id, actor=user, to_state=PromiseState.OPEN.value, new_due=due
        )
        audit.record(
            user,
            Action.CREATE,
            "promise",
            promise.id,
            entry=entry.id,
            owner=responsible.id,
            due_on=due,
        )
        note(Topic.PROMISES, promise.id, customer_id=call.customer_id)
    view = EntryView(
        entry.id, call.id, entry.seq, entry.at, user_ref(user), EntryKind.PROMISED, body
    )
    return PromiseResult(get_promise(promise.id), view, _due_warnings(due, today))


def _recorded_before(
    promise: Promise, user: User, call_id: str, body: str, today: date | None
) -> PromiseResult:
    """The result of a :func:`record_promise` whose first attempt did commit."""
    entry = already_written(
        Entry, promise.entry_id, "promise", call_id=call_id, text=body, author_id=user.id
    )
    assert entry is not None  # the promise's entry is a foreign key
    note(Topic.PROMISES, promise.id, customer_id=promise.customer_id)
    view = EntryView(
        entry.id, entry.call_id, entry.seq, entry.at, user_ref(user), EntryKind.PROMISED, body
    )
    return PromiseResult(get_promise(promise.id), view, _due_warnings(promise.due_on, today))


def keep_promise(
    user: User, promise_id: str, reason: str, *, event_id: str | None = None
) -> PromiseResult:
    """The promise was kept; ``reason`` says how (e.g. "refund sent, ref 4411").

    ``event_id`` (chosen by the caller before the first attempt) makes a retry safe,
    here and for the other state changes: a change that did commit is not made twice.
    """
    return _change(user, promise_id, PromiseState.KEPT, reason, event_id=event_id)


def withdraw_promise(
    user: User, promise_id: str, reason: str, *, event_id: str | None = None
) -> PromiseResult:
    """The promise will not be kept; ``reason`` says why, for whoever the caller speaks to next."""
    return _change(user, promise_id, PromiseState.WITHDRAWN, reason, event_id=event_id)


def reschedule_promise(
    user: User,
    promise_id: str,
    new_due: date | None,
    reason: str,
    *,
    today: date | None = None,
    event_id: str | None = None,
) -> PromiseResult:
    """Move the due date; the old date stays in the promise's history."""
    due = _require_date(new_due)
    return _change(
        user,
        promise_id,
        PromiseState.RESCHEDULED,
        reason,
        new_due=due,
        today=today,
        event_id=event_id,
    )


def get_promise(promise_id: str) -> PromiseView:
    views = promise_views(Promise.id == str(promise_id).strip())
    if not views:
        raise NotFound(f"No promise has the id {promise_id!r}. List them with `promises due`.")
    return views[0]


def promise_history(promise_id: str) -> list[PromiseEventView]:
    """Every state change of a promise, oldest first, starting with its creation."""
    query = (
        PromiseEvent.select(PromiseEvent, User)
        .join(User, on=(PromiseEvent.actor == User.id))
        .where(PromiseEvent.promise == promise_id)
        .order_by(PromiseEvent.at, PromiseEvent.id)
    )
    return [
        PromiseEventView(
            at=event.at,
            actor=user_ref(event.actor),
            from_state=(
                stored_choice(PromiseState, event.from_state, _EVENTS, event.id, "from_state")
                if event.from_state
                else None
            ),
            to_state=stored_choice(PromiseState, event.to_state, _EVENTS, event.id, "to_state"),
            old_due=event.old_due,
            new_due=event.new_due,
            reason=event.reason,
        )
        for event in query
    ]


def promises_due(
    user: User,
    *,
    owner: User | None = None,
    today: date | None = None,
    limit: int = DUE_LIST_LIMIT,
) -> DuePromises:
    """Outstanding promises that are overdue, due today, or due later this week (to Sunday).

    With ``owner`` only that person's promises; without, the whole team's. Each list
    stops at ``limit`` (most overdue first), because nobody works through a thousand
    rows at once; the totals say how many there are.
    """
    require_active(user, action="Listing promises due")
    if limit < 1:
        raise InvalidInput("Ask for at least one promise per list.")
    day = today or local_today()
    week_end = day + timedelta(days=6 - day.weekday())
    windows = (
        Promise.due_on < day,
        Promise.due_on == day,
        (Promise.due_on > day) & (Promise.due_on <= week_end),
    )
    found = [_most_urgent(owner, window, limit) for window in windows]
    views = iter(_views([row for rows in found for row in rows]))
    overdue, due_today, this_week = (tuple(next(views) for _ in rows) for rows in found)
    overdue_total, today_total, week_total = (
        _count_outstanding(owner, window) if len(rows) == limit else len(rows)
        for rows, window in zip(found, windows, strict=True)
    )
    return DuePromises(day, overdue, due_today, this_week, overdue_total, today_total, week_total)


def _most_urgent(
    owner: User | None, window: peewee.Expression, limit: int
) -> list[tuple[Any, ...]]:
    """The first ``limit`` outstanding promises in ``window``, soonest due first.

    One query per state, merged here: with "state = ?" the (state, due_on, ...)
    index yields rows already in order, so each query stops after ``limit`` rows
    instead of sorting every overdue promise the team has.
    """
    per_state = []
    for state in OUTSTANDING:
        condition = (Promise.state == state) & window
        if owner is not None:
            condition &= Promise.owner == owner.id
        per_state.append(_rows(condition, limit))
    return list(itertools.islice(heapq.merge(*per_state, key=_urgency), limit))


def _count_outstanding(owner: User | None, window: peewee.Expression) -> int:
    condition = Promise.state.in_(OUTSTANDING) & window
    if owner is not None:
        condition &= Promise.owner == owner.id
    return int(Promise.select().where(condition).count())


def outstanding_for(customer_ids: Iterable[str]) -> list[PromiseView]:
    """Promises still owed to any of these customers, soonest due first."""
    ids = list(customer_ids)
    if not ids:
        return []
    return promise_views(Promise.state.in_(OUTSTANDING) & Promise.customer.in_(ids))


def promises_of_call(call_id: str) -> list[PromiseView]:
    return promise_views(Entry.call == call_id)


def promise_views(condition: peewee.Expression, limit: int | None = None) -> list[PromiseView]:
    """Promises matching ``condition``, soonest due first, with text, owner and customer."""
    return _views(_rows(condition, limit))


def _rows(condition: peewee.Expression, limit: int | None = None) -> list[tuple[Any, ...]]:
    """Promise rows as tuples (a due list can run to hundreds), in :func:`_urgency` order."""
    query = (
        Promise.select(
            Promise.id,
            Promise.entry,
            Entry.call,
            Entry.text,
            Promise.created_at,
            Promise.customer,
            User.id,
            User.display_name,
            User.role,
            Promise.due_on,
            Promise.state,
        )
        .join(Entry, on=(Promise.entry == Entry.id))
        .switch(Promise)
        .join(User, on=(Promise.owner == User.id))
        .where(condition)
        .order_by(Promise.due_on, Promise.created_at, Promise.id)
        .limit(limit)
    )
    return list(tuples(query))


def _urgency(row: tuple[Any, ...]) -> tuple[date, datetime, str]:
    """Soonest due first, then the earliest made: the order :func:`_rows` returns."""
    return row[9], row[4], row[0]


def _views(rows: list[tuple[Any, ...]]) -> list[PromiseView]:
    customers = summaries(row[5] for row in rows)
    owners: dict[str, UserRef] = {}
    return [
        PromiseView(
            id=promise_id,
            entry_id=entry_id,
            call_id=call_id,
            text=text,
            customer=customers[customer_id],
            owner=owners.setdefault(owner_id, UserRef(owner_id, owner_name, owner_role)),
            due_on=due_on,
            state=stored_choice(PromiseState, state, "promises", promise_id, "state"),
            made_at=made_at,
        )
        for (
            promise_id,
            entry_id,
            call_id,
            text,
            made_at,
            customer_id,
            owner_id,
            owner_name,
            owner_role,
            due_on,
            state,
        ) in rows
    ]


def _change(
    user: User,
    promise_id: str,
    to_state: PromiseState,
    reason: str,
    *,
    new_due: date | None = None,
    today: date | None = None,
    event_id: str | None = None,
) -> PromiseResult:
    why = clean_text(reason, "The reason", max_length=FIELD_MAX, required=True)
    with database.atomic():
        user = require_active(user, action="Changing promises")
        promise = Promise.get_or_none(Promise.id == str(promise_id).strip())
        if promise is None:
            raise NotFound(f"No promise has the id {promise_id!r}. List them with `promises due`.")
        expected: dict[str, object] = {"promise_id": promise.id, "to_state": to_state.value}
        expected |= {"reason": why} | ({"new_due": new_due} if new_due else {})
        done = already_written(PromiseEvent, event_id, "change", actor_id=user.id, **expected)
        if done is not None:
            note(Topic.PROMISES, promise.id, customer_id=promise.customer_id)
            return _changed_before(promise.id, to_state, done.new_due, today)
        if promise.state not in OUTSTANDING:
            raise InvalidInput(
                f"This promise is already {promise.state}; it can no longer change. "
                "If something new was promised, record a new promise."
            )
        due = new_due or promise.due_on
        if to_state is PromiseState.RESCHEDULED and due == promise.due_on:
            raise InvalidInput(f"The promise is already due on {due:%Y-%m-%d}; pick another date.")
        PromiseEvent.create(
            id=event_id or new_id(),
            promise=promise.id,
            actor=user,
            from_state=promise.state,
            to_state=to_state.value,
            old_due=promise.due_on,
            new_due=due,
            reason=why,
        )
        Promise.update(state=to_state.value, due_on=due, updated_at=utcnow_precise()).where(
            Promise.id == promise.id
        ).execute()
        audit.record(
            user,
            Action.CHANGE,
            "promise",
            promise.id,
            from_state=promise.state,
            to_state=to_state.value,
            old_due=promise.due_on,
            new_due=due,
            reason=why,
        )
        note(Topic.PROMISES, promise.id, customer_id=promise.customer_id)
    warnings = _due_warnings(due, today) if to_state is PromiseState.RESCHEDULED else ()
    return PromiseResult(get_promise(promise.id), warnings=warnings)


def _changed_before(
    promise_id: str, to_state: PromiseState, due: date, today: date | None
) -> PromiseResult:
    warnings = _due_warnings(due, today) if to_state is PromiseState.RESCHEDULED else ()
    return PromiseResult(get_promise(promise_id), warnings=warnings)


def _require_date(value: date | None) -> date:
    if value is None:
        raise InvalidInput("A promise needs a due date: say by when it will be done.")
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput("The due date must be a calendar date such as 2025-03-14.")
    return value


def _due_warnings(due: date, today: date | None) -> tuple[str, ...]:
    day = today or local_today()
    if due < day:
        return (
            f"The due date {due:%Y-%m-%d} is already past, so the promise is overdue from the "
            "start. Check the date if that is not what you meant.",
        )
    return ()
