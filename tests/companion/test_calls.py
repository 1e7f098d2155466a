"""Calls: opening, filling in the goal and checklist, relating, and closing."""

from __future__ import annotations

from datetime import datetime

import pytest

from companion.audit import events_for
from companion.calls import (
    Call,
    Direction,
    Outcome,
    close_call,
    get_call,
    link_calls,
    start_call,
    update_call,
)
from companion.errors import InvalidInput, NotFound
from companion.merge import merge_customers
from tests.companion.conftest import Records


@pytest.fixture
def customer_id(records: Records) -> str:
    return records.customer("Chidi Okonkwo", phones=["555 010 7788"]).id


def test_a_call_records_customer_agent_direction_and_goal(
    records: Records, customer_id: str
) -> None:
    call = start_call(
        records.user,
        customer_id,
        direction="outbound",
        problem="Charged twice for March.",
        ideal_resolution="Refund of the duplicate charge.",
    )
    assert call.customer.display_name == "Chidi Okonkwo"
    assert call.agent.display_name == records.user.display_name
    assert call.direction is Direction.OUTBOUND
    assert (call.problem, call.ideal_resolution) == (
        "Charged twice for March.",
        "Refund of the duplicate charge.",
    )
    assert not call.is_closed and call.ended_at is None


def test_the_checklist_tells_what_is_still_to_ask(records: Records, customer_id: str) -> None:
    call = start_call(records.user, customer_id)
    assert len(call.checklist.missing()) == 7
    call = update_call(
        records.user,
        call.id,
        acquired="March 2023",
        problem_started="last Tuesday",
        identifier="Router serial RT-55120",
        current_status="No lights",
        change_since_start="Worse since the storm",
        expectation="A replacement",
    )
    assert call.checklist.identifier == "Router serial RT-55120"
    assert call.checklist.missing() == ["What they already tried"]


def test_changes_to_an_open_call_are_audited_with_old_and_new_values(
    records: Records, customer_id: str
) -> None:
    call = start_call(records.user, customer_id, problem="No internet")
    update_call(records.user, call.id, problem="No internet in the evenings")
    change = events_for(call.id)[-1]
    assert change.details["changes"]["problem"] == {
        "from": "No internet",
        "to": "No internet in the evenings",
    }


def test_an_unknown_field_is_refused_with_the_list_of_fields(
    records: Records, customer_id: str
) -> None:
    call = start_call(records.user, customer_id)
    with pytest.raises(InvalidInput, match="no field 'mood'; fields are: problem"):
        update_call(records.user, call.id, mood="angry")


def test_closing_requires_an_outcome(records: Records, customer_id: str) -> None:
    call = start_call(records.user, customer_id)
    for missing in (None, "", "  "):
        with pytest.raises(InvalidInput, match=r"Say how the call ended.*resolved, escalated"):
            close_call(records.user, call.id, missing)
    with pytest.raises(InvalidInput, match="'fixed' is not a valid call outcome"):
        close_call(records.user, call.id, "fixed")
    assert not get_call(records.user, call.id).is_closed


def test_closing_sets_outcome_summary_and_end_time(records: Records, customer_id: str) -> None:
    call = start_call(records.user, customer_id)
    closed = close_call(records.user, call.id, "Follow-up", "Refund requested; call back Friday.")
    assert closed.outcome is Outcome.FOLLOW_UP
    assert closed.outcome.label == "follow-up needed"
    assert closed.summary == "Refund requested; call back Friday."
    assert closed.ended_at is not None and closed.ended_at >= closed.started_at


def test_a_closed_call_cannot_be_closed_again_or_changed(
    records: Records, customer_id: str
) -> None:
    call = start_call(records.user, customer_id)
    close_call(records.user, call.id, "resolved", "Fixed remotely.")
    before = records.snapshot()
    with pytest.raises(InvalidInput, match=r"closed at .*takes only amendments"):
        close_call(records.user, call.id, "escalated")
    with pytest.raises(InvalidInput, match="takes only amendments"):
        update_call(records.user, call.id, summary="Rewritten")
    assert records.snapshot() == before
    assert get_call(records.user, call.id).summary == "Fixed remotely."


def test_a_call_can_point_at_earlier_related_calls(records: Records, customer_id: str) -> None:
    first = start_call(records.user, customer_id, problem="Router dead")
    second = start_call(records.user, customer_id, related=(first.id,))
    assert second.related == (first.id,)
    with pytest.raises(InvalidInput, match="cannot be related to itself"):
        link_calls(records.user, second.id, second.id)
    with pytest.raises(NotFound, match="No call has the id"):
        link_calls(records.user, second.id, "nope")


def test_only_earlier_calls_can_be_related(records: Records, customer_id: str) -> None:
    first = start_call(records.user, customer_id)
    second = start_call(records.user, customer_id)
    Call.update(started_at=datetime(2020, 1, 1, 10, 0)).where(Call.id == second.id).execute()
    with pytest.raises(InvalidInput, match="Only earlier calls"):
        link_calls(records.user, second.id, first.id)


def test_a_call_cannot_start_for_a_merged_or_unknown_customer(
    records: Records, customer_id: str
) -> None:
    duplicate = records.customer("Chidi Okonkwo Jr")
    merge_customers(records.user, customer_id, duplicate.id)
    with pytest.raises(InvalidInput, match="was merged into"):
        start_call(records.user, duplicate.id)
    with pytest.raises(NotFound):
        start_call(records.user, "nobody")
    with pytest.raises(InvalidInput, match="not a valid call direction"):
        start_call(records.user, customer_id, direction="sideways")


def test_a_refusal_after_the_first_write_rolls_the_whole_call_back(
    records: Records, customer_id: str
) -> None:
    before = records.snapshot()
    with pytest.raises(NotFound, match="No call has the id"):
        start_call(records.user, customer_id, problem="Slow line", related=("no-such-call",))
    assert records.snapshot() == before
