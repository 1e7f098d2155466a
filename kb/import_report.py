"""What an import did, file by file: the report the CLI prints and the UI shows.

Kept apart from the importer so that readers of a report (the CLI, the window, the
default-playbook loader) need not load the scanning machinery.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class FileOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True)
class FileResult:
    """What happened to one file; ``path`` is relative to the imported folder or zip."""

    path: str
    outcome: FileOutcome
    slug: str | None = None
    reason: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BrokenLink:
    """A link to a ``.md`` file that is not in the playbook; it is left as written."""

    path: str
    target: str
    reason: str


@dataclass
class ImportReport:
    source: str
    files: list[FileResult] = field(default_factory=list)
    broken_links: list[BrokenLink] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # non-Markdown files, skipped quietly

    def count(self, outcome: FileOutcome) -> int:
        return sum(1 for result in self.files if result.outcome is outcome)

    @property
    def created(self) -> int:
        return self.count(FileOutcome.CREATED)

    @property
    def updated(self) -> int:
        return self.count(FileOutcome.UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(FileOutcome.UNCHANGED)

    @property
    def failed(self) -> int:
        return self.count(FileOutcome.FAILED)

    @property
    def ok(self) -> bool:
        """True when every file went in and every link resolved; the CLI's exit status."""
        return self.failed == 0 and not self.broken_links

    def summary(self) -> str:
        links = len(self.broken_links)
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.failed} failed; {links} broken link{'' if links == 1 else 's'}"
        )

    def lines(self) -> list[str]:
        """One line per file and per broken link, then the summary; for a terminal."""
        width = max(len(outcome.value) for outcome in FileOutcome) + 2
        out: list[str] = []
        if not self.files:
            out.append(f"No .md files found in {_printable(self.source)}.")
        for result in self.files:
            line = f"{result.outcome.value:<{width}}{_printable(result.path)}"
            out.append(f"{line}: {_printable(result.reason)}" if result.reason else line)
            out.extend(f"{'':<{width}}note: {_printable(note)}" for note in result.notes)
        for link in self.broken_links:
            out.append(
                f"{'broken':<{width}}{_printable(link.path)}: link to "
                f"{_printable(link.target)} ({link.reason})"
            )
        out.append(self.summary())
        return out

    def format(self) -> str:
        return "\n".join(self.lines())

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready data, for ``--json`` output and the UI."""
        return {
            "source": self.source,
            "counts": {outcome.value: self.count(outcome) for outcome in FileOutcome}
            | {"broken_links": len(self.broken_links)},
            "files": [{**asdict(r), "outcome": r.outcome.value} for r in self.files],
            "broken_links": [asdict(link) for link in self.broken_links],
            "ignored": list(self.ignored),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)


def _printable(text: str) -> str:
    """Never echo control characters to a terminal.

    File names from a zip may hold them, and so may the front-matter keys and values a
    reason or note quotes back.
    """
    return _UNPRINTABLE.sub("?", text)
