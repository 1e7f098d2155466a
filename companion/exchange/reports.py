"""What an export wrote and what an import did, as plain values the CLI and window show."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from companion.sites import Site


@dataclass(frozen=True)
class KindCounts:
    """What an import did with the rows of one kind (customers, calls, entries, ...)."""

    added: int
    unchanged: int
    updated: int  # rows whose mutable fields changed by the merge (last writer wins)
    conflicts: int  # e.g. customer edits that lost last-writer-wins (kept in the audit)


@dataclass(frozen=True)
class PossibleDuplicate:
    """The same customer created at two sites: offered for merging, never joined silently."""

    customer_id: str
    other_id: str
    display_name: str
    other_name: str
    reason: str  # "same phone +44 20 7946 0958" / "same e-mail a@b.c"


@dataclass(frozen=True)
class ExportReport:
    path: Path
    site: Site
    destination: str
    since_last: bool
    counts: dict[str, int]  # rows written per kind ("customers", "calls", "entries", ...)
    size_bytes: int


@dataclass(frozen=True)
class ImportReport:
    from_site: Site
    already_imported: bool  # the same file again: nothing changed
    kinds: dict[str, KindCounts]
    possible_duplicates: tuple[PossibleDuplicate, ...]
