"""Inserting many imported rows quickly: one prepared statement, executed for each batch.

peewee builds an ``INSERT ... VALUES`` of many rows by walking a node per value, which
for a site's month (half a million rows) costs far more than the database does. The
rows here are complete and checked already, and the wire decoder has given each value
the Python type its field stores (strings, datetimes, dates, booleans, integers, which
the fields used here hand to the driver unchanged), so each batch goes straight to the
driver's ``executemany``. The exchange tests compare imported rows with rows the
services wrote, so a field that starts converting would be caught.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import peewee

from companion.db import database

BATCH = 2_000
# peewee's own translation of driver errors (IntegrityError, ...), used by execute_sql.
_DRIVER_ERRORS = getattr(peewee, "__exception_wrapper__")  # noqa: B009 - a dunder name


def insert_all(model: type[peewee.Model], rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``rows`` (all with the same keys, model field names); call in a transaction."""
    if not rows:
        return 0
    fields = [model._meta.fields[name] for name in rows[0]]
    db = database.obj
    param = db.param
    sql = 'INSERT INTO "{}" ({}) VALUES ({})'.format(
        model._meta.table_name,
        ", ".join(f'"{field.column_name}"' for field in fields),
        ", ".join(param for _ in fields),
    )
    values_of = operator.itemgetter(*(field.name for field in fields))
    for start in range(0, len(rows), BATCH):
        batch = [values_of(row) for row in rows[start : start + BATCH]]
        values = batch if len(fields) > 1 else [(value,) for value in batch]
        cursor = db.cursor()
        try:
            with _DRIVER_ERRORS:  # raised as peewee's errors, as every query's are
                cursor.executemany(sql, values)
        finally:
            cursor.close()
    return len(rows)
