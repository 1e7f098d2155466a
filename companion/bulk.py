"""Writing many generated rows at once, for demo and benchmark data.

Row-by-row inserts through the services take minutes at benchmark sizes; batched
``insert_many`` inside one transaction takes seconds. Only code that builds
complete, consistent rows itself (ids, keys, audit) may use this: it bypasses the
services' checks on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import peewee

# SQLite allows 32,766 bound values per statement since 3.32; stay well below.
MAX_VALUES_PER_STATEMENT = 30_000


def insert_rows(model: type[peewee.Model], rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert ``rows`` in batches; call inside ``database.atomic()``. Returns the count."""
    columns = len(model._meta.fields)
    batch = max(1, MAX_VALUES_PER_STATEMENT // columns)
    count = 0
    for chunk in peewee.chunked(rows, batch):
        model.insert_many(chunk).execute()
        count += len(chunk)
    return count
