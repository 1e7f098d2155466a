"""Supervisors filter the audit trail and export it as CSV a spreadsheet opens safely."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from companion.audit import AuditEvent
from companion.audit_query import (
    export_csv,
    filter_choices,
    safe_cell,
    search_events,
)
from companion.calls import start_call
from companion.customers import CustomerDetails, create_customer
from companion.errors import InvalidInput, PermissionDenied
from companion.users import Role, User, create_user
from tests.companion.conftest import Records


@pytest.fixture
def supervisor(records: Records) -> User:
    return create_user("Sam Okafor", Role.SUPERVISOR)


def _at_local(event_id: str, moment: datetime) -> None:
    """Move an event to a known local time, as if it had happened then."""
    stored = moment.astimezone(UTC).replace(tzinfo=None)
    AuditEvent.update(at=stored).where(AuditEvent.id == event_id).execute()


def test_filters_narrow_by_person_action_and_object(records: Records, supervisor: User) -> None:
    tom = records.agent("Tom Becker")
    ana = records.customer("Ana Ruiz")
    call = start_call(tom, ana.id)
    everything = search_events(supervisor)
    assert [e.object_type for e in everything][:2] == ["call", "customer"]
    assert [e.actor_name for e in search_events(supervisor, actor=tom)] == ["Tom Becker"]
    assert [e.object_id for e in search_events(supervisor, actor=tom.id, action="create")] == [
        call.id
    ]
    assert search_events(supervisor, object_type="customer", object_id=ana.id)[0].actor_name == (
        "Local desk"
    )
    assert search_events(supervisor, actor=tom, object_type="customer") == []
    blank = search_events(supervisor, actor="", action=" ", object_type="", object_id="")
    assert blank == everything


def test_the_filter_choices_are_the_values_that_occur(records: Records, supervisor: User) -> None:
    tom = records.agent("Tom Becker")
    start_call(tom, records.customer("Ana Ruiz").id)
    choices = filter_choices(supervisor)
    assert [p.display_name for p in choices.people] == ["Local desk", "Tom Becker"]
    assert choices.actions == ("create",)
    assert choices.object_types == ("call", "customer")


def test_dates_are_whole_local_days_and_inclusive(records: Records, supervisor: User) -> None:
    for name, moment in (
        ("Early", datetime(2024, 3, 1, 0, 5)),
        ("Late", datetime(2024, 3, 2, 23, 55)),
        ("After", datetime(2024, 3, 3, 0, 1)),
    ):
        customer = records.customer(name)
        event = AuditEvent.get(AuditEvent.object_id == customer.id)
        _at_local(event.id, moment)
    found = search_events(supervisor, since=date(2024, 3, 1), until=date(2024, 3, 2))
    names = [e.details["display_name"] for e in found]
    assert names == ["Late", "Early"]
    later = search_events(supervisor, since=date(2024, 3, 3), until=date(2024, 3, 3))
    assert [e.details["display_name"] for e in later] == ["After"]


def test_an_end_date_before_the_start_is_refused_with_the_fix(supervisor: User) -> None:
    with pytest.raises(InvalidInput, match="end date 2024-03-01 is before the start date"):
        search_events(supervisor, since=date(2024, 3, 5), until=date(2024, 3, 1))


def test_the_csv_opens_safely_in_a_spreadsheet(
    records: Records, supervisor: User, tmp_path: Path
) -> None:
    prankster = create_user('=HYPERLINK("http://x")', Role.AGENT)
    details = CustomerDetails.validate("@Ana Ruiz", notes="line one\u2028line two")
    create_customer(prankster, details)
    events = search_events(supervisor)
    target = export_csv(supervisor, events, tmp_path / "audit.csv")
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["When (local)", "Person", "Action", "Object type", "Object id", "Details"]
    assert len(rows) == 1 + len(events)
    assert rows[1][1] == '\'=HYPERLINK("http://x")'
    assert "line one line two" in rows[1][5]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("-5", "'-5"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "' =1"),
        ("a\x1bb\u2028c\nd", "a b c d"),
        ("Ana = Ana", "Ana = Ana"),
    ],
)
def test_cells_a_spreadsheet_would_evaluate_are_quoted(value: str, cell: str) -> None:
    assert safe_cell(value) == cell


def test_an_export_is_itself_audited(records: Records, supervisor: User, tmp_path: Path) -> None:
    records.customer("Ana Ruiz")
    export_csv(supervisor, search_events(supervisor), tmp_path / "audit.csv")
    latest = search_events(supervisor, action="export")
    assert [(e.actor_name, e.details) for e in latest] == [
        ("Sam Okafor", {"file": "audit.csv", "rows": 1})
    ]


@pytest.mark.parametrize(
    ("where", "message"), [("missing/audit.csv", "Nothing was exported"), (".", "is a folder")]
)
def test_an_unwritable_path_is_refused_and_leaves_no_trace(
    records: Records, supervisor: User, tmp_path: Path, where: str, message: str
) -> None:
    records.customer("Ana Ruiz")
    events = search_events(supervisor)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(InvalidInput, match=message):
        export_csv(supervisor, events, tmp_path / where)
    assert sorted(tmp_path.rglob("*")) == before
    assert search_events(supervisor, action="export") == []


@pytest.mark.parametrize(
    "call",
    [
        lambda agent, path: search_events(agent),
        lambda agent, path: filter_choices(agent),
        lambda agent, path: export_csv(agent, [], path),
    ],
    ids=["search_events", "filter_choices", "export_csv"],
)
def test_an_agent_cannot_read_or_export_the_trail(
    records: Records, tmp_path: Path, call: object
) -> None:
    agent = records.agent("Tom Becker")
    with pytest.raises(PermissionDenied, match="needs a supervisor or admin account"):
        call(agent, tmp_path / "audit.csv")  # type: ignore[operator]
    assert not (tmp_path / "audit.csv").exists()
