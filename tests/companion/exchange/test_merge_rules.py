"""Each merge rule, and that files give the same store in any order."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from companion.audit import AuditEvent
from companion.calls import Call, close_call, start_call, update_call
from companion.customer_links import CustomerLink, link_customers
from companion.customer_models import Customer, CustomerPhone
from companion.customers import CustomerDetails, get_customer, update_customer
from companion.entries import Entry, add_entry, amend_entry
from companion.merge import merge_customers
from companion.promises import (
    Promise,
    PromiseEvent,
    keep_promise,
    record_promise,
    reschedule_promise,
)
from tests.companion.exchange.conftest import Store, StoreFactory, count
from tests.companion.exchange.helpers import export, load, send, set_updated


def _edit(store: Store, customer_id: str, name: str, minutes: int, **details: object) -> None:
    with store:
        update_customer(store.user, customer_id, CustomerDetails.validate(name, **details))  # type: ignore[arg-type]
    set_updated(store, Customer, customer_id, minutes)


def _lost_edits(store: Store, customer_id: str) -> list[dict[str, object]]:
    with store:
        events = AuditEvent.select().where(AuditEvent.object_id == customer_id)
        return [json.loads(e.details) for e in events if "lost" in json.loads(e.details)]


# --- customers: one unit, last writer wins, the loser kept ---------------------------


def test_a_newer_customer_edit_from_a_site_wins_and_the_replaced_one_is_kept(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    ana = north.customer("Ana Ruiz", phones=["+44 20 7946 0958"])
    send(north, hq, folder)
    _edit(hq, ana, "Ana Ruiz (HQ)", 5, phones=["+44 20 7946 0000"])
    _edit(north, ana, "Ana Ruiz-Lopez", 10, phones=["+44 20 7946 0958"], emails=["a@b.es"])
    report = send(north, hq, folder)
    assert report.kinds["customers"].updated == 1
    with hq:
        view = get_customer(hq.user, ana)
    assert view.display_name == "Ana Ruiz-Lopez"
    assert [p.e164 for p in view.phones] == ["+442079460958"] and view.emails == ("a@b.es",)
    (lost,) = _lost_edits(hq, ana)
    assert lost["lost"]["display_name"] == "Ana Ruiz (HQ)"  # type: ignore[index]
    assert lost["kept"]["display_name"] == "Ana Ruiz-Lopez"  # type: ignore[index]
    assert "lost to a newer one from site" in str(lost["reason"])


def test_an_older_customer_edit_from_a_site_loses_and_is_kept_in_the_audit(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    ana = north.customer("Ana Ruiz")
    send(north, hq, folder)
    _edit(north, ana, "Ana Old Edit", 5, notes="from the branch")
    _edit(hq, ana, "Ana New Edit", 10)
    report = send(north, hq, folder)
    assert report.kinds["customers"].conflicts == 1
    with hq:
        assert get_customer(hq.user, ana).display_name == "Ana New Edit"
    (lost,) = _lost_edits(hq, ana)
    assert lost["lost"]["notes"] == "from the branch"  # type: ignore[index]


# --- calls: last writer wins, closed stays closed ------------------------------------


def test_a_call_closed_at_the_site_stays_closed_after_a_later_edit_elsewhere(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    ana = north.customer("Ana Ruiz")
    with north:
        call = start_call(north.user, ana)
    send(north, hq, folder)
    with north:
        close_call(north.user, call.id, "resolved", "Refund sent")
    set_updated(north, Call, call.id, 5)
    with hq:
        update_call(hq.user, call.id, current_status="waiting for the bank")
    set_updated(hq, Call, call.id, 10)
    send(north, hq, folder)
    with hq:
        merged = Call.get_by_id(call.id)
    assert merged.outcome == "resolved" and merged.summary == "Refund sent"
    assert merged.current_status == "waiting for the bank"


def test_a_call_edit_from_a_site_replaces_an_older_one(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    ana = north.customer("Ana Ruiz")
    with north:
        call = start_call(north.user, ana)
    send(north, hq, folder)
    with north:
        update_call(north.user, call.id, problem="Broken screen")
    set_updated(north, Call, call.id, 10)
    report = send(north, hq, folder)
    assert report.kinds["calls"].updated == 1
    with hq:
        assert Call.get_by_id(call.id).problem == "Broken screen"


# --- append-only rows and entry numbers ----------------------------------------------


def test_entries_from_two_sites_on_one_call_both_land_without_renumbering(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    ana = north.customer("Ana Ruiz")
    with north:
        call = start_call(north.user, ana)
        first = add_entry(north.user, call.id, "said", "hello")
    send(north, hq, folder)
    with hq:
        at_hq = amend_entry(hq.user, first.id, "hello (corrected at head office)")
    with north:
        at_north = add_entry(north.user, call.id, "said", "second thing")
    send(north, hq, folder)
    with hq:
        rows = {e.id: e.seq for e in Entry.select().where(Entry.call == call.id)}
    assert rows == {first.id: 1, at_hq.id: 2, at_north.id: 2}
    assert count(hq, Entry) == 3


# --- promises: events unioned, the latest decides --------------------------------------


def test_promise_changes_from_two_places_are_all_kept_and_the_latest_decides(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    ana = north.customer("Ana Ruiz")
    with north:
        call = start_call(north.user, ana)
        promise = record_promise(north.user, call.id, "Call back", date(2026, 6, 1)).promise
    send(north, hq, folder)
    with hq:
        reschedule_promise(hq.user, promise.id, date(2026, 6, 15), "customer away")
    with north:
        keep_promise(north.user, promise.id, "called back")  # later than head office's
    report = send(north, hq, folder)
    assert report.kinds["promise_events"].added == 1
    with hq:
        assert count(hq, PromiseEvent) == 3
        stored = Promise.get_by_id(promise.id)
    # The latest event is the keeping, made not knowing of the new date: its date counts.
    assert stored.state == "kept" and stored.due_on == date(2026, 6, 1)
    # The other way round, the site learns of the rescheduling, and agrees.
    send(hq, north, folder)
    with north:
        assert count(north, PromiseEvent) == 3
        assert Promise.get_by_id(promise.id).state == "kept"


# --- merges of duplicate customers ----------------------------------------------------


def test_a_merge_at_the_site_moves_what_head_office_holds_for_the_duplicate(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    keep = north.customer("Ana Ruiz", phones=["+44 20 7946 0958"])
    dup = north.customer("Ana R.", emails=["ana@example.com"])
    send(north, hq, folder)
    with hq:  # head office took a call for the duplicate meanwhile
        hq_call = start_call(hq.user, dup)
        promise = record_promise(hq.user, hq_call.id, "write", date(2026, 6, 1)).promise
    with north:
        merge_customers(north.user, keep, dup)
    send(north, hq, folder)
    with hq:
        assert Customer.get_by_id(dup).merged_into_id == keep
        assert Call.get_by_id(hq_call.id).customer_id == keep
        assert Promise.get_by_id(promise.id).customer_id == keep
        view = get_customer(hq.user, keep)
    assert view.emails == ("ana@example.com",) and len(view.phones) == 1


def test_a_merge_at_head_office_takes_in_rows_that_arrive_later_for_the_duplicate(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    keep = north.customer("Ana Ruiz")
    dup = north.customer("Ana R.")
    send(north, hq, folder)
    with hq:
        merge_customers(hq.user, keep, dup)
    with north:
        late = start_call(north.user, dup)
    send(north, hq, folder)
    with hq:
        assert Call.get_by_id(late.id).customer_id == keep
        assert Customer.get_by_id(dup).merged_into_id == keep


# --- the same person created at two sites ----------------------------------------------


def test_the_same_phone_at_two_sites_is_offered_for_merging_never_joined(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    mine = hq.customer("Ana Ruiz", phones=["+44 20 7946 0958"])
    theirs = north.customer("Ana Ruiz-Lopez", phones=["+44 (0)20 7946 0958"], emails=["x@y.es"])
    with north:
        assert Customer.get_by_id(theirs).site == north.site_id
    report = send(north, hq, folder)
    (offer,) = report.possible_duplicates
    assert {offer.customer_id, offer.other_id} == {mine, theirs}
    assert offer.reason == "same phone +44 20 7946 0958"
    with hq:
        assert Customer.select().where(Customer.merged_into.is_null()).count() == 2
        assert CustomerPhone.select().count() == 2


# --- links once per pair ----------------------------------------------------------------


def test_the_same_pair_linked_at_two_sites_keeps_one_link_everywhere(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    ana, luis = north.customer("Ana Ruiz"), north.customer("Luis Ruiz")
    with north:
        one = start_call(north.user, ana)
        two = start_call(north.user, ana)
    send(north, hq, folder)
    with north:
        link_customers(north.user, ana, luis, "household")
    with hq:
        link_customers(hq.user, luis, ana, "colleague")
    send(north, hq, folder)
    send(hq, north, folder)
    assert count(hq, CustomerLink) == count(north, CustomerLink) == 1
    assert north.state()["customer_links"] == hq.state()["customer_links"]
    del one, two


# --- order does not matter ---------------------------------------------------------------


def test_files_from_two_sites_give_the_same_store_in_either_order(
    make_store: StoreFactory, folder: Path
) -> None:
    north, south = make_store("north"), make_store("south")
    hq1, hq2 = make_store("hq1"), make_store("hq2")
    shared = north.customer("Ana Ruiz", phones=["+44 20 7946 0958"])
    base = export(north, folder).path
    load(south, base)
    _edit(north, shared, "Ana from North", 5)
    _edit(south, shared, "Ana from South", 9, emails=["ana@south.es"])
    with south:
        call = start_call(south.user, shared)
        add_entry(south.user, call.id, "said", "hi from the south")
    north.customer("Zoe North", phones=["+44 20 7946 0958"])
    a, b = export(north, folder).path, export(south, folder).path
    for path in (base, a, b):
        load(hq1, path)
    for path in (b, a, base):
        load(hq2, path)
    one, two = hq1.state(), hq2.state()
    one.pop("users"), two.pop("users")
    assert one == two
    with hq1:
        assert get_customer(hq1.user, shared).display_name == "Ana from South"


def test_a_later_file_imported_before_an_earlier_one_from_the_same_site_converges(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq, reference = make_store("north"), make_store("hq"), make_store("reference")
    ana = north.customer("Ana Ruiz")
    with north:
        call = start_call(north.user, ana)
        said = add_entry(north.user, call.id, "said", "first")
    first = export(north, folder, since_last=True).path
    with north:
        amend_entry(north.user, said.id, "first, corrected")
        promise = record_promise(north.user, call.id, "write", date(2026, 6, 1)).promise
        keep_promise(north.user, promise.id, "written")
        close_call(north.user, call.id, "resolved", "done")
    second = export(north, folder, since_last=True).path
    load(hq, second)  # the later file first: it carries what its rows refer to
    load(hq, first)
    load(reference, first)
    load(reference, second)
    got, expected = hq.state(), reference.state()
    got.pop("users"), expected.pop("users")  # each store has its own local desk user
    assert got == expected
    with hq:
        assert Call.get_by_id(call.id).outcome == "resolved"
        assert Promise.get_by_id(promise.id).state == "kept"


def test_a_link_moved_by_a_merge_at_the_site_arrives_as_moved_in_either_order(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq1, hq2 = make_store("north"), make_store("hq1"), make_store("hq2")
    ana, dup, keep = (north.customer(name) for name in ("Ana", "Dup Luis", "Luis"))
    with north:
        link = link_customers(north.user, ana, dup, "colleague")
    before = export(north, folder).path
    with north:
        merge_customers(north.user, keep, dup)
    after = export(north, folder).path
    for store, order in ((hq1, (before, after)), (hq2, (after, before))):
        for path in order:
            load(store, path)
    with north:
        expected = CustomerLink.get_by_id(link.id)
    for store in (hq1, hq2):
        with store:
            got = CustomerLink.get_by_id(link.id)
        assert {got.customer_id, got.other_id} == {ana, keep}
        assert got.updated_at == expected.updated_at  # the merge's time, not the import's


def test_the_same_e_mail_at_two_sites_is_offered_too(
    make_store: StoreFactory, folder: Path
) -> None:
    north, hq = make_store("north"), make_store("hq")
    mine = hq.customer("Luis Ruiz", emails=["Luis@Example.com"])
    theirs = north.customer("L. Ruiz", emails=["luis@example.com"])
    (offer,) = send(north, hq, folder).possible_duplicates
    assert (offer.customer_id, offer.other_id) == (theirs, mine)
    assert offer.reason == "same e-mail luis@example.com"
    assert (offer.display_name, offer.other_name) == ("L. Ruiz", "Luis Ruiz")
