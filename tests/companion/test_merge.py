"""Merging duplicate customers: everything moves, nothing is lost, the merge is audited."""

from __future__ import annotations

from datetime import date

import pytest

from companion.audit import events_for
from companion.calls import start_call
from companion.customer_links import link_customers, links_of
from companion.customer_search import find_customers
from companion.customers import get_customer
from companion.errors import InvalidInput, NotFound
from companion.history import history
from companion.merge import merge_customers
from companion.promises import get_promise, record_promise
from tests.companion.conftest import Records


def test_calls_promises_numbers_and_links_move_to_the_survivor(records: Records) -> None:
    keep = records.customer("John Smith", phones=["555 010 1000"], notes="VIP")
    dup = records.customer(
        "Jon Smith",
        phones=["555 010 1000", "555 010 2000"],
        emails=["jon@example.com"],
        references=[("account", "ACC-1")],
        notes="Called about the router.",
    )
    spouse = records.customer("Mary Smith")
    link_customers(records.user, dup.id, spouse.id, "household")
    call = start_call(records.user, dup.id)
    promise = record_promise(records.user, call.id, "Call back", date(2025, 1, 2)).promise

    result = merge_customers(records.user, keep.id, dup.id)

    assert (result.calls_moved, result.promises_moved, result.links_moved) == (1, 1, 1)
    survivor = get_customer(records.user, keep.id)
    assert [p.e164 for p in survivor.phones] == ["+15550101000", "+15550102000"]
    assert survivor.emails == ("jon@example.com",)
    assert [r.value for r in survivor.references] == ["ACC-1"]
    assert survivor.notes.startswith("VIP\n\nMerged from Jon Smith")
    assert "Called about the router." in survivor.notes
    assert get_promise(promise.id).customer.id == keep.id
    assert [c.id for c in history(records.user, keep.id).calls] == [call.id]
    assert [link.other.id for link in links_of(records.user, spouse.id)] == [keep.id]
    assert get_customer(records.user, dup.id).merged_into == keep.id


def test_the_merged_record_is_hidden_from_search_and_redirects_history(records: Records) -> None:
    keep = records.customer("John Smith")
    dup = records.customer("Jonathan Smithson", phones=["555 010 2000"])
    merge_customers(records.user, keep.id, dup.id)
    assert [m.customer.id for m in find_customers(records.user, "555 010 2000")] == [keep.id]
    assert [m.customer.id for m in find_customers(records.user, "jonathan")] == []
    redirected = history(records.user, dup.id)
    assert (redirected.customer.id, redirected.redirected_from) == (keep.id, dup.id)


def test_a_link_between_the_two_merged_records_is_dropped(records: Records) -> None:
    keep, dup = records.customer("Ana Lopez"), records.customer("Ana López")
    link_customers(records.user, keep.id, dup.id, "other", "probably the same person")
    result = merge_customers(records.user, keep.id, dup.id)
    assert (result.links_moved, result.links_dropped) == (0, 1)
    assert links_of(records.user, keep.id) == []


def test_merging_with_itself_or_an_already_merged_record_is_refused(records: Records) -> None:
    keep, dup, third = (records.customer(n) for n in ("A One", "A Two", "A Three"))
    merge_customers(records.user, keep.id, dup.id)
    before = records.snapshot()
    with pytest.raises(InvalidInput, match="cannot be merged with itself"):
        merge_customers(records.user, keep.id, keep.id)
    with pytest.raises(InvalidInput, match=rf"already merged into {keep.id}"):
        merge_customers(records.user, third.id, dup.id)
    with pytest.raises(InvalidInput, match="already merged"):
        merge_customers(records.user, dup.id, third.id)
    with pytest.raises(NotFound):
        merge_customers(records.user, keep.id, "nope")
    assert records.snapshot() == before


def test_the_merge_is_audited_with_what_moved(records: Records) -> None:
    keep, dup = records.customer("Ana Lopez"), records.customer("Ana López")
    start_call(records.user, dup.id)
    merge_customers(records.user, keep.id, dup.id)
    merge = events_for(dup.id)[-1]
    assert (merge.action, merge.details["survivor"], merge.details["calls_moved"]) == (
        "merge",
        keep.id,
        1,
    )
