"""Merging two records of the same customer into one.

Everything the duplicate held (calls, promises, phone numbers, e-mail addresses,
reference numbers and links) moves to the survivor. The duplicate itself is kept,
pointing at the survivor, so an old id in an export or a note still leads
somewhere, and the audit event lists exactly what moved.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion import audit
from companion.audit import Action
from companion.calls import Call
from companion.changes import Topic, note
from companion.clock import utcnow_precise
from companion.customer_links import CustomerLink
from companion.customer_models import (
    Customer,
    CustomerEmail,
    CustomerNameKey,
    CustomerPhone,
    CustomerReference,
    get_customer_row,
)
from companion.customers import CustomerView, get_customer
from companion.db import database
from companion.errors import InvalidInput
from companion.permissions import require_active
from companion.promises import Promise
from companion.text import NOTE_MAX
from companion.users import User


@dataclass(frozen=True)
class MergeResult:
    survivor: CustomerView
    merged_id: str
    calls_moved: int
    promises_moved: int
    links_moved: int
    links_dropped: int


def merge_customers(user: User, survivor_id: str, duplicate_id: str) -> MergeResult:
    """Move everything from ``duplicate_id`` to ``survivor_id`` and retire the duplicate."""
    with database.atomic():
        user = require_active(user, action="Merging customers")
        survivor = get_customer_row(survivor_id)
        duplicate = get_customer_row(duplicate_id)
        _check(survivor, duplicate)
        moving = what_moves(duplicate.id)
        calls, promises, moved, dropped = move_records(survivor.id, duplicate.id)
        now = utcnow_precise()
        Customer.update(notes=_merged_notes(survivor, duplicate), updated_at=now).where(
            Customer.id == survivor.id
        ).execute()
        Customer.update(merged_into=survivor.id, updated_at=now).where(
            Customer.id == duplicate.id
        ).execute()
        audit.record(
            user,
            Action.MERGE,
            "customer",
            duplicate.id,
            survivor=survivor.id,
            duplicate_name=duplicate.display_name,
            calls_moved=calls,
            promises_moved=promises,
            links_moved=moved,
            links_dropped=dropped,
        )
        note(Topic.CUSTOMERS, duplicate.id)
        for topic, object_id in moving:
            note(topic, object_id, customer_id=survivor.id)
        note(Topic.CUSTOMERS, survivor.id)
    return MergeResult(
        get_customer(user, survivor.id), duplicate.id, calls, promises, moved, dropped
    )


def move_records(survivor_id: str, duplicate_id: str) -> tuple[int, int, int, int]:
    """Move the duplicate's calls, promises, links and identifiers to the survivor.

    Returns (calls, promises, links moved, links dropped). Shared with the call-record
    import (:mod:`companion.exchange`), which replays another site's merge on the rows
    that reached this store for the duplicate, exactly as a merge here would move them.
    Call inside the merging transaction.
    """
    calls = Call.update(customer=survivor_id).where(Call.customer == duplicate_id).execute()
    promises = (
        Promise.update(customer=survivor_id).where(Promise.customer == duplicate_id).execute()
    )
    moved, dropped = _move_links(survivor_id, duplicate_id)
    _move_identifiers(survivor_id, duplicate_id)
    CustomerNameKey.delete().where(CustomerNameKey.customer == duplicate_id).execute()
    return calls, promises, moved, dropped


def what_moves(duplicate_id: str) -> list[tuple[Topic, str]]:
    """The duplicate's calls, promises and linked customers: each shows something new."""
    calls = Call.select(Call.id).where(Call.customer == duplicate_id)
    promises = Promise.select(Promise.id).where(Promise.customer == duplicate_id)
    links = CustomerLink.select().where(
        (CustomerLink.customer == duplicate_id) | (CustomerLink.other == duplicate_id)
    )
    return [
        *((Topic.CALLS, str(row.id)) for row in calls),
        *((Topic.PROMISES, str(row.id)) for row in promises),
        *(
            (Topic.CUSTOMERS, str(side))
            for link in links
            for side in (link.customer_id, link.other_id)
        ),
    ]


def _check(survivor: Customer, duplicate: Customer) -> None:
    if survivor.id == duplicate.id:
        raise InvalidInput(
            "A customer cannot be merged with itself. Give the id of the duplicate record "
            "and the id of the record to keep."
        )
    for record in (survivor, duplicate):
        if record.merged_into_id is not None:
            raise InvalidInput(
                f"{record.display_name} ({record.id}) was already merged into "
                f"{record.merged_into_id}. Merge with that record instead."
            )


def _move_links(survivor_id: str, duplicate_id: str) -> tuple[int, int]:
    """Repoint the duplicate's links; drop ones that would link the survivor to itself or twice."""
    already = {
        row.other_id if row.customer_id == survivor_id else row.customer_id
        for row in CustomerLink.select().where(
            (CustomerLink.customer == survivor_id) | (CustomerLink.other == survivor_id)
        )
    }
    moved = dropped = 0
    for link in CustomerLink.select().where(
        (CustomerLink.customer == duplicate_id) | (CustomerLink.other == duplicate_id)
    ):
        other = link.other_id if link.customer_id == duplicate_id else link.customer_id
        if other == survivor_id or other in already:
            link.delete_instance()
            dropped += 1
            continue
        side = CustomerLink.customer if link.customer_id == duplicate_id else CustomerLink.other
        CustomerLink.update({side: survivor_id, CustomerLink.updated_at: utcnow_precise()}).where(
            CustomerLink.id == link.id
        ).execute()
        already.add(other)
        moved += 1
    return moved, dropped


def _move_identifiers(survivor_id: str, duplicate_id: str) -> None:
    """Phones, e-mails and references move after the survivor's own, without repeats."""
    tables = (
        (CustomerPhone, CustomerPhone.e164),
        (CustomerEmail, CustomerEmail.address_key),
        (CustomerReference, CustomerReference.value_key),
    )
    for table, key in tables:
        kept = {
            getattr(row, key.name) for row in table.select().where(table.customer == survivor_id)
        }
        position = table.select().where(table.customer == survivor_id).count()
        for row in table.select().where(table.customer == duplicate_id).order_by(table.position):
            if getattr(row, key.name) in kept:
                row.delete_instance()
                continue
            kept.add(getattr(row, key.name))
            table.update(customer=survivor_id, position=position).where(
                table.id == row.id
            ).execute()
            position += 1


def _merged_notes(survivor: Customer, duplicate: Customer) -> str:
    """The survivor's notes, then the duplicate's under a heading, within the notes limit."""
    if not duplicate.notes:
        return str(survivor.notes)
    heading = f"Merged from {duplicate.display_name} ({duplicate.id}):"
    combined = "\n\n".join(
        part for part in (survivor.notes, f"{heading}\n{duplicate.notes}") if part
    )
    if len(combined) > NOTE_MAX:
        pointer = f"{heading} its notes are too long to copy here; open that record to read them."
        combined = "\n\n".join(part for part in (survivor.notes, pointer) if part)
    return combined[:NOTE_MAX]
