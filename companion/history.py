"""What an agent needs on a repeat call, in one read.

The caller's own calls, newest first, interleaved with the most recent calls of
the people linked to them (a household member may have rung about the same bill),
and above all that, every promise still owed to any of them: the thing a caller
is most likely ringing back about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import peewee

from companion.calls import Call, Direction, Outcome
from companion.customer_links import LinkView, links_of
from companion.customer_models import CustomerSummary, get_customer_row, summaries
from companion.customers import CustomerView, get_customer
from companion.entries import Entry
from companion.permissions import require_active
from companion.promises import PromiseView, outstanding_for
from companion.rows import stored_choice, tuples
from companion.users import User

LINKED_CALLS = 5
MAX_MERGE_HOPS = 20


@dataclass(frozen=True)
class CallSummary:
    id: str
    customer: CustomerSummary
    agent_name: str
    started_at: datetime
    direction: Direction
    problem: str
    ideal_resolution: str
    outcome: Outcome | None
    summary: str
    entry_count: int
    via_link: str | None

    @property
    def is_closed(self) -> bool:
        return self.outcome is not None


@dataclass(frozen=True)
class History:
    """``redirected_from`` is set when the id asked for was merged into this customer."""

    customer: CustomerView
    links: tuple[LinkView, ...]
    open_promises: tuple[PromiseView, ...]
    calls: tuple[CallSummary, ...]
    redirected_from: str | None = None


def history(user: User, customer_id: str, *, linked_calls: int = LINKED_CALLS) -> History:
    """The customer's calls and linked customers' recent calls, newest first, open promises on top."""
    user = require_active(user, action="Reading a customer's history")
    survivor_id = _survivor(customer_id)
    customer = get_customer(user, survivor_id)
    links = tuple(links_of(user, survivor_id))
    calls = _call_rows(Call.customer == survivor_id, None)
    for link in links:
        calls += _call_rows(Call.customer == link.other.id, linked_calls, via=link.label)
    calls.sort(key=lambda c: (c[0].started_at, c[0].id), reverse=True)
    counts = _entry_counts([row.id for row, _ in calls])
    people = summaries([survivor_id, *(link.other.id for link in links)])
    call_summaries = tuple(
        CallSummary(
            id=row.id,
            customer=people[row.customer_id],
            agent_name=row.agent.display_name,
            started_at=row.started_at,
            direction=stored_choice(Direction, row.direction, "calls", row.id, "direction"),
            problem=row.problem,
            ideal_resolution=row.ideal_resolution,
            outcome=(
                stored_choice(Outcome, row.outcome, "calls", row.id, "outcome")
                if row.outcome
                else None
            ),
            summary=row.summary,
            entry_count=counts.get(row.id, 0),
            via_link=via,
        )
        for row, via in calls
    )
    promises = outstanding_for([survivor_id, *(link.other.id for link in links)])
    redirected = customer_id.strip() if survivor_id != customer_id.strip() else None
    return History(customer, links, tuple(promises), call_summaries, redirected)


def _survivor(customer_id: str) -> str:
    """Follow merge pointers to the record that now holds everything."""
    customer = get_customer_row(customer_id)
    for _ in range(MAX_MERGE_HOPS):
        if customer.merged_into_id is None:
            break
        customer = get_customer_row(customer.merged_into_id)
    return str(customer.id)


def _call_rows(
    condition: peewee.Expression, limit: int | None, via: str | None = None
) -> list[tuple[Call, str | None]]:
    query = (
        Call.select(Call, User)
        .join(User, on=(Call.agent == User.id))
        .where(condition)
        .order_by(Call.started_at.desc(), Call.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return [(row, via) for row in query]


def _entry_counts(call_ids: list[str]) -> dict[str, int]:
    if not call_ids:
        return {}
    query = (
        Entry.select(Entry.call, peewee.fn.COUNT(Entry.id))
        .where(Entry.call.in_(call_ids))
        .group_by(Entry.call)
    )
    return {call_id: count for call_id, count in tuples(query)}
