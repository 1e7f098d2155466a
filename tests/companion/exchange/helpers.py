"""Moving files between the stores of a test, and setting the times last-writer-wins reads."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path

import peewee

from companion.exchange import ExportReport, ImportReport, export_records, import_records
from tests.companion.exchange.conftest import Store

_files = itertools.count(1)
# Later than any row a test makes with the real clock, so edits stamped from it are newer.
T0 = datetime(2030, 5, 4, 9, 0, 0)


def export(
    store: Store, folder: Path, *, since_last: bool = False, to: str = "head office"
) -> ExportReport:
    with store:
        return export_records(
            store.user,
            folder / f"{store.name}-{next(_files)}.csx",
            destination=to,
            since_last=since_last,
        )


def load(store: Store, path: Path) -> ImportReport:
    with store:
        return import_records(store.user, path)


def send(source: Store, target: Store, folder: Path, *, since_last: bool = False) -> ImportReport:
    """Export from ``source`` and import the file at ``target``."""
    return load(target, export(source, folder, since_last=since_last).path)


def set_updated(store: Store, model: type[peewee.Model], row_id: str, minutes: int) -> None:
    """Pretend the row was last changed ``minutes`` after T0 (what LWW compares)."""
    with store:
        field = model._meta.fields["updated_at"]
        key = model._meta.primary_key
        model.update({field: T0 + timedelta(minutes=minutes)}).where(key == row_id).execute()
