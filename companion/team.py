"""The team at a glance, for a supervisor: who is behind, what is coming, how we keep our word.

Every figure is about the desk's local calendar ("today" is the supervisor's
today), while calls are stored with UTC times, so a day becomes the UTC span from
its local midnight to the next. Promises count as outstanding while open or
rescheduled, as everywhere else in Companion.

Head office holds records from several sites (see :mod:`companion.exchange`); every
figure can be narrowed to one site (``site``: a :class:`companion.sites.Site` id).
A call belongs to the site where it was taken, and a promise to its call's site.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

import peewee

from companion.audit_query import local_midnight_utc
from companion.calls import Call, Outcome
from companion.entries import Entry
from companion.errors import InvalidInput
from companion.permissions import require_role
from companion.promises import OUTSTANDING, Promise, PromiseEvent, PromiseState
from companion.rows import tuples
from companion.sites import this_site_id
from companion.users import Role, User, UserRef, user_ref

VIEWERS = (Role.SUPERVISOR, Role.ADMIN)
_VIEW_ACTION = "Viewing the team overview"


@dataclass(frozen=True)
class AgentDay:
    """One person's load today; the numbers a supervisor scans to decide whom to help."""

    agent: UserRef
    overdue: int
    due_today: int
    calls_today: int
    escalations_today: int


class KeptOnTime(NamedTuple):
    kept_on_time: int
    due_total: int
    rate: float | None  # None when nothing fell due: "no promises" is not "0 % kept"


def team_summary(user: User, today: date, site: str | None = None) -> list[AgentDay]:
    """Per person: outstanding promises overdue and due today, calls and escalations today.

    Every agent is listed, even with nothing to show (an idle agent is news too);
    anyone else appears only when they have numbers. Ordered by name. With ``site``
    the numbers are that site's; another site's list holds only people with numbers
    there, since this store's idle agents do not work at that site.
    """
    require_role(user, *VIEWERS, action=_VIEW_ACTION)
    outstanding = Promise.state.in_(OUTSTANDING)
    overdue = _count_by(Promise.owner, outstanding & (Promise.due_on < today), site)
    due_today = _count_by(Promise.owner, outstanding & (Promise.due_on == today), site)
    start, end = local_midnight_utc(today), local_midnight_utc(today + timedelta(days=1))
    calls = _count_by(Call.agent, (Call.started_at >= start) & (Call.started_at < end), site)
    escalations = _count_by(
        Call.agent,
        (Call.outcome == Outcome.ESCALATED.value)
        & (Call.ended_at >= start)
        & (Call.ended_at < end),
        site,
    )
    busy = set(overdue) | set(due_today) | set(calls) | set(escalations)
    listed = User.id.in_(list(busy))
    if site is None or site == this_site_id():
        listed |= User.role == Role.AGENT.value
    people = User.select().where(listed)
    rows = [
        AgentDay(
            user_ref(person),
            overdue[person.id],
            due_today[person.id],
            calls[person.id],
            escalations[person.id],
        )
        for person in people
        if person.id in busy or not getattr(person, "disabled", False)
    ]
    return sorted(rows, key=lambda row: (row.agent.display_name.casefold(), row.agent.id))


def promises_due_per_day(
    user: User, today: date, days: int = 14, site: str | None = None
) -> list[tuple[date, int]]:
    """Outstanding promises due on each of ``days`` days from today, today first (at ``site``).

    Overdue promises are not in today's bar: they are the table's "overdue" column,
    and the chart is about what is coming.
    """
    require_role(user, *VIEWERS, action=_VIEW_ACTION)
    if not 1 <= days <= 366:
        raise InvalidInput(f"Choose between 1 and 366 days, not {days}.")
    last = today + timedelta(days=days - 1)
    query = (
        _at_site(Promise.select(Promise.due_on, peewee.fn.COUNT(Promise.id)), Promise, site)
        .where(Promise.state.in_(OUTSTANDING) & Promise.due_on.between(today, last))
        .group_by(Promise.due_on)
    )
    counts = {_as_date(due): int(count) for due, count in tuples(query)}
    return [(day, counts.get(day, 0)) for day in _days(today, days)]


def kept_on_time_rate(
    user: User, today: date, days: int = 30, site: str | None = None
) -> KeptOnTime:
    """Of the promises first due in the ``days`` days before today, the share kept on time.

    "Due" is the date first promised to the customer, not a later rescheduled one:
    the caller was told that date. "On time" means marked kept on or before it (by
    the desk's local date). Withdrawn, rescheduled-then-late and still-open promises
    count as not kept on time. Today is left out because its promises still have
    the rest of the day.
    """
    require_role(user, *VIEWERS, action=_VIEW_ACTION)
    if not 1 <= days <= 366:
        raise InvalidInput(f"Choose between 1 and 366 days, not {days}.")
    first, last = today - timedelta(days=days), today - timedelta(days=1)
    promised = {
        promise_id: _as_date(due)
        for promise_id, due in tuples(
            _at_site(
                PromiseEvent.select(PromiseEvent.promise, PromiseEvent.new_due), PromiseEvent, site
            ).where(PromiseEvent.from_state.is_null() & PromiseEvent.new_due.between(first, last))
        )
    }
    kept = _kept_dates(promised)
    on_time = sum(
        1 for promise_id, due in promised.items() if kept.get(promise_id, date.max) <= due
    )
    total = len(promised)
    return KeptOnTime(on_time, total, on_time / total if total else None)


def _kept_dates(promised: dict[str, date]) -> dict[str, date]:
    """The local date each of these promises was marked kept, for those that were."""
    kept: dict[str, date] = {}
    ids = list(promised)
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        query = PromiseEvent.select(PromiseEvent.promise, PromiseEvent.at).where(
            (PromiseEvent.to_state == PromiseState.KEPT.value) & PromiseEvent.promise.in_(chunk)
        )
        for promise_id, at in tuples(query):
            kept[promise_id] = _local_date(at)
    return kept


def _count_by(
    column: peewee.Field, condition: peewee.Expression, site: str | None = None
) -> Counter[str]:
    query = _at_site(column.model.select(column, peewee.fn.COUNT(column)), column.model, site)
    query = query.where(condition).group_by(column)
    return Counter({key: int(count) for key, count in tuples(query)})


def _at_site(query: peewee.Select, model: type[peewee.Model], site: str | None) -> peewee.Select:
    """``query`` over calls, promises or promise events, narrowed to the calls of ``site``.

    A promise is its call's (through its entry), so promises join their entry and call;
    no site (None) leaves the query as it is.
    """
    if site is None:
        return query
    if model is PromiseEvent:
        query = query.join(Promise, on=(PromiseEvent.promise == Promise.id))
        model = Promise
    if model is Promise:
        query = query.join(Entry, on=(Promise.entry == Entry.id))
        query = query.join(Call, on=(Entry.call == Call.id))
    return query.where(Call.site == site)


def _days(start: date, count: int) -> Iterable[date]:
    return (start + timedelta(days=offset) for offset in range(count))


def _as_date(value: date | str) -> date:
    """SQLite hands an aggregate's date column back as text; PostgreSQL as a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _local_date(stored: datetime | str) -> date:
    moment = stored if isinstance(stored, datetime) else datetime.fromisoformat(str(stored))
    return moment.replace(tzinfo=UTC).astimezone().date()
