"""What was said, promised and done during a call, in the order it happened.

Entries are never changed or deleted. A correction is a new entry of kind
``amendment`` that points at the entry it corrects, and both stay visible, so the
record shows what was written at the time and what was corrected later. Entries
are numbered within their call (#1, #2, ...), which is how amendments and exports
refer to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import peewee

from companion import audit
from companion.audit import Action
from companion.calls import Call, get_call_row, open_call
from companion.changes import Topic, note
from companion.db import BaseModel, database, new_id, utcnow
from companion.errors import InvalidInput, NotFound
from companion.outage import already_written
from companion.permissions import require_active
from companion.row_locks import locking
from companion.rows import stored_choice
from companion.text import NOTE_MAX, clean_text, parse_choice
from companion.users import User, UserRef, user_ref


class EntryKind(StrEnum):
    SAID = "said"
    PROMISED = "promised"
    DONE = "done"
    NOTE = "note"
    AMENDMENT = "amendment"


class Entry(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    call = peewee.ForeignKeyField(Call, backref="entries", on_delete="RESTRICT")
    call_id: str
    seq = peewee.IntegerField()
    at = peewee.DateTimeField(default=utcnow)
    author = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    author_id: str
    kind = peewee.CharField(max_length=16)
    text = peewee.TextField()
    amends = peewee.ForeignKeyField("self", null=True, backref="amendments", on_delete="RESTRICT")
    amends_id: str | None

    class Meta:
        table_name = "entries"
        # Not unique since core migration 8: see companion.schema._add_sites.
        indexes = ((("call", "seq"), False),)


@dataclass(frozen=True)
class EntryView:
    """One entry; ``amends_seq`` and ``amended_by`` tie corrections to what they correct."""

    id: str
    call_id: str
    seq: int
    at: datetime
    author: UserRef
    kind: EntryKind
    text: str
    amends: str | None = None
    amends_seq: int | None = None
    amended_by: tuple[int, ...] = ()


def add_entry(
    user: User, call_id: str, kind: EntryKind | str, text: str, *, entry_id: str | None = None
) -> EntryView:
    """Record something said, done or noted on an open call.

    ``entry_id`` (chosen by the caller before the first attempt) makes a retry safe:
    if an attempt cut off by a lost connection did commit, the entry is returned
    rather than saved twice.
    """
    entry_kind = parse_choice(EntryKind, kind, "kind of entry")
    if entry_kind is EntryKind.PROMISED:
        raise InvalidInput("A promise needs a due date and an owner: record it as a promise.")
    if entry_kind is EntryKind.AMENDMENT:
        raise InvalidInput("To correct an entry, amend that entry so the two stay linked.")
    body = clean_entry_text(text)
    with database.atomic():
        user = require_active(user, action="Adding call entries")
        expected = {"call_id": str(call_id).strip(), "kind": entry_kind.value, "text": body}
        done = already_written(Entry, entry_id, "entry", author_id=user.id, **expected)
        if done is not None:
            _note_again(done)
            return EntryView(
                done.id, done.call_id, done.seq, done.at, user_ref(user), entry_kind, body
            )
        entry = append_entry(user, open_call(call_id), entry_kind, body, entry_id=entry_id)
    return EntryView(entry.id, entry.call_id, entry.seq, entry.at, user_ref(user), entry_kind, body)


def amend_entry(
    user: User, entry_id: str, text: str, *, amendment_id: str | None = None
) -> EntryView:
    """Correct an entry by adding one that points at it; allowed on closed calls too.

    ``amendment_id`` makes a retry safe, as ``entry_id`` does for :func:`add_entry`.
    """
    body = clean_entry_text(text, "The amendment")
    with database.atomic():
        user = require_active(user, action="Amending call entries")
        original = Entry.get_or_none(Entry.id == str(entry_id).strip())
        if original is None:
            raise NotFound(
                f"No entry has the id {entry_id!r}. Open the call's record to find the entry."
            )
        entry = already_written(
            Entry, amendment_id, "entry", author_id=user.id, amends_id=original.id, text=body
        )
        if entry is not None:
            _note_again(entry)
        else:
            call = get_call_row(original.call_id)
            entry = append_entry(
                user, call, EntryKind.AMENDMENT, body, amends=original, entry_id=amendment_id
            )
    return EntryView(
        entry.id,
        entry.call_id,
        entry.seq,
        entry.at,
        user_ref(user),
        EntryKind.AMENDMENT,
        body,
        amends=original.id,
        amends_seq=original.seq,
    )


def clean_entry_text(text: str, label: str = "The entry") -> str:
    return clean_text(text, label, max_length=NOTE_MAX, required=True)


def append_entry(
    user: User,
    call: Call,
    kind: EntryKind,
    text: str,
    amends: Entry | None = None,
    *,
    entry_id: str | None = None,
) -> Entry:
    """Insert the next-numbered entry and its audit event; call inside a transaction.

    Two desks writing to one call on a shared server must not both read the same last
    number: the call's row is locked first, so the second writer waits for the first
    to commit and numbers after it. Both entries land, numbered in the order they did.
    """
    user = require_active(user, action="Adding call entries")
    list(locking(Call.select(Call.id).where(Call.id == call.id)))
    last = Entry.select(peewee.fn.MAX(Entry.seq)).where(Entry.call == call.id).scalar()
    entry = Entry.create(
        id=entry_id or new_id(),
        call=call.id,
        seq=(last or 0) + 1,
        author=user,
        kind=kind.value,
        text=text,
        amends=amends.id if amends else None,
    )
    details: dict[str, object] = {"call": call.id, "seq": entry.seq, "kind": kind.value}
    if amends is not None:
        details["amends"] = amends.id
    audit.record(user, Action.CREATE, "entry", entry.id, **details)
    note(Topic.ENTRIES, entry.id, customer_id=call.customer_id)
    return entry


def _note_again(entry: Entry) -> None:
    """A retry that found its entry saved still reports it, so the views show it."""
    note(Topic.ENTRIES, entry.id, customer_id=get_call_row(entry.call_id).customer_id)


def entry_views(call_id: str) -> list[EntryView]:
    """A call's entries in order, each knowing what it amends and what amended it."""
    rows = list(
        Entry.select(Entry, User)
        .join(User, on=(Entry.author == User.id))
        .where(Entry.call == call_id)
        # Two sites may each add an entry numbered #5 to one call (see core migration 8):
        # both are listed, in the order they were written.
        .order_by(Entry.seq, Entry.at, Entry.id)
    )
    seq_of = {row.id: row.seq for row in rows}
    amended_by: dict[str, list[int]] = {}
    for row in rows:
        if row.amends_id is not None:
            amended_by.setdefault(row.amends_id, []).append(row.seq)
    return [
        EntryView(
            id=row.id,
            call_id=row.call_id,
            seq=row.seq,
            at=row.at,
            author=user_ref(row.author),
            kind=stored_choice(EntryKind, row.kind, "entries", row.id, "kind"),
            text=row.text,
            amends=row.amends_id,
            amends_seq=seq_of.get(row.amends_id) if row.amends_id else None,
            amended_by=tuple(amended_by.get(row.id, ())),
        )
        for row in rows
    ]
