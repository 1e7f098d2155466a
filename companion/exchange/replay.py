"""After the rows are in: merges of duplicate customers, and customers offered for merging.

A merge made at another site arrives as the duplicate's ``merged_into``. It is applied
here, then replayed: whatever reached this store for the duplicate (calls, promises,
links, identifiers; from this file or from earlier ones) moves to the survivor exactly
as :func:`companion.merge.merge_customers` moves it, with the same code. A merge made
*here* is replayed the same way on rows a file brings for the duplicate. Once set,
``merged_into`` stays; should two sites have merged two customers into each other, the
one with the smaller id stays live, at every store.

Customers created at two sites for the same person (same phone number or e-mail
address, different ids) are never joined silently: they are reported, and a
supervisor merges them with the existing merge command if they are one person.
"""

from __future__ import annotations

from collections import defaultdict

import phonenumbers

from companion import audit
from companion.audit import Action
from companion.customer_models import Customer, CustomerEmail, CustomerPhone
from companion.exchange.reports import PossibleDuplicate
from companion.exchange.state import ImportState, chunks
from companion.merge import move_records
from companion.rows import tuples


def apply_merges(state: ImportState) -> None:
    """Set the merges the file brings, then move the duplicates' rows to their survivors."""
    merged_here = _merged(state.incoming_merges)
    for customer_id, survivor in sorted(state.incoming_merges.items()):
        # Merged into two different records at two sites: the smaller id, everywhere.
        current = merged_here.get(customer_id)
        if current is None or survivor < current:
            Customer.update(merged_into=survivor).where(Customer.id == customer_id).execute()
            merged_here[customer_id] = survivor
    _break_cycles(state, sorted(state.incoming_merges))
    candidates = state.customers | state.referenced_customers | set(state.incoming_merges)
    for duplicate in sorted(_merged(candidates)):
        root = _root(duplicate)
        if root is None or root == duplicate:
            continue
        calls, promises, moved, dropped = move_records(root, duplicate)
        if calls or promises or moved or dropped:
            state.customers.update((duplicate, root))


def _merged(ids: set[str] | dict[str, str]) -> dict[str, str]:
    """Which of ``ids`` are merged here, and into whom."""
    found: dict[str, str] = {}
    for chunk in chunks(sorted(ids)):
        query = Customer.select(Customer.id, Customer.merged_into).where(
            Customer.id.in_(chunk) & Customer.merged_into.is_null(False)
        )
        found.update({str(row_id): str(into) for row_id, into in tuples(query)})
    return found


def _chain(customer_id: str) -> list[str]:
    """``customer_id`` and the customers it was merged into, in order, stopping at a repeat."""
    chain = [customer_id]
    while True:
        row = Customer.get_or_none(Customer.id == chain[-1])
        into = None if row is None else row.merged_into_id
        if into is None or into in chain:
            if into is not None:
                chain.append(into)
            return chain
        chain.append(into)


def _root(customer_id: str) -> str | None:
    """The live customer at the end of the merges, or None inside a cycle."""
    chain = _chain(customer_id)
    return None if chain[-1] in chain[:-1] else chain[-1]


def _break_cycles(state: ImportState, ids: list[str]) -> None:
    """Two customers merged into each other at two sites: the smaller id stays live."""
    for customer_id in ids:
        chain = _chain(customer_id)
        if chain[-1] not in chain[:-1]:
            continue
        cycle = chain[chain.index(chain[-1]) : -1]
        keep = min(cycle)
        Customer.update(merged_into=None).where(Customer.id == keep).execute()
        audit.record(
            state.user,
            Action.MERGE,
            "customer",
            keep,
            reason="merged into each other at two sites; this record stays live",
            cycle=cycle,
            from_site=state.source.id,
        )


def possible_duplicates(state: ImportState) -> tuple[PossibleDuplicate, ...]:
    """Customers this import added that share a phone or e-mail with another site's."""
    added = sorted(state.added_customers)
    if not added:
        return ()
    found: dict[frozenset[str], PossibleDuplicate] = {}
    info = _live_customers(added)
    for label, model, column in (
        ("phone", CustomerPhone, CustomerPhone.e164),
        ("e-mail", CustomerEmail, CustomerEmail.address_key),
    ):
        mine: dict[str, set[str]] = defaultdict(set)
        for chunk in chunks(list(info)):
            query = model.select(model.customer, column).where(model.customer.in_(chunk))
            for customer_id, value in tuples(query):
                mine[value].add(customer_id)
        for chunk in chunks(sorted(mine)):
            query = (
                model.select(model.customer, column, Customer.site, Customer.display_name)
                .join(Customer, on=(model.customer == Customer.id))
                .where(column.in_(chunk) & Customer.merged_into.is_null())
            )
            for other_id, value, other_site, other_name in tuples(query):
                for customer_id in sorted(mine[value]):
                    name, site = info[customer_id]
                    pair = frozenset((customer_id, other_id))
                    if other_id == customer_id or site == other_site or pair in found:
                        continue
                    found[pair] = PossibleDuplicate(
                        customer_id,
                        other_id,
                        name,
                        other_name,
                        f"same {label} {_shown(label, value)}",
                    )
    return tuple(sorted(found.values(), key=lambda d: (d.display_name.casefold(), d.customer_id)))


def _live_customers(ids: list[str]) -> dict[str, tuple[str, str]]:
    info: dict[str, tuple[str, str]] = {}
    for chunk in chunks(ids):
        query = Customer.select(Customer.id, Customer.display_name, Customer.site).where(
            Customer.id.in_(chunk) & Customer.merged_into.is_null()
        )
        info.update({row_id: (name, site) for row_id, name, site in tuples(query)})
    return info


def _shown(label: str, value: str) -> str:
    """A phone number as people write it internationally; an e-mail as it is."""
    if label != "phone":
        return value
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
