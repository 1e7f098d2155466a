"""What an agent owes next: the follow-ups list and which promises just fell due.

:func:`companion.promises.promises_due` stops at Sunday, which leaves Monday's work
invisible on a Friday afternoon and shows nothing ahead at all on a Sunday. The
follow-ups view looks a fixed number of days ahead instead, so "upcoming" always
means the same stretch of time whatever the weekday.

The due notifier needs the other half: which promises are due now and have not yet
been announced. A promise is announced per due date, so one that was rescheduled
is announced again when its new date arrives.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date, timedelta

import peewee

from companion.errors import InvalidInput
from companion.permissions import require_active
from companion.promises import (
    DUE_LIST_LIMIT,
    OUTSTANDING,
    Promise,
    PromiseView,
    promise_views,
    promises_due,
)
from companion.users import User

UPCOMING_DAYS = 14

Announced = Set[tuple[str, date]]


@dataclass(frozen=True)
class Section:
    """The most urgent promises of one section, and how many there are in all."""

    promises: tuple[PromiseView, ...]
    total: int

    @property
    def hidden(self) -> int:
        """How many promises the list leaves out because of the limit."""
        return self.total - len(self.promises)


@dataclass(frozen=True)
class FollowUps:
    today: date
    until: date
    overdue: Section
    due_today: Section
    upcoming: Section


def follow_ups(
    user: User,
    *,
    owner: User | None = None,
    today: date | None = None,
    days: int = UPCOMING_DAYS,
    limit: int = DUE_LIST_LIMIT,
) -> FollowUps:
    """Outstanding promises: overdue, due today, and due in the next ``days`` days.

    With ``owner`` only that person's promises; without, the whole team's. Each list
    holds at most ``limit`` promises, soonest due first (so the most overdue lead).
    Overdue and today come from :func:`promises_due`, so both views always agree.
    """
    require_active(user, action="Listing follow-ups")
    if days < 0:
        raise InvalidInput("Look ahead zero or more days.")
    due = promises_due(user, owner=owner, today=today, limit=limit)
    until = due.today + timedelta(days=days)
    upcoming = Promise.state.in_(OUTSTANDING) & (Promise.due_on > due.today)
    upcoming &= Promise.due_on <= until
    if owner is not None:
        upcoming &= Promise.owner == owner.id
    return FollowUps(
        today=due.today,
        until=until,
        overdue=Section(due.overdue, due.overdue_total),
        due_today=Section(due.due_today, due.due_today_total),
        upcoming=_first(upcoming, limit),
    )


def due_by(owner: User, today: date) -> list[PromiseView]:
    """Every outstanding promise of ``owner`` due on or before ``today``, unlimited.

    One person's due promises are few; announcing only some of them would hide the rest.
    """
    condition = (
        Promise.state.in_(OUTSTANDING) & (Promise.owner == owner.id) & (Promise.due_on <= today)
    )
    return promise_views(condition)


def newly_due(
    candidates: Iterable[PromiseView], today: date, announced: Announced
) -> list[PromiseView]:
    """The promises in ``candidates`` that are due by ``today`` and not yet announced.

    ``announced`` holds :func:`announcement_key` of each promise already announced.
    """
    return [
        promise
        for promise in candidates
        if promise.outstanding
        and promise.due_on <= today
        and announcement_key(promise) not in announced
    ]


def announcement_key(promise: PromiseView) -> tuple[str, date]:
    """A promise is announced once per due date: a new date deserves a new reminder."""
    return (promise.id, promise.due_on)


def _first(condition: peewee.Expression, limit: int) -> Section:
    """The ``limit`` soonest-due promises matching ``condition``, and how many match."""
    soonest = (
        Promise.select(Promise.id)
        .where(condition)
        .order_by(Promise.due_on, Promise.created_at, Promise.id)
        .limit(limit)
    )
    views = tuple(promise_views(Promise.id.in_(soonest)))
    if len(views) < limit:
        return Section(views, len(views))
    return Section(views, int(Promise.select().where(condition).count()))
