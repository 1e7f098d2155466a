"""The database goes away and comes back: nothing typed is lost, nothing is written twice.

The first half checks, on SQLite and PostgreSQL, that every write the window makes
takes an id chosen before the first attempt, so a retry finds what an interrupted
attempt saved. The second half runs a PostgreSQL server of its own (never the shared
one) and stops, restarts and cuts it under a running desk and under the command line.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import peewee
import pytest

from companion.calls import close_call, get_call, start_call
from companion.customer_links import link_customers, links_of
from companion.customer_models import Customer
from companion.customers import CustomerDetails, create_customer
from companion.db import new_id
from companion.entries import Entry, add_entry, amend_entry, entry_views
from companion.errors import InvalidInput
from companion.outage import DatabaseLost, is_connection_lost, reconnect
from companion.promises import (
    Promise,
    PromiseEvent,
    PromiseState,
    get_promise,
    keep_promise,
    promise_history,
    record_promise,
    reschedule_promise,
)
from kb.workspace import Workspace, open_workspace
from tests.companion.conftest import Records
from tests.pg_server import PgServer, pg_server

MAIN = Path(__file__).resolve().parents[2] / "main.py"
DUE = date(2031, 5, 6)


@pytest.fixture
def call_id(records: Records) -> str:
    return start_call(records.user, records.customer("Petra Müller").id).id


# --- every write the window makes can be retried with its id ---------------------


def test_an_entry_saved_again_with_its_id_is_there_once(records: Records, call_id: str) -> None:
    entry_id = new_id()
    first = add_entry(records.user, call_id, "said", "Bill doubled.", entry_id=entry_id)
    again = add_entry(records.user, call_id, "said", "Bill doubled.", entry_id=entry_id)
    assert (again.id, again.seq) == (first.id, first.seq) == (entry_id, 1)
    assert [e.text for e in entry_views(call_id)] == ["Bill doubled."]


def test_an_id_reused_for_other_text_is_refused_and_nothing_saved(
    records: Records, call_id: str
) -> None:
    entry_id = add_entry(records.user, call_id, "said", "Bill doubled.", entry_id=new_id()).id
    before = records.snapshot()
    with pytest.raises(InvalidInput, match="already belongs to a different entry"):
        add_entry(records.user, call_id, "said", "Something else.", entry_id=entry_id)
    assert records.snapshot() == before


def test_an_amendment_saved_again_with_its_id_is_there_once(records: Records, call_id: str) -> None:
    original = add_entry(records.user, call_id, "said", "Bought in March.")
    amendment_id = new_id()
    for _ in range(2):
        amend_entry(records.user, original.id, "May, not March.", amendment_id=amendment_id)
    assert [(e.kind, e.text) for e in entry_views(call_id)][1:] == [
        ("amendment", "May, not March.")
    ]


def test_a_promise_and_its_state_change_saved_again_are_there_once(
    records: Records, call_id: str
) -> None:
    promise_id, event_id = new_id(), new_id()
    for _ in range(2):
        result = record_promise(
            records.user, call_id, "Refund by Friday", DUE, promise_id=promise_id
        )
    assert result.promise.id == promise_id
    assert result.entry is not None and result.entry.seq == 1
    assert (records.count(Promise), records.count(Entry)) == (1, 1)
    for _ in range(2):
        kept = keep_promise(records.user, promise_id, "Refund sent", event_id=event_id)
    assert kept.promise.state is PromiseState.KEPT
    assert [e.to_state for e in promise_history(promise_id)] == [
        PromiseState.OPEN,
        PromiseState.KEPT,
    ]


def test_a_reschedule_retried_with_its_id_is_one_change_but_a_new_one_is_another(
    records: Records, call_id: str
) -> None:
    promise = record_promise(records.user, call_id, "Call back", DUE).promise
    later, event_id = date(2031, 5, 9), new_id()
    for _ in range(2):
        reschedule_promise(records.user, promise.id, later, "Caller away", event_id=event_id)
    assert get_promise(promise.id).due_on == later
    assert records.count(PromiseEvent) == 2
    with pytest.raises(InvalidInput, match="already belongs to a different change"):
        reschedule_promise(records.user, promise.id, date(2031, 6, 1), "Other", event_id=event_id)


def test_customer_call_close_and_link_saved_again_are_there_once(records: Records) -> None:
    customer_id, call_id, link_id = new_id(), new_id(), new_id()
    details = CustomerDetails.validate("Ana López", phones=["+44 20 7946 0000"])
    for _ in range(2):
        created = create_customer(records.user, details, customer_id=customer_id)
    assert created.customer.id == customer_id and created.duplicates == ()
    assert records.count(Customer) == 1
    for _ in range(2):
        call = start_call(records.user, customer_id, call_id=call_id)
    assert call.id == call_id
    for _ in range(2):
        closed = close_call(records.user, call_id, "resolved", "Sorted.")
    assert closed.is_closed and get_call(records.user, call_id).summary == "Sorted."
    other = records.customer("Luis López")
    for _ in range(2):
        link_customers(records.user, customer_id, other.id, "guardian", link_id=link_id)
    assert [link.id for link in links_of(records.user, customer_id)] == [link_id]


def test_closing_with_another_outcome_is_still_refused(records: Records, call_id: str) -> None:
    close_call(records.user, call_id, "resolved")
    with pytest.raises(InvalidInput, match="closed"):
        close_call(records.user, call_id, "escalated")


# --- telling a lost connection from a refusal -------------------------------------


def test_refusals_and_bad_values_are_not_a_lost_connection(records: Records) -> None:
    with pytest.raises(peewee.IntegrityError) as duplicate, records.database.atomic():
        Customer.insert(id="x", display_name="A", created_by=records.user.id).execute()
        Customer.insert(id="x", display_name="B", created_by=records.user.id).execute()
    assert not is_connection_lost(duplicate.value)
    assert not is_connection_lost(InvalidInput("no"))
    assert not is_connection_lost(ValueError("connection refused"))


# --- a real server, stopped, restarted and cut under a running desk ---------------


@pytest.fixture(scope="module")
def server() -> Iterator[PgServer]:
    with pg_server() as running:
        yield running


@pytest.fixture
def desk(server: PgServer, data_dir: Path) -> Iterator[Workspace]:
    """A desk's workspace on the module's own server, on a fresh database."""
    if not server.is_running():
        server.start()
    workspace = open_workspace(data_dir, server.create_database("outage_test"), load_defaults=False)
    yield workspace
    workspace.close()


def customer_count(server: PgServer) -> int:
    return int(server.sql("SELECT count(*) FROM customers", "outage_test"))


def entries_of(server: PgServer, call_id: str) -> list[str]:
    rows = server.sql(
        f"SELECT text FROM entries WHERE call_id = '{call_id}' ORDER BY seq", "outage_test"
    )
    return rows.split()


@pytest.mark.slow
def test_after_a_server_restart_the_next_write_works_without_reopening(
    server: PgServer, desk: Workspace
) -> None:
    create_customer(desk.user, CustomerDetails.validate("Before"))
    server.restart()
    create_customer(desk.user, CustomerDetails.validate("After"))
    assert customer_count(server) == 2


@pytest.mark.slow
def test_after_the_desks_connection_is_cut_the_next_operation_works(
    server: PgServer, desk: Workspace
) -> None:
    call = start_call(
        desk.user, create_customer(desk.user, CustomerDetails.validate("Ana")).customer.id
    )
    assert server.terminate_connections("outage_test") >= 1
    assert get_call(desk.user, call.id).id == call.id
    assert server.terminate_connections("outage_test") >= 1
    add_entry(desk.user, call.id, "said", "Hello")
    assert entries_of(server, call.id) == ["Hello"]


def cut_at_commit(
    monkeypatch: pytest.MonkeyPatch, desk: Workspace, server: PgServer, *, after: bool
) -> None:
    """The next commit loses its connection: after the server committed, or before."""
    db: Any = desk.database
    real_commit: Callable[[], None] = db.commit

    def commit() -> None:
        monkeypatch.setattr(db, "commit", real_commit)
        if after:
            real_commit()
        server.terminate_connections("outage_test")
        with peewee.__exception_wrapper__:
            db.connection().cursor().execute("SELECT 1")
        real_commit()

    monkeypatch.setattr(db, "commit", commit)


@pytest.mark.slow
@pytest.mark.parametrize("committed", [True, False], ids=["landed", "lost"])
def test_a_write_cut_off_at_commit_is_retried_with_its_id_and_lands_once(
    server: PgServer, desk: Workspace, monkeypatch: pytest.MonkeyPatch, committed: bool
) -> None:
    call = start_call(
        desk.user, create_customer(desk.user, CustomerDetails.validate("Ana")).customer.id
    )
    entry_id = new_id()
    cut_at_commit(monkeypatch, desk, server, after=committed)
    with pytest.raises(peewee.PeeweeException) as cut:
        add_entry(desk.user, call.id, "said", "Refund_agreed", entry_id=entry_id)
    assert is_connection_lost(cut.value)
    assert entries_of(server, call.id) == (["Refund_agreed"] if committed else [])
    reconnect(desk.database)
    saved = add_entry(desk.user, call.id, "said", "Refund_agreed", entry_id=entry_id)
    assert (saved.id, saved.seq) == (entry_id, 1)
    assert entries_of(server, call.id) == ["Refund_agreed"]


@pytest.mark.slow
def test_while_the_server_is_down_reconnect_says_so_and_the_retry_lands_once_it_is_back(
    server: PgServer, desk: Workspace
) -> None:
    call = start_call(
        desk.user, create_customer(desk.user, CustomerDetails.validate("Ana")).customer.id
    )
    entry_id = new_id()
    server.stop()
    with pytest.raises(Exception) as down:
        add_entry(desk.user, call.id, "said", "Typed_while_down", entry_id=entry_id)
    assert is_connection_lost(down.value)
    with pytest.raises(DatabaseLost, match=r"127\.0\.0\.1/outage_test is not answering"):
        reconnect(desk.database)
    server.start()
    reconnect(desk.database)
    add_entry(desk.user, call.id, "said", "Typed_while_down", entry_id=entry_id)
    assert entries_of(server, call.id) == ["Typed_while_down"]


# --- the command line reconnects once, or fails with one line ---------------------


def run_cli(data_dir: Path, url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(MAIN), "--data-dir", str(data_dir), "--db", url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_the_cli_against_a_stopped_server_prints_one_line_and_exits_1(
    server: PgServer, desk: Workspace, data_dir: Path
) -> None:
    server.stop()
    out, err = run_cli(data_dir, desk.db_url, "customer", "find", "Ana").communicate(timeout=60)
    server.start()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "127.0.0.1" in lines[0]
    assert "Traceback" not in err and out == ""


@pytest.mark.slow
def test_the_cli_succeeds_when_the_server_is_back_within_its_reconnect(
    server: PgServer, desk: Workspace, data_dir: Path
) -> None:
    server.stop()
    command = run_cli(data_dir, desk.db_url, "customer", "add", "Ana Back")
    time.sleep(2)  # the command finds the server down first
    server.start()
    _out, err = command.communicate(timeout=60)
    assert command.returncode == 0, err
    assert customer_count(server) == 1
