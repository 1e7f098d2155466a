"""Reading many rows quickly.

Model instances cost several times more to build than tuples; lists of thousands
of rows (search candidates, a long history) read tuples instead. peewee's type
stubs describe a query's rows as models whatever the row type, so this helper
states the real type once rather than at every call site.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import peewee


def tuples(query: peewee.SelectBase) -> Iterator[tuple[Any, ...]]:
    """Iterate ``query`` as plain tuples, in the order its columns were selected."""
    return cast(Iterator[tuple[Any, ...]], iter(query.tuples()))
