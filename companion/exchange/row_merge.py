"""Merging every row but customers: unions of append-only rows, and calls by last writer.

* Append-only rows (entries and amendments, promise events, audit events, articles
  opened during calls) are unioned by id. A row this store already holds with the same
  content is *unchanged*; one with other content (which no Companion makes) keeps the
  stored version and counts as a *conflict*.
* Links (call to call, customer to customer) are unioned by id too, but a pair may be
  linked only once: when two sites linked the same pair, the link with the smaller id
  is kept everywhere, so stores agree whatever order files arrive in. A customer link's
  relation and note follow its later ``updated_at``.
* Calls: their notes and outcome go to the later ``updated_at`` (ties broken by a
  digest). A closed call stays closed: if the later version is still open, the closing
  (outcome, end, who closed it, summary) is taken from the version that has it. Which
  customer a call belongs to follows merges (:mod:`companion.exchange.replay`).
* Promises: their events are unioned, and state and due date are those of the latest
  event by (time, id), so every change is kept and the newest one counts.
* Entries keep their numbers. Two sites adding to one call between exchanges may both
  use the same number; both entries land (the number is not unique per call since core
  migration 8) and list in the order they were written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from companion.calls import Call, CallHolder, CallLink
from companion.customer_links import CustomerLink
from companion.entries import Entry
from companion.errors import InvalidInput
from companion.exchange import wire
from companion.exchange.inserting import insert_all
from companion.exchange.state import ImportState, chunks, pages
from companion.promises import Promise, PromiseEvent
from companion.rows import tuples
from companion.sealed_archive import SealedArchive

CALL_MUTABLE = (
    "problem",
    "ideal_resolution",
    "acquired",
    "problem_started",
    "identifier",
    "current_status",
    "change_since_start",
    "expectation",
    "already_tried",
    "summary",
    "outcome",
    "ended_at",
    "closed_by",
)
CALL_CLOSING = ("outcome", "ended_at", "closed_by", "summary")


def union(state: ImportState, archive: SealedArchive, kind: wire.Kind) -> None:
    """Append-only rows: add the new, count the known (same content or not)."""
    tally = state.tally(kind.name)
    for page in pages(archive, kind.part, kind.decode):
        local = wire.rows_by_id(kind, (row["id"] for row in page))
        new = []
        for row in page:
            mine = local.get(row["id"])
            if mine is None:
                new.append(row)
            elif mine == row:
                tally.unchanged += 1
            else:
                tally.conflicts += 1
            _touch(state, kind, row)
        insert_all(kind.model, new)
        tally.added += len(new)
        state.advance(len(page))


def _touch(state: ImportState, kind: wire.Kind, row: dict[str, Any]) -> None:
    if kind is wire.CALL_ARTICLES:
        state.calls.add(row["call"])
    elif kind is wire.PROMISE_EVENTS:
        state.promises.add(row["promise"])


# --- calls --------------------------------------------------------------------------


def merge_calls(state: ImportState, archive: SealedArchive) -> None:
    tally = state.tally("calls")
    for page in pages(archive, wire.CALLS.part, wire.CALLS.decode):
        local = wire.rows_by_id(wire.CALLS, (row["id"] for row in page))
        new = []
        closed = []
        for row in page:
            state.calls.add(row["id"])
            state.referenced_customers.add(row["customer"])
            mine = local.get(row["id"])
            if mine is None:
                new.append(row)
                continue
            merged = merged_call(mine, row)
            if all(merged[name] == mine[name] for name in merged):
                tally.unchanged += 1
                continue
            Call.update(**merged).where(Call.id == row["id"]).execute()
            if merged["outcome"] is not None and mine["outcome"] is None:
                closed.append(row["id"])
            tally.updated += 1
        insert_all(Call, new)
        tally.added += len(new)
        # A call closed at another site is no longer open at a desk here.
        for chunk in chunks(closed):
            CallHolder.delete().where(CallHolder.call.in_(chunk)).execute()
        state.advance(len(page))


def merged_call(one: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """The merge of two versions of a call: the same whichever is given first."""
    winner, loser = (one, other) if _call_version(one) >= _call_version(other) else (other, one)
    merged = {name: winner[name] for name in CALL_MUTABLE} | {"updated_at": winner["updated_at"]}
    if winner["outcome"] is None and loser["outcome"] is not None:
        merged |= {name: loser[name] for name in CALL_CLOSING}
    return merged


def _call_version(call: dict[str, Any]) -> tuple[datetime, str]:
    return call["updated_at"], wire.digest({name: call[name] for name in CALL_MUTABLE})


# --- links --------------------------------------------------------------------------


def merge_customer_links(state: ImportState, archive: SealedArchive) -> None:
    kind = wire.CUSTOMER_LINKS
    tally = state.tally(kind.name)
    for page in pages(archive, kind.part, kind.decode):
        local = wire.rows_by_id(kind, (row["id"] for row in page))
        fresh = []
        for row in page:
            state.referenced_customers.update((row["customer"], row["other"]))
            state.customers.update((row["customer"], row["other"]))
            mine = local.get(row["id"])
            if mine is None:
                fresh.append(row)
                continue
            if _link_version(row) <= _link_version(mine) or _link_fields(row) == _link_fields(mine):
                tally.unchanged += 1
                continue
            # The later version whole: a merge elsewhere may have moved the link's ends.
            clash = _customer_links_between([row], _pair)
            other = clash.get(_pair(row))
            if other is not None and other != row["id"]:
                loser = max(other, row["id"])
                CustomerLink.delete().where(CustomerLink.id == loser).execute()
                if loser == row["id"]:
                    tally.conflicts += 1
                    continue
            CustomerLink.update(**_link_fields(row), updated_at=row["updated_at"]).where(
                CustomerLink.id == row["id"]
            ).execute()
            tally.updated += 1
        _add_links(state, kind, fresh, _pair, _customer_links_between)
        state.advance(len(page))


def _pair(row: dict[str, Any]) -> frozenset[str]:
    return frozenset((row["customer"], row["other"]))


def _link_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in ("customer", "other", "relation", "note")}


def _link_version(row: dict[str, Any]) -> tuple[datetime, str]:
    return row["updated_at"], wire.digest(_link_fields(row))


def merge_call_links(state: ImportState, archive: SealedArchive) -> None:
    kind = wire.CALL_LINKS
    tally = state.tally(kind.name)
    for page in pages(archive, kind.part, kind.decode):
        local = wire.rows_by_id(kind, (row["id"] for row in page))
        fresh = []
        for row in page:
            state.calls.add(row["call"])
            if row["id"] in local:
                same = local[row["id"]] == row
                tally.unchanged += same
                tally.conflicts += not same
            else:
                fresh.append(row)
        _add_links(
            state, kind, fresh, lambda row: (row["call"], row["earlier"]), _call_links_between
        )
        state.advance(len(page))


PairOf = Callable[[dict[str, Any]], Any]
Existing = Callable[[list[dict[str, Any]], PairOf], dict[Any, str]]


def _add_links(
    state: ImportState,
    kind: wire.Kind,
    rows: list[dict[str, Any]],
    pair_of: PairOf,
    existing: Existing,
) -> None:
    """Insert new links; where the pair is linked already, the smaller id stays."""
    tally = state.tally(kind.name)
    if not rows:
        return
    held = existing(rows, pair_of)
    key = wire.key_of(kind.model)
    adding = []
    replaced = 0
    for row in rows:
        other = held.get(pair_of(row))
        if other is None:
            adding.append(row)
            held[pair_of(row)] = row["id"]
        elif row["id"] < other:
            kind.model.delete().where(key == other).execute()
            adding.append(row)
            held[pair_of(row)] = row["id"]
            replaced += 1
            tally.updated += 1
        else:
            tally.conflicts += 1
    insert_all(kind.model, adding)
    tally.added += len(adding) - replaced


def _customer_links_between(rows: list[dict[str, Any]], pair_of: PairOf) -> dict[Any, str]:
    ends = sorted({end for row in rows for end in (row["customer"], row["other"])})
    held: dict[Any, str] = {}
    for chunk in chunks(ends):
        query = CustomerLink.select(CustomerLink.id, CustomerLink.customer, CustomerLink.other)
        condition = CustomerLink.customer.in_(chunk) | CustomerLink.other.in_(chunk)
        for link_id, customer, other in tuples(query.where(condition)):
            held[frozenset((customer, other))] = link_id
    return held


def _call_links_between(rows: list[dict[str, Any]], pair_of: PairOf) -> dict[Any, str]:
    calls = sorted({row["call"] for row in rows})
    held: dict[Any, str] = {}
    for chunk in chunks(calls):
        query = CallLink.select(CallLink.id, CallLink.call, CallLink.earlier)
        for link_id, call, earlier in tuples(query.where(CallLink.call.in_(chunk))):
            held[(call, earlier)] = link_id
    return held


# --- entries ------------------------------------------------------------------------


def merge_entries(state: ImportState, archive: SealedArchive) -> None:
    """Entries by id; an amendment waits until the entry it corrects is in."""
    kind = wire.ENTRIES
    tally = state.tally(kind.name)
    waiting: list[dict[str, Any]] = []
    for page in pages(archive, kind.part, kind.decode):
        local = wire.rows_by_id(kind, (row["id"] for row in page))
        new = []
        for row in page:
            state.calls.add(row["call"])
            mine = local.get(row["id"])
            if mine is None:
                new.append(row)
            elif mine == row:
                tally.unchanged += 1
            else:
                tally.conflicts += 1
        waiting = _insert_entries(state, new + waiting)
        state.advance(len(page))
    if waiting:
        missing = waiting[0]["amends"]
        raise InvalidInput(
            f"The call-record file holds an amendment of entry {missing}, which neither the "
            "file nor this store holds. It was made by a faulty program or edited; nothing "
            "was changed."
        )


def _insert_entries(state: ImportState, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert what can be inserted (targets first); return amendments still waiting."""
    targets = {row["amends"] for row in rows if row["amends"] is not None}
    present = state.entries | wire.existing_ids(Entry, targets - state.entries)
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        ready = [row for row in pending if row["amends"] is None or row["amends"] in present]
        if not ready:
            break
        ordered.extend(ready)
        done = {row["id"] for row in ready}
        present.update(done)
        pending = [row for row in pending if row["id"] not in done]
    insert_all(Entry, ordered)
    state.entries.update(row["id"] for row in ordered)
    state.tally("entries").added += len(ordered)
    return pending


# --- promises -----------------------------------------------------------------------


def merge_promises(state: ImportState, archive: SealedArchive) -> None:
    """Promises by id; their state is settled from their events afterwards."""
    kind = wire.PROMISES
    tally = state.tally(kind.name)
    for page in pages(archive, kind.part, kind.decode):
        local = wire.rows_by_id(kind, (row["id"] for row in page))
        new = []
        for row in page:
            state.promises.add(row["id"])
            state.referenced_customers.add(row["customer"])
            mine = local.get(row["id"])
            if mine is None:
                new.append(row)
                continue
            newer = row["updated_at"] > mine["updated_at"]
            if newer:
                # Owner: last writer wins; the time of the latest change is kept.
                Promise.update(owner=row["owner"], updated_at=row["updated_at"]).where(
                    Promise.id == row["id"]
                ).execute()
            if newer and row["owner"] != mine["owner"]:
                tally.updated += 1
            else:
                state.quiet_promises.add(row["id"])
        insert_all(Promise, new)
        tally.added += len(new)
        state.advance(len(page))


def settle_promises(state: ImportState) -> None:
    """State and due date of every touched promise: those of its latest event by (at, id)."""
    tally = state.tally("promises")
    ids = sorted(state.promises)
    for chunk in chunks(ids):
        latest: dict[str, tuple[datetime, str, str, Any]] = {}
        events = PromiseEvent.select(
            PromiseEvent.promise,
            PromiseEvent.at,
            PromiseEvent.id,
            PromiseEvent.to_state,
            PromiseEvent.new_due,
        ).where(PromiseEvent.promise.in_(chunk))
        for promise_id, at, event_id, to_state, new_due in tuples(events):
            candidate = (at, event_id, to_state, new_due)
            if promise_id not in latest or candidate[:2] > latest[promise_id][:2]:
                latest[promise_id] = candidate
        current = Promise.select(Promise.id, Promise.state, Promise.due_on).where(
            Promise.id.in_(chunk)
        )
        for promise_id, promise_state, due_on in tuples(current):
            event = latest.get(promise_id)
            if event is None or (event[2], event[3]) == (promise_state, due_on):
                continue
            Promise.update(state=event[2], due_on=event[3]).where(
                Promise.id == promise_id
            ).execute()
            if promise_id in state.quiet_promises:
                state.quiet_promises.discard(promise_id)
                tally.updated += 1
    tally.unchanged = len(state.quiet_promises)
