"""Reading many rows quickly.

Model instances cost several times more to build than tuples; lists of thousands
of rows (search candidates, a due list) read tuples instead. peewee's type stubs
describe a query's rows as models whatever the row type, so these helpers state
the real type once rather than at every call site.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import peewee

from companion.db import database


def tuples(query: peewee.SelectBase) -> Iterator[tuple[Any, ...]]:
    """Iterate ``query`` as plain tuples, in the order its columns were selected."""
    return cast(Iterator[tuple[Any, ...]], iter(query.tuples()))


def text_rows(query: peewee.SelectBase) -> list[tuple[str, ...]]:
    """All rows at once, straight from the driver, for queries selecting only text columns.

    Skips peewee's per-value conversion, which is wasted on text: the fuzzy name
    search reads thousands of (id, name) rows and is several times faster this way.
    """
    return cast(list[tuple[str, ...]], database.execute(query).fetchall())
