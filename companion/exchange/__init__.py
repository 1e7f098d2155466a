"""Carrying call records between sites' stores by file, and merging them.

A site exports what it created or changed (``site export OUT.csx``) into a sealed
archive; head office (or another site) imports it (``site import FILE.csx``). Import
is idempotent and order-independent: rows keep their UUIDs, append-only rows are
unioned, and mutable fields are merged by last-writer-wins (see
:mod:`companion.exchange.importing`).
"""

from __future__ import annotations

from companion.exchange.export import export_records
from companion.exchange.importing import import_records
from companion.exchange.reports import ExportReport, ImportReport, KindCounts, PossibleDuplicate

__all__ = [
    "ExportReport",
    "ImportReport",
    "KindCounts",
    "PossibleDuplicate",
    "export_records",
    "import_records",
]
