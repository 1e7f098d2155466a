"""The follow-ups list looks a fixed stretch ahead; due promises are announced once per date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from companion.calls import start_call
from companion.errors import InvalidInput
from companion.followups import due_by, follow_ups, newly_due
from companion.promises import (
    get_promise,
    keep_promise,
    record_promise,
    reschedule_promise,
    withdraw_promise,
)
from companion.users import User
from tests.companion.conftest import Records

TODAY = date(2025, 3, 14)  # a Friday: "this week" ends in two days


@pytest.fixture
def call_id(records: Records) -> str:
    return start_call(records.user, records.customer("Ana Ruiz").id).id


def promise(records: Records, call_id: str, text: str, due: date, owner: User | None = None) -> str:
    result = record_promise(records.user, call_id, text, due, owner=owner, today=TODAY)
    return result.promise.id


def test_upcoming_reaches_past_the_weekend(records: Records, call_id: str) -> None:
    promise(records, call_id, "late", TODAY - timedelta(days=2))
    promise(records, call_id, "today", TODAY)
    promise(records, call_id, "monday", date(2025, 3, 17))
    promise(records, call_id, "in two weeks", TODAY + timedelta(days=14))
    promise(records, call_id, "next month", TODAY + timedelta(days=15))
    lists = follow_ups(records.user, today=TODAY)
    assert [p.text for p in lists.overdue.promises] == ["late"]
    assert [p.text for p in lists.due_today.promises] == ["today"]
    assert [p.text for p in lists.upcoming.promises] == ["monday", "in two weeks"]
    assert lists.until == TODAY + timedelta(days=14)


def test_only_outstanding_promises_of_the_owner_are_listed(records: Records, call_id: str) -> None:
    priya = records.agent("Priya Shah")
    promise(records, call_id, "mine", TODAY, owner=priya)
    promise(records, call_id, "someone else's", TODAY)
    keep_promise(records.user, promise(records, call_id, "kept", TODAY, owner=priya), "Done")
    withdraw_promise(records.user, promise(records, call_id, "gone", TODAY, owner=priya), "No")
    moved = promise(records, call_id, "moved", TODAY - timedelta(days=3), owner=priya)
    reschedule_promise(records.user, moved, TODAY + timedelta(days=1), "Parts late", today=TODAY)

    mine = follow_ups(records.user, owner=priya, today=TODAY)
    assert [p.text for p in mine.due_today.promises] == ["mine"]
    assert [p.text for p in mine.upcoming.promises] == ["moved"]
    assert mine.overdue.total == 0
    team = follow_ups(records.user, today=TODAY)
    assert sorted(p.text for p in team.due_today.promises) == ["mine", "someone else's"]


def test_long_lists_are_capped_with_the_most_overdue_first(records: Records, call_id: str) -> None:
    for days in range(5, 0, -1):
        promise(records, call_id, f"{days} days late", TODAY - timedelta(days=days))
        promise(records, call_id, f"in {days} days", TODAY + timedelta(days=days))
    lists = follow_ups(records.user, today=TODAY, limit=2)
    assert [p.text for p in lists.overdue.promises] == ["5 days late", "4 days late"]
    assert (lists.overdue.total, lists.overdue.hidden) == (5, 3)
    assert [p.text for p in lists.upcoming.promises] == ["in 1 days", "in 2 days"]
    assert (lists.upcoming.total, lists.upcoming.hidden) == (5, 3)
    assert (lists.due_today.total, lists.due_today.hidden) == (0, 0)


def test_nonsense_limits_are_refused(records: Records) -> None:
    with pytest.raises(InvalidInput, match="at least one"):
        follow_ups(records.user, today=TODAY, limit=0)
    with pytest.raises(InvalidInput, match="zero or more days"):
        follow_ups(records.user, today=TODAY, days=-1)


def test_due_by_lists_everything_due_for_one_owner(records: Records, call_id: str) -> None:
    priya = records.agent("Priya Shah")
    for days in range(150):
        promise(records, call_id, f"late {days}", TODAY - timedelta(days=days + 1), owner=priya)
    promise(records, call_id, "tomorrow", TODAY + timedelta(days=1), owner=priya)
    promise(records, call_id, "not hers", TODAY)
    due = due_by(priya, TODAY)
    assert len(due) == 150
    assert {p.owner.id for p in due} == {priya.id}


def test_a_promise_is_announced_once_per_due_date(records: Records, call_id: str) -> None:
    first = get_promise(promise(records, call_id, "Refund", TODAY))
    later = get_promise(promise(records, call_id, "Call back", TODAY + timedelta(days=1)))
    announced: set[tuple[str, date]] = set()

    due_now = newly_due([first, later], TODAY, announced)
    assert [p.text for p in due_now] == ["Refund"]
    announced.add((first.id, first.due_on))
    assert newly_due([first, later], TODAY, announced) == []
    tomorrow = TODAY + timedelta(days=1)
    assert [p.text for p in newly_due([first, later], tomorrow, announced)] == ["Call back"]

    moved = reschedule_promise(records.user, first.id, tomorrow, "Bank holiday", today=TODAY)
    assert [p.text for p in newly_due([moved.promise], tomorrow, announced)] == ["Refund"]
    kept = keep_promise(records.user, first.id, "Refund sent, ref 4411").promise
    assert newly_due([kept], tomorrow, set()) == []
