"""What one import has done so far: counts per kind and the records it touched."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from companion.exchange.reports import KindCounts
from companion.sealed_archive import SealedArchive
from companion.sites import Site
from companion.users import User

PAGE = 1_000


@dataclass
class Tally:
    added: int = 0
    unchanged: int = 0
    updated: int = 0
    conflicts: int = 0

    def frozen(self) -> KindCounts:
        return KindCounts(self.added, self.unchanged, self.updated, self.conflicts)


@dataclass
class ImportState:
    """Shared by the merge steps of one import, inside its transaction."""

    user: User
    source: Site
    here: str
    progress: Callable[[int, int], None] | None = None
    total: int = 0
    done: int = 0
    tallies: dict[str, Tally] = field(default_factory=dict)
    customers: set[str] = field(default_factory=set)  # touched: their cards refresh
    calls: set[str] = field(default_factory=set)
    promises: set[str] = field(default_factory=set)
    entries: set[str] = field(default_factory=set)  # entries this import added
    added_customers: list[str] = field(default_factory=list)
    referenced_customers: set[str] = field(default_factory=set)
    incoming_merges: dict[str, str] = field(default_factory=dict)  # customer -> survivor
    quiet_promises: set[str] = field(default_factory=set)  # in the file, nothing new so far

    def tally(self, kind: str) -> Tally:
        return self.tallies.setdefault(kind, Tally())

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)

    def counts(self) -> dict[str, KindCounts]:
        return {kind: tally.frozen() for kind, tally in self.tallies.items()}


def pages(
    archive: SealedArchive, part: str, decode: Callable[[Any, int], Any], size: int = PAGE
) -> Iterator[list[Any]]:
    """The decoded records of one part, ``size`` at a time."""
    page: list[Any] = []
    for line, item in enumerate(archive.iter_json_lines(part), start=1):
        page.append(decode(item, line))
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


def chunks(ids: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
