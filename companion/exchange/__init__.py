"""Carrying call records between sites' stores by file, and merging them.

A site exports what it created or changed (``site export OUT.csx``) into a sealed
archive; head office (or another site) imports it (``site import FILE.csx``). Import
is idempotent and order-independent: rows keep their UUIDs, append-only rows are
unioned, and mutable fields are merged by last-writer-wins (see
:mod:`companion.exchange.merge`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from companion.exchange.reports import ExportReport, ImportReport, KindCounts, PossibleDuplicate
from companion.users import User

__all__ = [
    "ExportReport",
    "ImportReport",
    "KindCounts",
    "PossibleDuplicate",
    "export_records",
    "import_records",
]

Progress = Callable[[int, int], None]


def export_records(
    user: User,
    out: Path,
    *,
    destination: str = "head office",
    since_last: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Write this site's call records to ``out`` (all, or what changed since the last export)."""
    raise NotImplementedError("export_records: API skeleton, implementation follows")


def import_records(user: User, path: Path, progress: Progress | None = None) -> ImportReport:
    """Merge another site's exported file into this store, or refuse it with nothing changed."""
    raise NotImplementedError("import_records: API skeleton, implementation follows")
