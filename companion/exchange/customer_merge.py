"""Merging customers: a customer's details are one unit, and the last writer wins.

Name, notes, whether it is an organisation, and its phone numbers, e-mail addresses
and reference numbers are edited together (``update_customer`` replaces them all), so
they are merged together: the version with the later ``updated_at`` wins whole, ties
broken by a digest of the values so every store picks the same one whatever order
files arrive in. The losing values are never dropped silently: an audit event on the
customer keeps both ("customer edit lost to a newer one from site X").

Identifier rows keep their ids across stores; a row the winner lists is written under
the winner's customer (a merge elsewhere may have moved it), and the customer's rows
the winner does not list are removed. ``merged_into`` is not part of the unit: a
merge is applied after every customer is in (see :mod:`companion.exchange.replay`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from companion import audit
from companion.audit import Action
from companion.customer_models import (
    Customer,
    CustomerNameKey,
    email_key,
    name_keys,
    phone_digits_key,
    reference_key,
    replace_name_keys,
)
from companion.customers import MAX_IDENTIFIERS
from companion.exchange import wire
from companion.exchange.inserting import insert_all
from companion.exchange.state import ImportState, pages
from companion.sealed_archive import SealedArchive

UNIT_FIELDS = ("display_name", "is_organisation", "notes")
PAGE = 500


def decode_unit(item: Any, line: int) -> dict[str, Any]:
    """A customer row from the file with its identifiers, all checked."""
    unit = wire.CUSTOMERS.decode(item, line)
    for name, kind in wire.IDENTIFIERS:
        raw = item.get(name, [])
        if not isinstance(raw, list) or len(raw) > MAX_IDENTIFIERS:
            raise wire.CUSTOMERS.refuse(line, f"{name} should be a list of at most 50")
        unit[name] = [kind.decode(entry, line) for entry in raw]
    return unit


def merge_customers(state: ImportState, archive: SealedArchive) -> None:
    tally = state.tally("customers")
    for page in pages(archive, wire.CUSTOMERS.part, decode_unit, PAGE):
        local = wire.rows_by_id(wire.CUSTOMERS, (unit["id"] for unit in page))
        wire.attach_identifiers(list(local.values()), encode=False)
        new: list[dict[str, Any]] = []
        for unit in page:
            state.customers.add(unit["id"])
            if unit["merged_into"] is not None:
                state.incoming_merges[unit["id"]] = unit["merged_into"]
            mine = local.get(unit["id"])
            if mine is None:
                new.append(unit)
                continue
            if _values(mine) == _values(unit):
                tally.unchanged += 1
                if unit["updated_at"] > mine["updated_at"]:
                    Customer.update(updated_at=unit["updated_at"]).where(
                        Customer.id == unit["id"]
                    ).execute()
                continue
            if _version(unit) > _version(mine):
                _replace(unit)
                _keep_loser(state, unit["id"], lost=mine, kept=unit, newer_here=False)
                tally.updated += 1
            else:
                _keep_loser(state, unit["id"], lost=unit, kept=mine, newer_here=True)
                tally.conflicts += 1
        _insert(new)
        tally.added += len(new)
        state.added_customers.extend(unit["id"] for unit in new)
        state.advance(len(page))


def _values(unit: dict[str, Any]) -> dict[str, Any]:
    """What last-writer-wins compares: the unit's fields and identifiers (with their ids)."""
    values = {name: unit[name] for name in UNIT_FIELDS}
    for name, kind in wire.IDENTIFIERS:
        columns = [column.name for column in kind.columns if column.name != "created_at"]
        values[name] = [{column: item[column] for column in columns} for item in unit[name]]
    return values


def _version(unit: dict[str, Any]) -> tuple[datetime, str]:
    return unit["updated_at"], wire.digest(_values(unit))


def _insert(units: list[dict[str, Any]]) -> None:
    """New customers, in bulk; ``merged_into`` is set once every customer is in."""
    if not units:
        return
    rows = [
        {column.name: unit[column.name] for column in wire.CUSTOMERS.columns}
        | {"merged_into": None}
        for unit in units
    ]
    insert_all(Customer, rows)
    _write_identifiers(units)
    insert_all(
        CustomerNameKey,
        [
            {"customer": unit["id"], "key": key}
            for unit in units
            for key in sorted(name_keys(unit["display_name"]))
        ],
    )


def _replace(unit: dict[str, Any]) -> None:
    """Make the stored customer the file's version (its identifiers included)."""
    Customer.update(
        display_name=unit["display_name"],
        is_organisation=unit["is_organisation"],
        notes=unit["notes"],
        updated_at=unit["updated_at"],
    ).where(Customer.id == unit["id"]).execute()
    for name, kind in wire.IDENTIFIERS:
        keep = [item["id"] for item in unit[name]]
        model = kind.model
        owner = model._meta.fields["customer"]
        stale = model.delete().where(owner == unit["id"])
        if keep:
            stale = stale.where(wire.key_of(model).not_in(keep))
        stale.execute()
    _write_identifiers([unit])
    replace_name_keys(unit["id"], unit["display_name"])


def _write_identifiers(units: list[dict[str, Any]]) -> None:
    """Each unit's identifier rows, by id: rows held elsewhere move, others are inserted."""
    for name, kind in wire.IDENTIFIERS:
        rows = [
            _identifier_row(name, unit["id"], position, item)
            for unit in units
            for position, item in enumerate(unit[name])
        ]
        if not rows:
            continue
        key = wire.key_of(kind.model)
        present = wire.existing_ids(kind.model, (row["id"] for row in rows))
        for row in rows:
            if row["id"] in present:
                kind.model.update(**{k: v for k, v in row.items() if k != "id"}).where(
                    key == row["id"]
                ).execute()
        insert_all(kind.model, [row for row in rows if row["id"] not in present])


def _identifier_row(
    name: str, customer_id: str, position: int, item: dict[str, Any]
) -> dict[str, Any]:
    row = dict(item) | {"customer": customer_id, "position": position}
    if name == "phones":
        row["digits_key"] = phone_digits_key(item["e164"])
    elif name == "emails":
        row["address_key"] = email_key(item["address"])
    else:
        row["value_key"] = reference_key(item["value"])
    return row


def _keep_loser(
    state: ImportState,
    customer_id: str,
    *,
    lost: dict[str, Any],
    kept: dict[str, Any],
    newer_here: bool,
) -> None:
    """An audit event holding both versions, so the losing edit can be put back by hand."""
    source = state.source.name
    reason = (
        f"customer edit from site {source} lost to a newer one here"
        if newer_here
        else f"customer edit lost to a newer one from site {source}"
    )
    audit.record(
        state.user,
        Action.CHANGE,
        "customer",
        customer_id,
        reason=reason,
        from_site=state.source.id,
        lost=_shown(lost),
        kept=_shown(kept),
    )


def _shown(unit: dict[str, Any]) -> dict[str, Any]:
    """A version as people read it in the audit trail."""
    return {
        "display_name": unit["display_name"],
        "is_organisation": unit["is_organisation"],
        "notes": unit["notes"],
        "phones": [
            p["e164"] + (f" x{p['extension']}" if p["extension"] else "") for p in unit["phones"]
        ],
        "emails": [e["address"] for e in unit["emails"]],
        "references": [f"{r['kind']}:{r['value']}" for r in unit["references"]],
        "updated_at": unit["updated_at"],
    }
