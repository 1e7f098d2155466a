"""Reading rows: quickly, and without trusting what is stored.

Model instances cost several times more to build than tuples; lists of thousands
of rows (search candidates, a due list) read tuples instead. peewee's type stubs
describe a query's rows as models whatever the row type, so these helpers state
the real type once rather than at every call site.

Stored values can also have been edited by hand (a status nobody defined, broken
JSON, text in a number column). The ``stored_*`` helpers turn what the database
holds into Python values and, when that fails, raise :class:`DamagedRecord` naming
the table, row and column, so the desk sees one clear line instead of a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import Enum
from typing import Any, TypeVar, cast

import peewee

from companion.db import database
from companion.errors import DamagedRecord

E = TypeVar("E", bound=Enum)


def tuples(query: peewee.SelectBase) -> Iterator[tuple[Any, ...]]:
    """Iterate ``query`` as plain tuples, in the order its columns were selected."""
    return cast(Iterator[tuple[Any, ...]], iter(query.tuples()))


def text_rows(query: peewee.SelectBase) -> list[tuple[str, ...]]:
    """All rows at once, straight from the driver, for queries selecting only text columns.

    Skips peewee's per-value conversion, which is wasted on text: the fuzzy name
    search reads thousands of (id, name) rows and is several times faster this way.
    """
    return cast(list[tuple[str, ...]], database.execute(query).fetchall())


def stored_choice(enum: type[E], value: object, table: str, row: object, column: str) -> E:
    """The enum member a stored value names; :class:`DamagedRecord` when it names none."""
    try:
        return enum(value)
    except ValueError as exc:
        raise DamagedRecord(table, row, column, value) from exc


def stored_json(value: object, table: str, row: object, column: str) -> Any:
    """A stored JSON document; :class:`DamagedRecord` when it does not parse."""
    if not isinstance(value, str | bytes):
        raise DamagedRecord(table, row, column, value)
    try:
        return json.loads(value)
    except ValueError as exc:
        raise DamagedRecord(table, row, column, value) from exc


def stored_list(value: object, table: str, row: object, column: str) -> tuple[str, ...]:
    """A stored JSON list of strings (tags, aliases); anything else is damage."""
    items = stored_json(value, table, row, column)
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise DamagedRecord(table, row, column, value)
    return tuple(items)


def stored_int(value: object, table: str, row: object, column: str) -> int:
    """A stored whole number; text or a fraction in an integer column is damage."""
    if isinstance(value, bool):
        raise DamagedRecord(table, row, column, value)
    if isinstance(value, int):
        return value
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise DamagedRecord(table, row, column, value) from exc
    return number
