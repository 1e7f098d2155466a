"""The records' wire form: one JSON Lines part per kind of row, and how to check it.

Every row travels as a JSON object keyed by its model's field names, with its UUID,
so the receiving store keeps the same ids (nothing is renumbered). Times are ISO 8601
(naive UTC, as stored), dates ``YYYY-MM-DD``, references to other rows their ids. A
customer travels as one unit with its phone numbers, e-mail addresses and reference
numbers, because those are edited together and merged together.

Decoding checks every value against its field (type, length, allowed choices) before
anything is written, so a file that is sealed correctly but holds nonsense (made by a
buggy or hostile writer) is refused with the kind and line, never half applied.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import peewee

from companion.audit import AuditEvent
from companion.call_articles import CallArticle
from companion.calls import Call, CallLink, Direction, Outcome
from companion.customer_links import CustomerLink, Relation
from companion.customer_models import (
    Customer,
    CustomerEmail,
    CustomerPhone,
    CustomerReference,
    ReferenceKind,
)
from companion.db import database
from companion.entries import Entry, EntryKind
from companion.errors import InvalidInput
from companion.promises import Promise, PromiseEvent, PromiseState
from companion.rows import tuples
from companion.users import Role

FORMAT = 1
ID_MAX = 64
ID_CHUNK = 500
LONG_TEXT = 1_000_000


def _text(limit: int) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or len(value) > limit:
            raise ValueError(f"text of at most {limit} characters")
        return value

    return check


def _choice(*choices: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value not in choices:
            raise ValueError(f"one of {', '.join(choices)}")
        return value

    return check


def _integer(value: Any) -> Any:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise ValueError("a whole number")
    return value


def _boolean(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


def _moment(value: Any) -> Any:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("a date and time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        raise ValueError("a UTC time without an offset")
    return moment


def _day(value: Any) -> Any:
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("a date such as 2025-03-14")
    return date.fromisoformat(value)


_ID = _text(ID_MAX)


@dataclass(frozen=True)
class Column:
    """One field of a row: its model field name, how to check it, and whether it may be null."""

    name: str
    check: Callable[[Any], Any]
    nullable: bool = False


def _col(name: str, check: Callable[[Any], Any] = _ID, nullable: bool = False) -> Column:
    return Column(name, check, nullable)


@dataclass(frozen=True)
class Kind:
    """One part of the file: a kind of row, its model and its columns in order."""

    name: str
    model: type[peewee.Model]
    columns: tuple[Column, ...]

    @property
    def part(self) -> str:
        return f"{self.name}.jsonl"

    @property
    def fields(self) -> list[peewee.Field]:
        return [self.model._meta.fields[column.name] for column in self.columns]

    def encode(self, row: tuple[Any, ...]) -> dict[str, Any]:
        """A selected row (in :attr:`fields` order) as its JSON object."""
        return {column.name: _plain(value) for column, value in zip(self.columns, row, strict=True)}

    def encode_stored(self, row: tuple[Any, ...]) -> dict[str, Any]:
        """A row as the driver returned it (no peewee conversion) as its JSON object.

        SQLite hands back times as stored text and booleans as 0/1, PostgreSQL as
        Python values; both become the same wire values (a time's text may have a space
        or a ``T`` between date and time: both read back the same).
        """
        return {
            name: convert(value) for (name, convert), value in zip(self._stored, row, strict=True)
        }

    @functools.cached_property
    def _stored(self) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
        return tuple(
            (column.name, _from_driver(field))
            for column, field in zip(self.columns, self.fields, strict=True)
        )

    def decode(self, item: Any, line: int) -> dict[str, Any]:
        """A JSON object from the file, checked, as field values ready to insert."""
        if not isinstance(item, dict):
            raise self.refuse(line, "it is not a record")
        values: dict[str, Any] = {}
        for column in self.columns:
            raw = item.get(column.name)
            if raw is None:
                if column.nullable:
                    values[column.name] = None
                    continue
                raise self.refuse(line, f"{column.name} is missing")
            try:
                values[column.name] = column.check(raw)
            except (ValueError, TypeError) as exc:
                raise self.refuse(line, f"{column.name} should be {exc}") from exc
        return values

    def refuse(self, line: int, reason: str) -> InvalidInput:
        return _bad(self.name, line, reason)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _from_driver(field: peewee.Field) -> Callable[[Any], Any]:
    if isinstance(field, peewee.BooleanField):
        return _as_bool
    if isinstance(field, peewee.DateTimeField | peewee.DateField):
        return _as_text
    return _same


def _as_bool(value: Any) -> Any:
    return None if value is None else bool(value)


def _as_text(value: Any) -> Any:
    return value if value is None or isinstance(value, str) else value.isoformat()


def _same(value: Any) -> Any:
    return value


def digest(values: Any) -> str:
    """A stable digest of plain or Python values: the tie-break between equal times."""
    text = json.dumps(values, sort_keys=True, default=_plain, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def key_of(model: type[peewee.Model]) -> peewee.Field:
    """A model's primary key field (every exchanged table has a one-column key)."""
    key = model._meta.primary_key
    assert isinstance(key, peewee.Field)
    return key


def existing_ids(model: type[peewee.Model], ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` this store already holds in ``model``'s table."""
    key = key_of(model)
    return {str(row[0]) for row in _select_by_id(model, [key], ids)}


def rows_by_id(kind: Kind, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored rows of ``kind`` with these ids, as field values keyed by id."""
    names = [column.name for column in kind.columns]
    fields = kind.fields
    found: dict[str, dict[str, Any]] = {}
    for row in _select_by_id(kind.model, fields, ids):
        values = [field.python_value(value) for field, value in zip(fields, row, strict=True)]
        found[values[0]] = dict(zip(names, values, strict=True))
    return found


def _select_by_id(
    model: type[peewee.Model], fields: list[peewee.Field], ids: Iterable[str]
) -> Iterator[tuple[Any, ...]]:
    """Raw rows of ``fields`` for these primary keys, a chunk per statement.

    Written as SQL: building the same query through peewee costs more than running it,
    and an import looks up every id it brings.
    """
    wanted = sorted(set(ids))
    db = database.obj
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    table = model._meta.table_name
    key = key_of(model).column_name
    for start in range(0, len(wanted), ID_CHUNK):
        chunk = wanted[start : start + ID_CHUNK]
        marks = ", ".join(db.param for _ in chunk)
        cursor = db.execute_sql(
            f'SELECT {columns} FROM "{table}" WHERE "{key}" IN ({marks})', chunk
        )
        yield from cursor.fetchall()


def attach_identifiers(rows: list[dict[str, Any]], *, encode: bool) -> None:
    """Give each customer row its phones, e-mails and references, in their order.

    ``encode`` gives them in their wire form (for a file), otherwise as stored values.
    """
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        for name, _kind in IDENTIFIERS:
            row[name] = []
    ids = list(by_id)
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        for name, kind in IDENTIFIERS:
            owner = kind.model._meta.fields["customer"]
            position = kind.model._meta.fields["position"]
            query = (
                kind.model.select(owner, *kind.fields)
                .where(owner.in_(chunk))
                .order_by(owner, position, key_of(kind.model))
            )
            names = [column.name for column in kind.columns]
            for customer_id, *values in tuples(query):
                item = (
                    kind.encode(tuple(values)) if encode else dict(zip(names, values, strict=True))
                )
                by_id[customer_id][name].append(item)


def _values(enum: type[Any]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


USERS_COLUMNS = (
    _col("id"),
    _col("display_name", _text(255)),
    _col("role", _choice(*_values(Role))),
)

CUSTOMERS = Kind(
    "customers",
    Customer,
    (
        _col("id"),
        _col("display_name", _text(255)),
        _col("is_organisation", _boolean),
        _col("notes", _text(LONG_TEXT)),
        _col("merged_into", nullable=True),
        _col("created_by"),
        _col("created_at", _moment),
        _col("updated_at", _moment),
        _col("site"),
    ),
)
PHONES = Kind(
    "phones",
    CustomerPhone,
    (
        _col("id"),
        _col("e164", _text(32)),
        _col("extension", _text(32)),
        _col("created_at", _moment),
    ),
)
EMAILS = Kind(
    "emails",
    CustomerEmail,
    (_col("id"), _col("address", _text(320)), _col("created_at", _moment)),
)
REFERENCES = Kind(
    "references",
    CustomerReference,
    (
        _col("id"),
        _col("kind", _choice(*_values(ReferenceKind))),
        _col("value", _text(255)),
        _col("created_at", _moment),
    ),
)
IDENTIFIERS = (("phones", PHONES), ("emails", EMAILS), ("references", REFERENCES))

CUSTOMER_LINKS = Kind(
    "customer_links",
    CustomerLink,
    (
        _col("id"),
        _col("customer"),
        _col("other"),
        _col("relation", _choice(*_values(Relation))),
        _col("note", _text(LONG_TEXT)),
        _col("created_by"),
        _col("created_at", _moment),
        _col("updated_at", _moment),
    ),
)

CALL_TEXT = (
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
)
CALLS = Kind(
    "calls",
    Call,
    (
        _col("id"),
        _col("customer"),
        _col("agent"),
        _col("direction", _choice(*_values(Direction))),
        _col("started_at", _moment),
        _col("ended_at", _moment, nullable=True),
        *(_col(name, _text(LONG_TEXT)) for name in CALL_TEXT),
        _col("outcome", _choice(*_values(Outcome)), nullable=True),
        _col("closed_by", nullable=True),
        _col("created_at", _moment),
        _col("updated_at", _moment),
        _col("site"),
    ),
)
CALL_LINKS = Kind(
    "call_links",
    CallLink,
    (
        _col("id"),
        _col("call"),
        _col("earlier"),
        _col("created_by"),
        _col("created_at", _moment),
    ),
)
CALL_ARTICLES = Kind(
    "call_articles",
    CallArticle,
    (
        _col("id"),
        _col("call"),
        _col("slug", _text(120)),
        _col("opened_at", _moment),
        _col("opened_by"),
    ),
)
ENTRIES = Kind(
    "entries",
    Entry,
    (
        _col("id"),
        _col("call"),
        _col("seq", _integer),
        _col("at", _moment),
        _col("author"),
        _col("kind", _choice(*_values(EntryKind))),
        _col("text", _text(LONG_TEXT)),
        _col("amends", nullable=True),
    ),
)
PROMISES = Kind(
    "promises",
    Promise,
    (
        _col("id"),
        _col("entry"),
        _col("customer"),
        _col("owner"),
        _col("due_on", _day),
        _col("state", _choice(*_values(PromiseState))),
        _col("created_at", _moment),
        _col("updated_at", _moment),
    ),
)
_STATES = _choice(*_values(PromiseState))
PROMISE_EVENTS = Kind(
    "promise_events",
    PromiseEvent,
    (
        _col("id"),
        _col("promise"),
        _col("at", _moment),
        _col("actor"),
        _col("from_state", _STATES, nullable=True),
        _col("to_state", _STATES),
        _col("old_due", _day, nullable=True),
        _col("new_due", _day),
        _col("reason", _text(LONG_TEXT)),
    ),
)
AUDIT_EVENTS = Kind(
    "audit_events",
    AuditEvent,
    (
        _col("id"),
        _col("at", _moment),
        _col("actor"),
        _col("action", _text(255)),
        _col("object_type", _text(255)),
        _col("object_id", _text(255)),
        _col("details", _text(LONG_TEXT)),
    ),
)

# The record kinds in the order an import applies them: every row's parents first.
RECORD_KINDS = (
    CUSTOMERS,
    CUSTOMER_LINKS,
    CALLS,
    CALL_LINKS,
    CALL_ARTICLES,
    ENTRIES,
    PROMISES,
    PROMISE_EVENTS,
    AUDIT_EVENTS,
)
SITES_PART = "sites.jsonl"
USERS_PART = "users.jsonl"
COUNTS_PART = "counts.json"


def decode_site(item: Any, line: int) -> tuple[str, str]:
    """A (site id, name) pair from the sites part."""
    if not isinstance(item, dict):
        raise _bad("sites", line, "it is not a record")
    site_id, name = item.get("id"), item.get("name", "")
    if not isinstance(site_id, str) or not 0 < len(site_id) <= ID_MAX:
        raise _bad("sites", line, "id should be a site id")
    if not isinstance(name, str) or len(name) > 255:
        raise _bad("sites", line, "name should be text of at most 255 characters")
    return site_id, name


def decode_user(item: Any, line: int) -> dict[str, Any]:
    """A user the records refer to: id, display name and role."""
    values: dict[str, Any] = {}
    if not isinstance(item, dict):
        raise _bad("users", line, "it is not a record")
    for column in USERS_COLUMNS:
        raw = item.get(column.name)
        try:
            values[column.name] = column.check(raw)
        except (ValueError, TypeError) as exc:
            raise _bad("users", line, f"{column.name} should be {exc}") from exc
    if not values["display_name"].strip():
        raise _bad("users", line, "display_name is empty")
    return values


def _bad(kind: str, line: int, reason: str) -> InvalidInput:
    return InvalidInput(
        f"The call-record file holds a {kind} record it cannot use (line {line}: {reason}). "
        "It was made by a faulty program or edited; nothing was changed."
    )
