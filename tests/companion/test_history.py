"""history(): what an agent sees on a repeat call."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from companion.calls import Call, close_call, start_call
from companion.customer_links import link_customers
from companion.entries import add_entry
from companion.history import history
from companion.promises import keep_promise, record_promise
from tests.companion.conftest import Records


def backdate(call_id: str, when: datetime) -> None:
    Call.update(started_at=when).where(Call.id == call_id).execute()


def test_own_and_linked_calls_newest_first_with_open_promises_on_top(records: Records) -> None:
    ana = records.customer("Ana María López")
    luis = records.customer("Luis López")
    stranger = records.customer("Unrelated Person")
    link_customers(records.user, ana.id, luis.id, "household")
    old = start_call(records.user, ana.id, problem="Router dead")
    add_entry(records.user, old.id, "said", "No lights")
    close_call(records.user, old.id, "resolved", "Sent a new router")
    backdate(old.id, datetime(2025, 1, 5, 9, 0))
    luis_call = start_call(records.user, luis.id, problem="Bill too high")
    promise = record_promise(records.user, luis_call.id, "Credit the difference", date(2025, 2, 1))
    backdate(luis_call.id, datetime(2025, 1, 20, 9, 0))
    newest = start_call(records.user, ana.id, problem="Still slow")
    kept = record_promise(records.user, newest.id, "Call back", date(2025, 3, 1))
    keep_promise(records.user, kept.promise.id, "Called back")
    owed = record_promise(records.user, newest.id, "Send the speed report", date(2025, 1, 15))
    start_call(records.user, stranger.id)

    seen = history(records.user, ana.id)

    assert [c.id for c in seen.calls] == [newest.id, luis_call.id, old.id]
    assert [c.via_link for c in seen.calls] == [None, "same household", None]
    assert seen.calls[1].customer.display_name == "Luis López"
    assert seen.calls[2].entry_count == 1 and seen.calls[2].summary == "Sent a new router"
    assert [p.id for p in seen.open_promises] == [owed.promise.id, promise.promise.id]
    assert [p.customer.display_name for p in seen.open_promises] == [
        "Ana María López",
        "Luis López",
    ]
    assert [link.other.display_name for link in seen.links] == ["Luis López"]


def test_only_the_recent_calls_of_linked_customers_are_shown(records: Records) -> None:
    ana, luis = records.customer("Ana"), records.customer("Luis")
    link_customers(records.user, ana.id, luis.id, "household")
    start = datetime(2025, 1, 1, 9, 0)
    for day in range(8):
        backdate(start_call(records.user, luis.id).id, start + timedelta(days=day))
        backdate(start_call(records.user, ana.id).id, start + timedelta(days=day, hours=1))
    seen = history(records.user, ana.id, linked_calls=3)
    assert sum(1 for c in seen.calls if c.via_link) == 3
    assert sum(1 for c in seen.calls if not c.via_link) == 8
    linked_days = [c.started_at.day for c in seen.calls if c.via_link]
    assert linked_days == [8, 7, 6]


def test_a_new_customer_has_an_empty_history(records: Records) -> None:
    seen = history(records.user, records.customer("Brand New").id)
    assert (seen.calls, seen.open_promises, seen.links) == ((), (), ())
