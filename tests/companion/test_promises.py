"""Promises: made with a due date and an owner, changed only with who, when and why."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from companion.calls import close_call, start_call
from companion.entries import EntryKind, entry_views
from companion.errors import InvalidInput, NotFound
from companion.promises import (
    PromiseState,
    get_promise,
    keep_promise,
    promise_history,
    promises_due,
    record_promise,
    reschedule_promise,
    withdraw_promise,
)
from companion.users import User
from tests.companion.conftest import Records

TODAY = date(2025, 3, 12)  # a Wednesday


@pytest.fixture
def call_id(records: Records) -> str:
    return start_call(records.user, records.customer("Rajesh Kumar", phones=["555 010 4321"]).id).id


def test_a_promise_is_an_entry_with_due_date_and_owner(records: Records, call_id: str) -> None:
    priya = records.agent("Priya Shah")
    result = record_promise(
        records.user, call_id, "Refund by Friday.", date(2025, 3, 14), owner=priya, today=TODAY
    )
    assert result.warnings == ()
    promise = result.promise
    assert (promise.text, promise.due_on, promise.owner.display_name) == (
        "Refund by Friday.",
        date(2025, 3, 14),
        "Priya Shah",
    )
    assert promise.state is PromiseState.OPEN
    assert promise.customer.display_name == "Rajesh Kumar"
    (entry,) = entry_views(call_id)
    assert (entry.kind, entry.id) == (EntryKind.PROMISED, promise.entry_id)


def test_the_owner_defaults_to_the_agent_who_promised(records: Records, call_id: str) -> None:
    result = record_promise(records.user, call_id, "Call back", TODAY, today=TODAY)
    assert result.promise.owner.id == records.user.id


def test_a_promise_without_a_due_date_is_refused(records: Records, call_id: str) -> None:
    before = records.snapshot()
    with pytest.raises(InvalidInput, match="needs a due date"):
        record_promise(records.user, call_id, "Call back", None)
    with pytest.raises(InvalidInput, match="calendar date"):
        record_promise(records.user, call_id, "Call back", "tomorrow")  # type: ignore[arg-type]
    assert records.snapshot() == before


def test_a_due_date_in_the_past_is_allowed_and_flagged(records: Records, call_id: str) -> None:
    result = record_promise(records.user, call_id, "Sent already?", date(2025, 3, 1), today=TODAY)
    assert result.promise.state is PromiseState.OPEN
    assert "2025-03-01 is already past" in result.warnings[0]
    assert result.promise.days_overdue(TODAY) == 11


def test_state_changes_keep_who_when_why_and_the_old_due_date(
    records: Records, call_id: str
) -> None:
    promise = record_promise(records.user, call_id, "Send router", TODAY, today=TODAY).promise
    tom = records.agent("Tom Becker")
    moved = reschedule_promise(
        tom, promise.id, date(2025, 3, 18), "Warehouse out of stock", today=TODAY
    )
    assert (moved.promise.state, moved.promise.due_on) == (
        PromiseState.RESCHEDULED,
        date(2025, 3, 18),
    )
    keep_promise(records.user, promise.id, "Tracking number sent: 1Z999")
    created, rescheduled, kept = promise_history(promise.id)
    assert (created.from_state, created.to_state, created.new_due) == (
        None,
        PromiseState.OPEN,
        TODAY,
    )
    assert (rescheduled.actor.display_name, rescheduled.old_due, rescheduled.new_due) == (
        "Tom Becker",
        TODAY,
        date(2025, 3, 18),
    )
    assert rescheduled.reason == "Warehouse out of stock"
    assert (kept.from_state, kept.to_state, kept.reason) == (
        PromiseState.RESCHEDULED,
        PromiseState.KEPT,
        "Tracking number sent: 1Z999",
    )
    assert created.at <= rescheduled.at <= kept.at


def test_a_kept_or_withdrawn_promise_cannot_change_again(records: Records, call_id: str) -> None:
    first = record_promise(records.user, call_id, "A", TODAY, today=TODAY).promise
    second = record_promise(records.user, call_id, "B", TODAY, today=TODAY).promise
    keep_promise(records.user, first.id, "Done")
    withdraw_promise(records.user, second.id, "Customer cancelled the order")
    before = records.snapshot()
    for promise_id in (first.id, second.id):
        with pytest.raises(InvalidInput, match=r"already (kept|withdrawn); it can no longer"):
            reschedule_promise(records.user, promise_id, TODAY + timedelta(days=3), "Try")
    assert records.snapshot() == before


def test_changes_need_a_reason_and_a_real_new_date(records: Records, call_id: str) -> None:
    promise = record_promise(records.user, call_id, "A", TODAY, today=TODAY).promise
    with pytest.raises(InvalidInput, match="The reason is empty"):
        keep_promise(records.user, promise.id, "  ")
    with pytest.raises(InvalidInput, match="already due on 2025-03-12"):
        reschedule_promise(records.user, promise.id, TODAY, "Same day")
    with pytest.raises(InvalidInput, match="needs a due date"):
        reschedule_promise(records.user, promise.id, None, "No date")
    with pytest.raises(NotFound, match="No promise has the id"):
        keep_promise(records.user, "nope", "Done")
    assert get_promise(promise.id).state is PromiseState.OPEN
    assert len(promise_history(promise.id)) == 1


def test_rescheduling_into_the_past_is_flagged(records: Records, call_id: str) -> None:
    promise = record_promise(records.user, call_id, "A", TODAY, today=TODAY).promise
    result = reschedule_promise(records.user, promise.id, date(2025, 3, 2), "Typo", today=TODAY)
    assert "already past" in result.warnings[0]


def test_a_promise_cannot_be_added_to_a_closed_call(records: Records, call_id: str) -> None:
    close_call(records.user, call_id, "resolved")
    with pytest.raises(InvalidInput, match="takes only amendments"):
        record_promise(records.user, call_id, "Late promise", TODAY)


def test_promises_stay_changeable_after_the_call_closes(records: Records, call_id: str) -> None:
    promise = record_promise(records.user, call_id, "Refund", TODAY, today=TODAY).promise
    close_call(records.user, call_id, "follow_up")
    assert keep_promise(records.user, promise.id, "Refunded").promise.state is PromiseState.KEPT


def test_due_lists_split_overdue_today_and_this_week_per_owner_and_team(
    records: Records, call_id: str
) -> None:
    priya, tom = records.agent("Priya Shah"), records.agent("Tom Becker")

    def promise(text: str, due: date, owner: User) -> str:
        result = record_promise(records.user, call_id, text, due, owner=owner, today=TODAY)
        return result.promise.id

    promise("late", TODAY - timedelta(days=3), priya)
    promise("today", TODAY, tom)
    promise("sunday", date(2025, 3, 16), priya)
    promise("next monday", date(2025, 3, 17), priya)
    keep_promise(records.user, promise("kept", TODAY - timedelta(days=1), priya), "Done")
    moved = promise("moved", TODAY - timedelta(days=5), tom)
    reschedule_promise(records.user, moved, TODAY - timedelta(days=1), "Still waiting")

    team = promises_due(records.user, today=TODAY)
    assert [p.text for p in team.overdue] == ["late", "moved"]
    assert [p.text for p in team.due_today] == ["today"]
    assert [p.text for p in team.due_this_week] == ["sunday"]
    mine = promises_due(records.user, owner=priya, today=TODAY)
    assert [p.text for p in mine.overdue + mine.due_today + mine.due_this_week] == [
        "late",
        "sunday",
    ]


def test_long_due_lists_show_the_most_overdue_first_and_count_the_rest(
    records: Records, call_id: str
) -> None:
    for days in range(5, 0, -1):
        record_promise(records.user, call_id, f"{days} days late", TODAY - timedelta(days=days))
    due = promises_due(records.user, today=TODAY, limit=2)
    assert [p.text for p in due.overdue] == ["5 days late", "4 days late"]
    assert (due.overdue_total, due.due_today_total, due.due_this_week_total) == (5, 0, 0)
    with pytest.raises(InvalidInput, match="at least one"):
        promises_due(records.user, today=TODAY, limit=0)
