"""The team overview: each person's load today, promises coming due, and promises kept on time."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from companion.calls import Call, close_call, start_call
from companion.clock import local_today
from companion.entries import Entry
from companion.errors import InvalidInput, PermissionDenied
from companion.promises import (
    Promise,
    keep_promise,
    record_promise,
    reschedule_promise,
    withdraw_promise,
)
from companion.sites import Site, remember_site, this_site_id
from companion.team import AgentDay, kept_on_time_rate, promises_due_per_day, team_summary
from companion.users import Role, User, create_user
from tests.companion.conftest import Records


@pytest.fixture
def supervisor(records: Records) -> User:
    return create_user("Sam Okafor", Role.SUPERVISOR)


def _promise(records: Records, agent: User, due: date, text: str = "Call back") -> str:
    call = start_call(agent, records.customer(f"Customer of {agent.display_name}").id)
    promise_id = record_promise(agent, call.id, text, due).promise.id
    close_call(agent, call.id, "follow_up")
    return promise_id


def test_each_agent_shows_overdue_due_today_calls_and_escalations(
    records: Records, supervisor: User
) -> None:
    today = local_today()
    ana = records.agent("Ana Lopez")
    records.agent("Bob Smith")
    _promise(records, ana, today - timedelta(days=2))
    _promise(records, ana, today)
    kept = _promise(records, ana, today)
    keep_promise(ana, kept, "Done early")
    escalated = start_call(ana, records.customer("Angry caller").id)
    close_call(ana, escalated.id, "escalated")
    rows = team_summary(supervisor, today)
    assert [
        (r.agent.display_name, r.overdue, r.due_today, r.calls_today, r.escalations_today)
        for r in rows
    ] == [("Ana Lopez", 1, 1, 4, 1), ("Bob Smith", 0, 0, 0, 0)]
    tomorrow = team_summary(supervisor, today + timedelta(days=1))
    assert tomorrow[0] == AgentDay(rows[0].agent, 2, 0, 0, 0)


def test_promises_due_per_day_counts_only_what_is_still_owed(
    records: Records, supervisor: User
) -> None:
    today = local_today()
    tom = records.agent("Tom Becker")
    for offset in (-2, 0, 0, 3, 13, 14):
        _promise(records, tom, today + timedelta(days=offset))
    keep_promise(tom, _promise(records, tom, today + timedelta(days=3)), "Sent")
    days = promises_due_per_day(supervisor, today)
    assert [day for day, _ in days] == [today + timedelta(days=n) for n in range(14)]
    assert {(day - today).days: count for day, count in days if count} == {0: 2, 3: 1, 13: 1}
    assert promises_due_per_day(supervisor, today, days=1) == [(today, 2)]


def test_kept_on_time_counts_promises_kept_by_the_date_first_promised(
    records: Records, supervisor: User
) -> None:
    today = local_today()
    tom = records.agent("Tom Becker")
    early = _promise(records, tom, today + timedelta(days=1))
    keep_promise(tom, early, "Done a day early")
    withdraw_promise(tom, _promise(records, tom, today + timedelta(days=2)), "Not possible")
    _promise(records, tom, today + timedelta(days=3))
    late = _promise(records, tom, today - timedelta(days=1))
    keep_promise(tom, late, "Done a day late")
    moved = _promise(records, tom, today + timedelta(days=1))
    reschedule_promise(tom, moved, today + timedelta(days=3), "Parts delayed")
    keep_promise(tom, moved, "Arrived after all")
    keep_promise(tom, _promise(records, tom, today + timedelta(days=5)), "Due on the day asked")
    # Seen from five days ahead: the last 30 days hold the first five promises.
    result = kept_on_time_rate(supervisor, today + timedelta(days=5))
    assert result == (2, 5, 0.4)
    assert kept_on_time_rate(supervisor, today + timedelta(days=5), days=1).due_total == 0
    assert kept_on_time_rate(supervisor, today - timedelta(days=40)).rate is None


def test_an_impossible_span_is_refused(supervisor: User) -> None:
    with pytest.raises(InvalidInput, match="between 1 and 366 days"):
        promises_due_per_day(supervisor, local_today(), days=0)


@pytest.mark.parametrize(
    "call",
    [
        lambda agent: team_summary(agent, local_today()),
        lambda agent: promises_due_per_day(agent, local_today()),
        lambda agent: kept_on_time_rate(agent, local_today()),
    ],
    ids=["team_summary", "promises_due_per_day", "kept_on_time_rate"],
)
def test_an_agent_cannot_see_the_team_overview(records: Records, call: object) -> None:
    agent = records.agent("Tom Becker")
    with pytest.raises(PermissionDenied, match="needs a supervisor or admin account"):
        call(agent)  # type: ignore[operator]


def test_every_figure_narrows_to_the_calls_of_one_site(records: Records, supervisor: User) -> None:
    """Head office's overview of one site: that site's calls and its calls' promises only."""
    today = local_today()
    here = this_site_id()
    north = Site("0b6f3a52-1c1e-4c11-9f5e-3a7d2c0e8b42", "North branch")
    tom, nina = records.agent("Tom Becker"), records.agent("Nina Park")
    on_time = _promise(records, tom, today + timedelta(days=1))
    keep_promise(tom, on_time, "Done early")
    late = _promise(records, tom, today - timedelta(days=1))
    keep_promise(tom, late, "Done a day late")
    north_promises = [
        _promise(records, nina, today),
        _promise(records, nina, today + timedelta(days=2)),
        _promise(records, nina, today - timedelta(days=2)),
        _promise(records, nina, today - timedelta(days=3)),
    ]
    remember_site(north)
    north_calls = Entry.select(Entry.call).join(Promise).where(Promise.id.in_(north_promises))
    Call.update(site=north.id).where(Call.id.in_(north_calls)).execute()

    def people(site: str | None) -> list[tuple[str, int, int, int]]:
        return [
            (r.agent.display_name, r.overdue, r.due_today, r.calls_today)
            for r in team_summary(supervisor, today, site)
        ]

    assert people(None) == [("Nina Park", 2, 1, 4), ("Tom Becker", 0, 0, 2)]
    assert people(north.id) == [("Nina Park", 2, 1, 4)]
    assert people(here) == [("Nina Park", 0, 0, 0), ("Tom Becker", 0, 0, 2)]
    due = {
        site: promises_due_per_day(supervisor, today, 3, site) for site in (None, north.id, here)
    }
    assert [count for _, count in due[None]] == [1, 0, 1]
    assert [count for _, count in due[north.id]] == [1, 0, 1]
    assert [count for _, count in due[here]] == [0, 0, 0]
    # Seen from the day after tomorrow: Tom kept one on time and one late; Nina's
    # three that fell due are still open.
    later = today + timedelta(days=2)
    assert kept_on_time_rate(supervisor, later, site=here) == (1, 2, 0.5)
    assert kept_on_time_rate(supervisor, later, site=north.id) == (0, 3, 0.0)
    assert kept_on_time_rate(supervisor, later) == (1, 5, 0.2)
