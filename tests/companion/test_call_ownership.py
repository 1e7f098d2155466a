"""One desk works a call at a time: others see where it is open and take over only on purpose.

Desks are named explicitly here ("Desk A", "Desk B") as two windows at a site would be
(``COMPANION_DESK_NAME``); the same person at two desks is the case that used to go
wrong, since every desk without accounts is the one "Local desk" user.
"""

from __future__ import annotations

import json

import pytest

from companion.audit import AuditEvent
from companion.call_desks import (
    CallHeldElsewhere,
    calls_open_elsewhere,
    claim_call,
    describe_holder,
    held_here,
    open_calls,
    release_call,
    take_over_call,
)
from companion.calls import close_call, get_call, open_call_ids, start_call
from companion.desk import DESK_ENV
from companion.entries import add_entry, entry_views
from tests.companion.conftest import Records

A, B = "Desk A", "Desk B"


@pytest.fixture
def call_id(records: Records) -> str:
    return start_call(records.user, records.customer("Petra Müller").id, desk=A).id


def test_a_started_call_is_open_at_its_desk_by_its_agent(records: Records, call_id: str) -> None:
    call = get_call(records.user, call_id)
    assert call.holder is not None
    assert (call.holder.user.id, call.holder.desk) == (records.user.id, A)
    assert held_here(call, records.user, desk=A)
    assert not held_here(call, records.user, desk=B)
    assert describe_holder(call.holder, when="14:02") == (
        f"open at desk {A} by {records.user.display_name} since 14:02"
    )


def test_the_desk_name_comes_from_the_environment(
    records: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DESK_ENV, "Front desk 2")
    call = start_call(records.user, records.customer("Ana López").id)
    assert call.holder is not None and call.holder.desk == "Front desk 2"


def test_another_desk_never_resumes_a_call_open_elsewhere(records: Records, call_id: str) -> None:
    # The same person (the shared "Local desk" user) at a second desk.
    assert open_call_ids(records.user, desk=A) == [call_id]
    assert open_call_ids(records.user, desk=B) == []
    assert calls_open_elsewhere(records.user, desk=B) == [call_id]
    assert calls_open_elsewhere(records.user, desk=A) == []

    with pytest.raises(CallHeldElsewhere) as refused:
        claim_call(records.user, call_id, desk=B)
    assert refused.value.holder.desk == A
    assert f"open at desk {A} by you since" in str(refused.value)
    assert get_call(records.user, call_id).holder.desk == A  # type: ignore[union-attr]


def test_another_person_is_told_who_has_it(records: Records, call_id: str) -> None:
    tom = records.agent("Tom Becker")
    with pytest.raises(CallHeldElsewhere, match=f"open at desk {A} by Local desk since"):
        claim_call(tom, call_id, desk=B)


def test_taking_over_moves_the_call_and_is_audited(records: Records, call_id: str) -> None:
    tom = records.agent("Tom Becker")

    call = take_over_call(tom, call_id, desk=B)

    assert call.holder is not None and (call.holder.user.id, call.holder.desk) == (tom.id, B)
    assert open_call_ids(tom, desk=B) == [call_id]
    assert open_call_ids(records.user, desk=A) == []
    event = (
        AuditEvent.select()
        .where(AuditEvent.object_id == call_id, AuditEvent.details.contains("taken_over"))
        .get()
    )
    assert event.actor_id == tom.id
    moved = json.loads(event.details)["taken_over"]
    assert (moved["from"]["desk"], moved["from"]["user"], moved["to"]["desk"]) == (
        A,
        records.user.id,
        B,
    )
    # Taking over again (a retried request) writes nothing more.
    before = records.snapshot()
    take_over_call(tom, call_id, desk=B)
    assert records.snapshot() == before


def test_entries_from_both_desks_still_land(records: Records, call_id: str) -> None:
    tom = records.agent("Tom Becker")
    take_over_call(tom, call_id, desk=B)
    add_entry(tom, call_id, "said", "Tom took the call.")
    add_entry(records.user, call_id, "note", "Supervisor note from desk A.")
    assert [e.seq for e in entry_views(call_id)] == [1, 2]


def test_holding_releases_so_any_desk_of_the_agent_may_resume(
    records: Records, call_id: str
) -> None:
    release_call(records.user, call_id, desk=A)
    assert get_call(records.user, call_id).holder is None
    assert open_call_ids(records.user, desk=B) == [call_id]

    resumed = claim_call(records.user, call_id, desk=B)

    assert resumed.holder is not None and resumed.holder.desk == B
    assert open_call_ids(records.user, desk=A) == []


def test_release_by_someone_who_does_not_hold_it_changes_nothing(
    records: Records, call_id: str
) -> None:
    release_call(records.user, call_id, desk=B)
    release_call(records.agent("Tom Becker"), call_id, desk=A)
    assert get_call(records.user, call_id).holder.desk == A  # type: ignore[union-attr]


def test_claiming_again_at_the_same_desk_is_harmless(records: Records, call_id: str) -> None:
    before = get_call(records.user, call_id).holder
    assert claim_call(records.user, call_id, desk=A).holder == before


def test_calls_held_here_come_first_for_crash_recovery(records: Records, call_id: str) -> None:
    on_hold = start_call(records.user, records.customer("Ana López").id, desk=A).id
    release_call(records.user, on_hold, desk=A)
    assert open_call_ids(records.user, desk=A) == [call_id, on_hold]


def test_closing_lets_go_and_the_site_list_shows_who_holds_what(
    records: Records, call_id: str
) -> None:
    tom = records.agent("Tom Becker")
    other = start_call(tom, records.customer("Ana López").id, desk=B).id
    listed = {c.id: (c.holder.desk if c.holder else None) for c in open_calls(records.user)}
    assert listed == {call_id: A, other: B}

    close_call(records.user, call_id, "resolved")

    assert get_call(records.user, call_id).holder is None
    assert [c.id for c in open_calls(records.user)] == [other]
